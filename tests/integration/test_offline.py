"""Offline charging, local authorization and recovery, with real processes (issue 4)."""

import asyncio
import signal

import pytest
from ocpp.v16 import call

from controller import ControllerProcess
from ledger import check_stops_come_last
from firmware.bench.csms import BenchCsms
from modbus_bench import MeterLine

FUTURE = "2099-01-01T00:00:00Z"


def local_list(n, status="Accepted", parent=None):
    info = {"status": status, "expiry_date": FUTURE}
    if parent:
        info["parent_id_tag"] = parent
    return [{"id_tag": f"TAG{i:05d}", "id_tag_info": dict(info)} for i in range(n)]


async def charging(ctl, cid, tag):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": tag})
    return await ctl.until(lambda c: c["contactor_closed"], cid=cid)


async def test_ten_thousand_entry_list_authorizes_offline(csms, start_controller):  # TC_043, TC_008_1
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.GetLocalListVersion())).list_version == 0  # TC_042_2
    answer = await cp.call(call.SendLocalList(list_version=7, update_type="Full",
                                              local_authorization_list=local_list(10_000)))
    assert answer.status == "Accepted"
    assert (await cp.call(call.GetLocalListVersion())).list_version == 7
    diff = [{"id_tag": "BLOCKED1", "id_tag_info": {"status": "Blocked"}}, {"id_tag": "TAG00001"}]
    assert (await cp.call(call.SendLocalList(list_version=7, update_type="Differential",
                                             local_authorization_list=diff))).status == "VersionMismatch"
    assert (await cp.call(call.SendLocalList(list_version=8, update_type="Differential",
                                             local_authorization_list=diff))).status == "Accepted"
    await ctl.post("/network", {"connected": False})
    await ctl.wait_disconnected()
    await charging(ctl, 1, "TAG09999")  # listed, accepted offline
    for refused in ("BLOCKED1", "TAG00001", "STRANGER"):  # blocked, removed, unknown
        await ctl.post("/ev", {"connector": 2, "state": "C"})
        await ctl.post("/rfid", {"connector": 2, "id_tag": refused})
        await asyncio.sleep(0.5)
        assert (await ctl.connector(2))["session"] is None, refused
    await ctl.post("/network", {"connected": True})
    start = (await csms.wait_for(lambda s: s.actions("StartTransaction"), 30))[0]
    assert start["idTag"] == "TAG09999"


async def test_local_list_limits(csms, start_controller):  # TC_043_3
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    too_many = local_list(10_001)
    assert (await cp.call(call.SendLocalList(list_version=1, update_type="Full",
                                             local_authorization_list=too_many))).status == "Failed"
    incomplete = [{"id_tag": "NOINFO"}]
    assert (await cp.call(call.SendLocalList(list_version=2, update_type="Full",
                                             local_authorization_list=incomplete))).status == "Failed"
    assert (await cp.call(call.GetLocalListVersion())).list_version == 0
    await cp.call(call.ChangeConfiguration(key="LocalAuthListEnabled", value="false"))
    assert (await cp.call(call.GetLocalListVersion())).list_version == -1  # TC_042_1
    assert (await cp.call(call.SendLocalList(list_version=3, update_type="Full",
                                             local_authorization_list=local_list(1)))).status == "NotSupported"
    assert (await ctl.status())["ocpp"]["connected"]


async def test_local_pre_authorize_starts_without_asking(csms, start_controller):  # TC_008_1
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.SendLocalList(list_version=1, update_type="Full", local_authorization_list=local_list(3)))
    await cp.call(call.ChangeConfiguration(key="LocalPreAuthorize", value="true"))
    await charging(ctl, 1, "TAG00002")
    await csms.wait_for(lambda s: s.actions("StartTransaction"))
    assert not csms.actions("Authorize")


async def test_offline_start_refused_later_stops(csms, start_controller):  # TC_037_3
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="AllowOfflineTxForUnknownId", value="true"))
    csms.rejected_tags.add("NOBODY")
    await ctl.post("/network", {"connected": False})
    await ctl.wait_disconnected()
    await charging(ctl, 1, "NOBODY")  # unknown, allowed offline
    await ctl.post("/network", {"connected": True})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 30))[0]
    assert stop["reason"] == "DeAuthorized"
    assert stop["transactionId"] == 1
    c = await ctl.until(lambda c: c["status"] == "Finishing")
    assert not c["contactor_closed"]


