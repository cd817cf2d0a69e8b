"""OCPP 2.0.1 local authorization list (D01, D02) and reservations (H01-H04) over the neutral model."""

import asyncio
from datetime import datetime, timedelta, timezone

from ocpp.v201 import call

from firmware.clock import iso


def entry(token: str, status: str | None) -> dict:
    item = {"idToken": {"idToken": token, "type": "ISO14443"}}
    if status is not None:
        item["idTokenInfo"] = {"status": status}
    return item


def get_var(component: str, name: str) -> call.GetVariables:
    return call.GetVariables(get_variable_data=[{"component": {"name": component}, "variable": {"name": name}}])


def set_var(component: str, name: str, value: str) -> call.SetVariables:
    return call.SetVariables(set_variable_data=[{"component": {"name": component}, "variable": {"name": name},
                                                 "attributeValue": value}])


def soon(seconds: float) -> str:
    return iso(datetime.now(timezone.utc) + timedelta(seconds=seconds))


async def test_full_and_differential_lists_with_versions(csms201, station):  # TC_D_01 ... TC_D_03, TC_D_06, TC_D_08, TC_C_21
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.GetLocalListVersion())).version_number == 0
    full = call.SendLocalList(version_number=1, update_type="Full",
                              local_authorization_list=[entry("LIST-A", "Accepted"), entry("LIST-B", "Blocked")])
    assert (await cp.call(full)).status == "Accepted"
    assert (await cp.call(call.GetLocalListVersion())).version_number == 1
    entries = await cp.call(get_var("LocalAuthListCtrlr", "Entries"))
    assert entries.get_variable_result[0]["attribute_value"] == "2"
    stale = call.SendLocalList(version_number=1, update_type="Differential",
                               local_authorization_list=[entry("LIST-C", "Accepted")])
    assert (await cp.call(stale)).status == "VersionMismatch"
    diff = call.SendLocalList(version_number=2, update_type="Differential",
                              local_authorization_list=[entry("LIST-C", "Accepted"), entry("LIST-B", None)])
    assert (await cp.call(diff)).status == "Accepted"
    entries = await cp.call(get_var("LocalAuthListCtrlr", "Entries"))
    assert entries.get_variable_result[0]["attribute_value"] == "2"  # A and C; B removed
    zero = call.SendLocalList(version_number=0, update_type="Full")  # an empty list is no list at all
    assert (await cp.call(zero)).status == "Failed"
    assert (await cp.call(call.GetLocalListVersion())).version_number == 2  # nothing changed

    await station.post("/network", {"connected": False})  # offline, the list decides (C13/C14)
    await station.wait_disconnected()
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "LIST-X"})
    await asyncio.sleep(1.0)
    assert not (await station.connector(1))["contactor_closed"]  # unknown offline: refused
    await station.post("/rfid", {"connector": 1, "id_tag": "LIST-C"})
    await station.until(lambda c: c["contactor_closed"])


async def test_a_disabled_list_takes_no_update(csms201, station):  # TC_D_10
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(set_var("LocalAuthListCtrlr", "Enabled", "false"))).set_variable_result[0][
        "attribute_status"] == "Accepted"
    full = call.SendLocalList(version_number=3, update_type="Full", local_authorization_list=[entry("A", "Accepted")])
    assert (await cp.call(full)).status == "Failed"
    assert (await cp.call(call.GetLocalListVersion())).version_number == 0


async def test_a_reservation_holds_its_evse_for_its_token(csms201, station):  # TC_H_01, TC_H_02
    cp = csms201.charge_points["CP001"]
    reserve = call.ReserveNow(id=11, expiry_date_time=soon(120), id_token={"idToken": "RES-1", "type": "ISO14443"},
                              evse_id=1)
    assert (await cp.call(reserve)).status == "Accepted"
    await csms201.wait_for(lambda c: any(s["evseId"] == 1 and s["connectorStatus"] == "Reserved"
                                         for s in c.actions("StatusNotification")))
    csms201.tags["OTHER"] = {"status": "Accepted"}
    csms201.tags["RES-1"] = {"status": "Accepted"}
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "OTHER"})
    await asyncio.sleep(1.0)
    assert not (await station.connector(1))["contactor_closed"]  # another token does not charge there
    await station.post("/rfid", {"connector": 1, "id_tag": "RES-1"})
    await station.until(lambda c: c["contactor_closed"])
    started = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e.get("reservationId")])
    assert started
    assert [e for e in csms201.actions("TransactionEvent") if e.get("reservationId")][0]["reservationId"] == 11
    assert (await cp.call(call.CancelReservation(reservation_id=11))).status == "Rejected"  # used up


