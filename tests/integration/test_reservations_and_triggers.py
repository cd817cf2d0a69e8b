"""OCPP 1.6 Reservation (TC_046..TC_051 family) and RemoteTrigger (TC_054..) on the bench."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from ocpp.v16 import call


def later(seconds):
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def statuses(csms, cid):
    return [p["status"] for p in csms.actions("StatusNotification") if p["connectorId"] == cid]


async def test_a_reservation_admits_only_its_tag_and_is_used(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    answer = await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="RESERVED", reservation_id=7))
    assert answer.status == "Accepted"
    c = await ctl.until(lambda c: c["status"] == "Reserved")
    assert c["reservation"]["id"] == 7 and c["reservation"]["id_tag"] == "RESERVED"
    await csms.wait_for(lambda s: "Reserved" in statuses(s, 1))
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "STRANGER"})
    await asyncio.sleep(0.5)
    assert (await ctl.connector(1))["status"] == "Reserved", "another tag may not start here"
    other = await cp.call(call.RemoteStartTransaction(id_tag="STRANGER", connector_id=1))
    assert other.status == "Rejected"
    await ctl.post("/rfid", {"connector": 1, "id_tag": "RESERVED"})
    await ctl.until(lambda c: c["status"] == "Charging")
    start = (await csms.wait_for(lambda s: s.actions("StartTransaction")))[0]
    assert start["idTag"] == "RESERVED" and start["reservationId"] == 7
    assert (await cp.call(call.CancelReservation(reservation_id=7))).status == "Rejected", "used up"


async def test_a_reservation_expires(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=2, expiry_date=later(2), id_tag="LATE", reservation_id=1))
    await ctl.until(lambda c: c["status"] == "Reserved", cid=2)
    await ctl.until(lambda c: c["status"] == "Available", cid=2, timeout=6)
    await csms.wait_for(lambda s: statuses(s, 2)[-1:] == ["Available"])


async def test_cancel_and_the_refusals(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="A", reservation_id=1))
    await ctl.until(lambda c: c["status"] == "Reserved")
    assert (await cp.call(call.CancelReservation(reservation_id=1))).status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Available")
    assert (await cp.call(call.CancelReservation(reservation_id=99))).status == "Rejected"
    # Occupied: a session runs there
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["status"] == "Charging")
    busy = await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="B", reservation_id=2))
    assert busy.status == "Occupied"
    # Faulted
    await ctl.post("/fault", {"connector": 2, "kind": "pilot_short", "active": True})
    await ctl.until(lambda c: c["status"] == "Faulted", cid=2)
    broken = await cp.call(call.ReserveNow(connector_id=2, expiry_date=later(600), id_tag="B", reservation_id=3))
    assert broken.status == "Faulted"
    await ctl.post("/fault", {"connector": 2, "kind": "pilot_short", "active": False})
    await ctl.until(lambda c: c["status"] == "Available", cid=2)
    # Unavailable, and a connector that does not exist
    await cp.call(call.ChangeAvailability(connector_id=2, type="Inoperative"))
    await ctl.until(lambda c: c["status"] == "Unavailable", cid=2)
    off = await cp.call(call.ReserveNow(connector_id=2, expiry_date=later(600), id_tag="B", reservation_id=4))
    assert off.status == "Unavailable"
    nowhere = await cp.call(call.ReserveNow(connector_id=9, expiry_date=later(600), id_tag="B", reservation_id=5))
    assert nowhere.status == "Rejected"
    past = await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(-60), id_tag="B", reservation_id=6))
    assert past.status == "Rejected"


async def test_reserving_connector_0_holds_the_last_free_one(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    answer = await cp.call(call.ReserveNow(connector_id=0, expiry_date=later(600), id_tag="ANY", reservation_id=9))
    assert answer.status == "Accepted"
    await asyncio.sleep(1.0)
    assert (await ctl.connector(1))["status"] == "Available", "two free: nothing held yet"
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["status"] == "Charging")
    await ctl.until(lambda c: c["status"] == "Reserved", cid=2, timeout=5)  # the last one is kept for ANY
    second = await cp.call(call.ReserveNow(connector_id=0, expiry_date=later(600), id_tag="TWO", reservation_id=10))
    assert second.status == "Occupied"
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    await ctl.post("/rfid", {"connector": 2, "id_tag": "ANY"})
    await ctl.until(lambda c: c["status"] == "Charging", cid=2)
    starts = await csms.wait_for(lambda s: [p for p in s.actions("StartTransaction") if p["idTag"] == "ANY"])
    assert starts[0]["reservationId"] == 9


async def test_reservations_survive_a_restart(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="KEEP", reservation_id=3))
    await ctl.until(lambda c: c["status"] == "Reserved")
    assert (await cp.call(call.Reset(type="Soft"))).status == "Accepted"
    await csms.wait_for(lambda s: len(s.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    await ctl.until(lambda c: c["status"] == "Reserved", timeout=10)


@pytest.mark.parametrize("message, action", [
    ("BootNotification", "BootNotification"),
    ("Heartbeat", "Heartbeat"),
    ("DiagnosticsStatusNotification", "DiagnosticsStatusNotification"),
    ("FirmwareStatusNotification", "FirmwareStatusNotification"),
])
async def test_trigger_message(csms, start_controller, message, action):
    await start_controller()
    cp = csms.charge_points["CP001"]
    before = len(csms.actions(action))
    assert (await cp.call(call.TriggerMessage(requested_message=message))).status == "Accepted"
    sent = await csms.wait_for(lambda s: s.actions(action)[before:])
    if action.endswith("StatusNotification"):
        assert sent[0]["status"] == "Idle"


async def test_triggered_status_and_meter_values_per_connector(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    await ctl.post("/rfid", {"connector": 2, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0, cid=2)
    before = len(csms.actions("StatusNotification"))
    answer = await cp.call(call.TriggerMessage(requested_message="StatusNotification", connector_id=2))
    assert answer.status == "Accepted"
    sent = await csms.wait_for(lambda s: s.actions("StatusNotification")[before:])
    assert [(p["connectorId"], p["status"]) for p in sent] == [(2, "Charging")]
    await cp.call(call.TriggerMessage(requested_message="MeterValues", connector_id=2))
    values = await csms.wait_for(lambda s: [m for m in s.actions("MeterValues")
                                            if m["meterValue"][0]["sampledValue"][0].get("context") == "Trigger"])
    assert values[0]["connectorId"] == 2 and values[0]["transactionId"] > 0
    rejected = await cp.call(call.TriggerMessage(requested_message="StatusNotification", connector_id=5))
    assert rejected.status == "Rejected"


async def test_a_tag_of_the_reserved_group_may_use_it(csms, start_controller):
    ctl = await start_controller()
    csms.tags["MEMBER"] = {"status": "Accepted", "parentIdTag": "FLEET"}
    csms.tags["OUTSIDER"] = {"status": "Accepted", "parentIdTag": "OTHER"}
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="OWNER", reservation_id=4,
                                  parent_id_tag="FLEET"))
    await ctl.until(lambda c: c["status"] == "Reserved")
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "OUTSIDER"})
    await asyncio.sleep(0.5)
    assert (await ctl.connector(1))["status"] == "Reserved"
    await ctl.post("/rfid", {"connector": 1, "id_tag": "MEMBER"})
    await ctl.until(lambda c: c["status"] == "Charging")
    start = (await csms.wait_for(lambda s: s.actions("StartTransaction")))[0]
    assert start["idTag"] == "MEMBER" and start["reservationId"] == 4


async def test_the_reserved_tag_starts_remotely(csms, start_controller):  # TC_046_2
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=2, expiry_date=later(600), id_tag="REMOTE", reservation_id=21))
    await ctl.until(lambda c: c["status"] == "Reserved", cid=2)
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    assert (await cp.call(call.RemoteStartTransaction(id_tag="REMOTE", connector_id=2))).status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Charging", cid=2)
    start = (await csms.wait_for(lambda s: s.actions("StartTransaction")))[0]
    assert start["reservationId"] == 21


async def test_a_group_tag_starts_a_reserved_connector_remotely(csms, start_controller):  # TC_053_2
    ctl = await start_controller()
    csms.tags["MEMBER"] = {"status": "Accepted", "parentIdTag": "FLEET"}
    cp = csms.charge_points["CP001"]
    await cp.call(call.ReserveNow(connector_id=1, expiry_date=later(600), id_tag="OWNER", reservation_id=5,
                                  parent_id_tag="FLEET"))
    await ctl.until(lambda c: c["status"] == "Reserved")
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    answer = await cp.call(call.RemoteStartTransaction(id_tag="MEMBER", connector_id=1))
    assert answer.status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Charging")
    start = (await csms.wait_for(lambda s: s.actions("StartTransaction")))[0]
    assert start["idTag"] == "MEMBER" and start["reservationId"] == 5
    assert csms.actions("Authorize"), "the group was learnt from the CSMS"