async def test_offline_start_refused_later_suspends_when_configured(csms, start_controller):  # TC_037_2
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    for key, value in (("AllowOfflineTxForUnknownId", "true"), ("StopTransactionOnInvalidId", "false")):
        await cp.call(call.ChangeConfiguration(key=key, value=value))
    csms.rejected_tags.add("NOBODY")
    await ctl.post("/network", {"connected": False})
    await ctl.wait_disconnected()
    await charging(ctl, 1, "NOBODY")
    await ctl.post("/network", {"connected": True})
    c = await ctl.until(lambda c: c["status"] == "SuspendedEVSE", timeout=30)
    assert not c["contactor_closed"] and c["session"]["id_tag"] == "NOBODY"  # no energy, no stop
    assert not csms.actions("StopTransaction")


async def test_parent_id_tag_ends_the_session(csms, start_controller):  # TC_069
    ctl = await start_controller()
    csms.tags["CARD-A"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    csms.tags["CARD-B"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    csms.tags["CARD-C"] = {"status": "Accepted", "parentIdTag": "OTHERS"}
    await charging(ctl, 1, "CARD-A")
    await ctl.post("/rfid", {"connector": 1, "id_tag": "CARD-C"})
    await asyncio.sleep(0.5)
    assert (await ctl.connector(1))["contactor_closed"]
    await ctl.post("/rfid", {"connector": 1, "id_tag": "CARD-B"})
    await ctl.until(lambda c: c["status"] == "Finishing")
    assert (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]["reason"] == "Local"


async def test_csms_down_during_two_sessions_every_message_once_in_order(csms, start_controller):  # TC_039
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="1"))
    three = [{"id_tag": "THREE", "id_tag_info": {"status": "Accepted"}}]
    await cp.call(call.SendLocalList(list_version=1, update_type="Full", local_authorization_list=three))
    await charging(ctl, 1, "ONE")
    await charging(ctl, 2, "TWO")
    await csms.wait_for(lambda s: len(s.actions("StartTransaction")) == 2)
    await ctl.until(lambda c: c["session"]["transaction_id"] == 2, cid=2)
    port = csms.port
    await csms.stop()
    await ctl.wait_disconnected()
    await asyncio.sleep(2.5)  # meter values pile up
    await ctl.post("/rfid", {"connector": 1, "id_tag": "ONE"})  # stop one while the CSMS is away
    await ctl.until(lambda c: c["status"] == "Finishing")
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    await charging(ctl, 1, "THREE")  # and start another one offline
    await asyncio.sleep(1.5)
    again = BenchCsms(port=port)
    again.tx_ids = iter(range(100, 200))
    await again.start()
    try:
        await again.wait_for(lambda s: len(s.actions("StartTransaction")) == 1, 30)
        await ctl.post("/ev", {"connector": 2, "state": "A"})
        await ctl.post("/ev", {"connector": 1, "state": "A"})
        await again.wait_for(lambda s: len(s.actions("StopTransaction")) == 3, 30)
    finally:
        await again.stop()
    unanswered = [m for (a, _), m in zip(csms.received, csms.message_ids)  # cut off mid-call: sent again
                  if m not in csms.answers and a in ("StartTransaction", "StopTransaction", "MeterValues")]
    assert all(m in again.message_ids for m in unanswered)
    everything = [r for r, m in zip(csms.received, csms.message_ids) if m in csms.answers] + again.received
    ids = [m for m in csms.message_ids if m in csms.answers] + again.message_ids
    assert len(ids) == len(set(ids)) and not again.retransmissions
    stops = {s["transactionId"]: s for s in again.actions("StopTransaction")}
    tx_one = next(s for s in stops.values() if s["idTag"] == "ONE")["transactionId"]
    assert set(stops) == {1, 2, 100}
    tx_of = {1: "ONE", 2: "TWO", 100: "THREE"}
    assert {s["idTag"] for s in stops.values()} == set(tx_of.values())
    # each transaction's messages arrive in order: its meter values between start and stop, timestamps rising
    for tx in stops:
        stamps = [mv["meterValue"][0]["timestamp"] for a, mv in everything
                  if a == "MeterValues" and mv.get("transactionId") == tx]
        assert stamps == sorted(stamps)
        assert all(stamp <= stops[tx]["timestamp"] for stamp in stamps)
    assert not [mv for a, mv in everything if a == "MeterValues" and mv.get("transactionId") in (None, -1)]
    assert tx_one == 1