async def test_reservations_refused_cancelled_and_expired(csms201, station):  # TC_H_07 ... TC_H_09, TC_H_15 ... TC_H_18
    cp = csms201.charge_points["CP001"]
    token = {"idToken": "RES-2", "type": "ISO14443"}
    assert (await cp.call(call.ReserveNow(id=1, expiry_date_time=soon(60), id_token=token, evse_id=9))).status \
        == "Rejected"  # no such EVSE
    assert (await cp.call(call.ReserveNow(id=2, expiry_date_time=soon(60), id_token=token, evse_id=1,
                                          connector_type="cCCS2"))).status == "Rejected"  # not this socket
    assert (await cp.call(call.ReserveNow(id=3, expiry_date_time=soon(-5), id_token=token, evse_id=1))).status \
        == "Rejected"  # already expired
    assert (await cp.call(call.ReserveNow(id=4, expiry_date_time=soon(60), id_token=token))).status == "Accepted"
    assert (await cp.call(call.CancelReservation(reservation_id=4))).status == "Accepted"
    assert (await cp.call(call.CancelReservation(reservation_id=4))).status == "Rejected"
    assert (await cp.call(call.ReserveNow(id=5, expiry_date_time=soon(2), id_token=token, evse_id=2,
                                          connector_type="sType2"))).status == "Accepted"
    await csms201.wait_for(lambda c: c.actions("ReservationStatusUpdate"), 15)
    assert csms201.actions("ReservationStatusUpdate")[0] == {"reservationId": 5, "reservationUpdateStatus": "Expired"}
    await csms201.wait_for(lambda c: [s for s in c.actions("StatusNotification")
                                      if s["evseId"] == 2 and s["connectorStatus"] == "Available"][-1:] and
                           [s for s in c.actions("StatusNotification") if s["evseId"] == 2][-1]["connectorStatus"]
                           == "Available", 10)


async def test_an_evse_taken_out_of_service_drops_its_reservation(csms201, station):  # TC_H_06, TC_H_22
    cp = csms201.charge_points["CP001"]
    token = {"idToken": "RES-3", "type": "ISO14443"}
    assert (await cp.call(call.ReserveNow(id=7, expiry_date_time=soon(300), id_token=token, evse_id=2))).status \
        == "Accepted"
    answer = await cp.call(call.ChangeAvailability(operational_status="Inoperative", evse={"id": 2}))
    assert answer.status == "Accepted"
    await csms201.wait_for(lambda c: c.actions("ReservationStatusUpdate"), 15)
    assert csms201.actions("ReservationStatusUpdate") == [{"reservationId": 7, "reservationUpdateStatus": "Removed"}]
    assert (await cp.call(call.ReserveNow(id=8, expiry_date_time=soon(300), id_token=token, evse_id=2))).status \
        == "Unavailable"  # TC_H_06


async def test_list_updates_without_entries_and_the_list_across_a_restart(csms201, station):  # TC_D_04, TC_D_05, TC_D_07
    cp = csms201.charge_points["CP001"]
    full = call.SendLocalList(version_number=5, update_type="Full", local_authorization_list=[entry("KEEP", "Accepted")])
    assert (await cp.call(full)).status == "Accepted"
    assert (await cp.call(call.SendLocalList(version_number=6, update_type="Differential"))).status == "Accepted"
    assert (await cp.call(call.GetLocalListVersion())).version_number == 6  # an empty differential: only the version
    await station.stop()
    await station.start()
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    cp = csms201.charge_points["CP001"]
    await asyncio.sleep(0.5)
    assert (await cp.call(call.GetLocalListVersion())).version_number == 6  # kept across the restart
    entries = await cp.call(get_var("LocalAuthListCtrlr", "Entries"))
    assert entries.get_variable_result[0]["attribute_value"] == "1"
    assert (await cp.call(call.SendLocalList(version_number=7, update_type="Full"))).status == "Accepted"
    entries = await cp.call(get_var("LocalAuthListCtrlr", "Entries"))
    assert entries.get_variable_result[0]["attribute_value"] == "0"  # a full update without entries empties it


