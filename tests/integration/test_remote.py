"""CSMS-initiated commands: remote start/stop, unlock, availability, reset."""

import asyncio

import pytest
from ocpp.v16 import call

from integration.conftest import wait_booted


async def plugged_and_charging(ctl, csms, cid=1, tag="TAG"):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": tag})
    await ctl.until(lambda c: c["contactor_closed"], cid=cid)
    return (await csms.wait_for(lambda c: c.actions("StartTransaction")))[-1]


async def test_remote_start_cable_first_then_remote_stop(csms, start_controller):  # TC_010, TC_012
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await ctl.post("/ev", {"connector": 2, "state": "B"})
    await ctl.until(lambda c: c["status"] == "Preparing", cid=2)
    answer = await cp.call(call.RemoteStartTransaction(id_tag="REMOTE1"))
    assert answer.status == "Accepted"
    start = (await csms.wait_for(lambda c: c.actions("StartTransaction")))[0]
    assert start["connectorId"] == 2 and start["idTag"] == "REMOTE1"  # the plugged EV got it
    assert not csms.actions("Authorize")  # AuthorizeRemoteTxRequests is false
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    c = await ctl.until(lambda c: c["contactor_closed"] and c["session"]["transaction_id"], cid=2)
    session = c["session"]
    answer = await cp.call(call.RemoteStopTransaction(transaction_id=session["transaction_id"]))
    assert answer.status == "Accepted"
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "Remote" and stop["transactionId"] == session["transaction_id"]
    await ctl.until(lambda c: c["status"] == "Finishing" and not c["contactor_closed"], cid=2)


async def test_remote_start_first_then_cable(csms, start_controller):  # TC_011_1
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R", connector_id=1))).status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Preparing")
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.until(lambda c: c["contactor_closed"])
    assert (await csms.wait_for(lambda c: c.actions("StartTransaction")))[0]["connectorId"] == 1


async def test_remote_start_rejections(csms, start_controller):  # TC_026, TC_027, TC_028
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R", connector_id=0))).status == "Rejected"
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R", connector_id=7))).status == "Rejected"
    await plugged_and_charging(ctl, csms, 1)
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R", connector_id=1))).status == "Rejected"
    assert (await cp.call(call.RemoteStopTransaction(transaction_id=999))).status == "Rejected"


async def test_authorize_remote_tx_requests(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="AuthorizeRemoteTxRequests", value="true"))
    await ctl.post("/ev", {"connector": 1, "state": "B"})
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R2", connector_id=1))).status == "Accepted"
    await csms.wait_for(lambda c: c.actions("StartTransaction"))
    actions = [a for a, _ in csms.received]
    assert actions.index("Authorize") < actions.index("StartTransaction")


async def test_unlock_connector(csms, start_controller):  # TC_017, TC_018, TC_031
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.UnlockConnector(connector_id=2))).status == "Unlocked"
    await plugged_and_charging(ctl, csms, 1)
    assert (await cp.call(call.UnlockConnector(connector_id=1))).status == "Unlocked"
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "UnlockCommand"
    c = await ctl.connector(1)
    assert not c["contactor_closed"] and c["session"] is None
    assert (await cp.call(call.UnlockConnector(connector_id=9))).status == "NotSupported"


async def test_change_availability_now_scheduled_and_persistent(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    answer = await cp.call(call.ChangeAvailability(connector_id=2, type="Inoperative"))
    assert answer.status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Unavailable", cid=2)
    await plugged_and_charging(ctl, csms, 1)
    answer = await cp.call(call.ChangeAvailability(connector_id=1, type="Inoperative"))
    assert answer.status == "Scheduled"
    await asyncio.sleep(0.3)
    assert (await ctl.connector(1))["status"] == "Charging"  # the session goes on
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["status"] == "Unavailable")
    assert (await cp.call(call.ChangeAvailability(connector_id=9, type="Operative"))).status == "Rejected"

    assert await ctl.stop() == 0
    await ctl.start()  # availability survives a restart
    await ctl.until(lambda c: c["status"] == "Unavailable", cid=2)
    cp = await csms.wait_connected("CP001")
    await cp.call(call.ChangeAvailability(connector_id=0, type="Operative"))
    await ctl.until(lambda c: c["status"] == "Available", cid=2)


async def test_soft_reset_with_a_transaction_restarts_the_process(csms, start_controller):  # TC_016
    ctl = await start_controller()
    await plugged_and_charging(ctl, csms, 1)
    pid = ctl.proc.pid
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.Reset(type="Soft"))).status == "Accepted"
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "SoftReset"
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    assert ctl.proc.pid == pid and ctl.proc.returncode is None  # re-executed in place
    await wait_booted(csms, ctl)
    c = await ctl.connector(1)
    assert c["session"] is None and not c["contactor_closed"]


@pytest.mark.parametrize("kind", ["Hard", "Soft"])  # TC_013, TC_014
async def test_reset_without_transaction(csms, start_controller, kind):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.Reset(type=kind))).status == "Accepted"
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    await wait_booted(csms, ctl)
    assert not csms.actions("StopTransaction")


async def test_hard_reset_with_transaction(csms, start_controller):  # TC_015
    ctl = await start_controller()
    await plugged_and_charging(ctl, csms, 2)
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.Reset(type="Hard"))).status == "Accepted"
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "HardReset"