async def test_kill_during_a_session_ends_it_with_power_loss(csms, tmp_path):  # TC_032_2
    line = MeterLine(tmp_path)
    ctl = ControllerProcess(csms.url, tmp_path / "data", board=str(line.board()))
    await line.start(ctl.api)
    try:
        await ctl.start()
        await ctl.until(lambda c: c["meter"]["online"] and c["meter"]["energy_wh"] > 0, timeout=15)
        await charging(ctl, 1, "TAG")
        start = (await csms.wait_for(lambda s: s.actions("StartTransaction")))[0]
        await asyncio.sleep(2.0)
        ctl.proc.send_signal(signal.SIGKILL)
        await ctl.proc.wait()
        await asyncio.sleep(0.5)  # the simulator sees no bench: no more current
        register = line.meters()[1]["energy_wh"]
        await ctl.start()
        stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 20))[0]
        assert stop["reason"] == "PowerLoss" and stop["transactionId"] == 1
        # The register is a float32 of kWh (0.06 Wh steps at 1 MWh), read at the restart: within 1 Wh of the
        # simulator's own count, and never below what the session already reported (ledger check).
        assert abs(stop["meterStop"] - register) <= 1.0, (register, stop)
        check_stops_come_last(csms)
        assert stop["meterStop"] > start["meterStart"]
        assert start["timestamp"] <= stop["timestamp"]
        assert len(csms.actions("StartTransaction")) == 1 and not csms.retransmissions
    finally:
        await ctl.close()
        await line.stop()


async def test_resume_after_a_crash_when_configured(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="ResumeSessionsAfterPowerLoss", value="true"))
    await charging(ctl, 2, "TAG")
    await csms.wait_for(lambda s: s.actions("StartTransaction"))
    await ctl.until(lambda c: c["session"]["transaction_id"] == 1, cid=2)
    ctl.proc.send_signal(signal.SIGKILL)
    await ctl.proc.wait()
    await ctl.start()  # the bench's EV is still plugged in and asking for energy
    c = await ctl.until(lambda c: c["contactor_closed"] and c["session"], cid=2, timeout=15)
    assert c["session"]["transaction_id"] == 1 and c["session"]["id_tag"] == "TAG"
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 20))[0]
    assert stop["reason"] == "EVDisconnected" and stop["transactionId"] == 1
    assert len(csms.actions("StartTransaction")) == 1


@pytest.mark.parametrize("source", ["list", "cache"])
async def test_remote_start_authorized_locally(csms, start_controller, source):  # TC_008_2, TC_007_2
    """AuthorizeRemoteTxRequests with LocalPreAuthorize: a tag the list or the cache
    knows starts at once, without an Authorize.req."""
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    for key in ("AuthorizeRemoteTxRequests", "LocalPreAuthorize"):
        assert (await cp.call(call.ChangeConfiguration(key=key, value="true"))).status == "Accepted"
    tag = "TAG00001"
    if source == "list":
        await cp.call(call.SendLocalList(list_version=1, update_type="Full", local_authorization_list=local_list(3)))
    else:  # the cache learns the tag from a session the CSMS authorized
        await charging(ctl, 2, tag)
        await ctl.post("/rfid", {"connector": 2, "id_tag": tag})
        await csms.wait_for(lambda s: s.actions("StopTransaction"))
    asked = len(csms.actions("Authorize"))
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    assert (await cp.call(call.RemoteStartTransaction(id_tag=tag, connector_id=1))).status == "Accepted"
    await ctl.until(lambda c: c["contactor_closed"])
    assert len(csms.actions("Authorize")) == asked, "known locally: the CSMS is not asked again"


async def test_an_unavailable_connector_stays_so_after_a_power_failure(csms, start_controller):  # TC_034
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.ChangeAvailability(connector_id=2, type="Inoperative"))).status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Unavailable", cid=2)
    ctl.proc.send_signal(signal.SIGKILL)  # the power goes
    await ctl.proc.wait()
    boots = len(csms.actions("BootNotification"))
    # What was sent before the cut: connector 2's Available may never have gone out (a status is the
    # current state, and the ChangeAvailability can come before the worker reaches that connector).
    cut = len(csms.actions("StatusNotification"))
    await ctl.start()
    await csms.wait_for(lambda s: len(s.actions("BootNotification")) > boots, 20)
    after = await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")[cut:]
                                           if p["connectorId"] == 2], 15)
    assert after[0]["status"] == "Unavailable"
    assert (await ctl.connector(1))["status"] == "Available"