async def test_occupied_replaced_and_group_reservations(csms201, station):
    """TC_H_03, TC_H_04, TC_H_10, TC_H_14, TC_H_19, TC_H_21, TC_H_23."""
    cp = csms201.charge_points["CP001"]
    group = {"idToken": "FLEET", "type": "Central"}
    csms201.tags.update({t: {"status": "Accepted", "groupIdToken": group} for t in ("FLEET-A", "FLEET-B")})
    lead = {"idToken": "FLEET-A", "type": "ISO14443"}
    reserve = call.ReserveNow(id=31, expiry_date_time=soon(300), id_token=lead, evse_id=1, group_id_token=group)
    assert (await cp.call(reserve)).status == "Accepted"
    other = call.ReserveNow(id=32, expiry_date_time=soon(300), id_token={"idToken": "X", "type": "ISO14443"},
                            evse_id=1)
    assert (await cp.call(other)).status == "Occupied"  # TC_H_03: already reserved
    moved = call.ReserveNow(id=31, expiry_date_time=soon(300), id_token=lead, evse_id=2, group_id_token=group)
    assert (await cp.call(moved)).status == "Accepted"  # TC_H_23: the same id replaces it, now on EVSE 2
    await csms201.wait_for(lambda c: [s for s in c.actions("StatusNotification") if s["evseId"] == 2][-1][
        "connectorStatus"] == "Reserved", 10)
    any_evse = call.ReserveNow(id=33, expiry_date_time=soon(300), id_token={"idToken": "Y", "type": "ISO14443"})
    assert (await cp.call(any_evse)).status == "Accepted"  # EVSE 1 is still free for it
    third = call.ReserveNow(id=34, expiry_date_time=soon(300), id_token={"idToken": "Z", "type": "ISO14443"})
    assert (await cp.call(third)).status == "Occupied"  # TC_H_14: as many reservations as free EVSEs
    assert (await cp.call(call.CancelReservation(reservation_id=33))).status == "Accepted"

    await station.post("/ev", {"connector": 2, "state": "C"})
    await station.post("/rfid", {"connector": 2, "id_tag": "FLEET-B"})  # TC_H_19/21: another token of its group
    await station.until(lambda c: c["contactor_closed"], cid=2)
    busy = call.ReserveNow(id=35, expiry_date_time=soon(300), id_token={"idToken": "W", "type": "ISO14443"},
                           evse_id=2)
    assert (await cp.call(busy)).status == "Occupied"  # TC_H_04: a transaction runs there
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "FLEET-A"})
    await station.until(lambda c: c["contactor_closed"], cid=1)
    anywhere = call.ReserveNow(id=36, expiry_date_time=soon(300), id_token={"idToken": "V", "type": "ISO14443"})
    assert (await cp.call(anywhere)).status == "Occupied"  # TC_H_10: every EVSE occupied


async def test_reservations_of_an_unspecified_evse(csms201, station):  # TC_H_12, TC_H_13, TC_H_24
    cp = csms201.charge_points["CP001"]

    def any_evse(rid: int, token: str, **extra) -> call.ReserveNow:
        return call.ReserveNow(id=rid, expiry_date_time=soon(300), id_token={"idToken": token, "type": "ISO14443"},
                               **extra)

    assert (await cp.call(call.ChangeAvailability(operational_status="Inoperative"))).status == "Accepted"
    await csms201.wait_for(lambda c: [s for s in c.actions("StatusNotification") if s["connectorStatus"] ==
                                      "Unavailable"], 10)
    assert (await cp.call(any_evse(41, "SOMEONE"))).status == "Unavailable"  # TC_H_12: no EVSE in service
    assert (await cp.call(call.ChangeAvailability(operational_status="Operative"))).status == "Accepted"
    # TC_H_13: the station takes reservations for any EVSE (NonEvseSpecific); one no EVSE can serve is Rejected
    assert (await cp.call(any_evse(42, "SOMEONE", connector_type="cCCS2"))).status == "Rejected"
    group = {"idToken": "CREW", "type": "Central"}
    assert (await cp.call(any_evse(43, "LEADER", group_id_token=group))).status == "Accepted"
    csms201.tags["MEMBER"] = {"status": "Accepted", "groupIdToken": group}
    await station.post("/ev", {"connector": 2, "state": "C"})
    await station.post("/rfid", {"connector": 2, "id_tag": "MEMBER"})  # TC_H_24: a token of the group uses it
    await station.until(lambda c: c["contactor_closed"], cid=2)
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"], 10)
    started = [e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started"][0]
    assert started["reservationId"] == 43 and started["evse"]["id"] == 2
    assert (await cp.call(call.CancelReservation(reservation_id=43))).status == "Rejected"  # used up
