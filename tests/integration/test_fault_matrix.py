"""The fault matrix through the bench API of a running controller, as the CSMS sees it.

Each row: charging, the bench switch flipped, the contactor open, the status
with its OCPP 1.6 errorCode at the CSMS, the transaction stopped with the
right reason, and the recovery its rule allows (TC_041 Fault Behavior,
TC_032_1 Power failure).
"""

import asyncio

import pytest
from ocpp.v16 import call

from firmware.ocpp.v16.status import ERROR_CODE

# bench switch -> (fault, station-wide?, how to recover, stop reason)
ROWS = {
    "rcd": ("rcd", False, "wait", "Other"),
    "estop": ("estop", True, "release", "EmergencyStop"),
    "overtemp": ("overtemp", True, "release", "Other"),
    "temp_sensor": ("temp_sensor", True, "release", "Other"),
    "power_fail": ("power_fail", True, "release", "PowerLoss"),
    "adc": ("pilot_adc", False, "release", "Other"),
    "diode": ("diode", False, "unplug", "Other"),
    "pilot_short": ("pilot_short", False, "release", "Other"),
    "pp_invalid": ("pp_invalid", False, "unplug", "Other"),
    "over_voltage": ("over_voltage", False, "release", "Other"),
    "under_voltage": ("under_voltage", False, "release", "Other"),
    "overcurrent": ("overcurrent", False, "wait", "Other"),
}


async def charging(ctl, csms, cid=1):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0, cid=cid)
    await csms.wait_for(lambda s: s.actions("StartTransaction"))


def notified(csms, cid, code):
    return lambda s: [p for p in s.actions("StatusNotification") if p["connectorId"] == cid and p["errorCode"] == code]


@pytest.mark.parametrize("switch", sorted(ROWS))
async def test_each_fault_at_the_csms(csms, start_controller, switch):
    fault, station_wide, recover, reason = ROWS[switch]
    ctl = await start_controller()
    await charging(ctl, csms)
    body = {"kind": switch, "active": True} if station_wide else {"connector": 1, "kind": switch, "active": True}
    assert (await ctl.post("/fault", body))[0] == 200
    # faults come from the safety tick, the status through the OCPP adapter's event queue: wait for both
    c = await ctl.until(lambda c: fault in c["faults"] and c["status"] == "Faulted", timeout=15)
    assert not c["contactor_closed"]
    found = await csms.wait_for(notified(csms, 1, ERROR_CODE[fault]))
    assert found[-1]["status"] == "Faulted" and found[-1]["info"] == fault
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]
    assert stop["reason"] == reason
    if station_wide:
        await csms.wait_for(notified(csms, 0, ERROR_CODE[fault]))
    await ctl.post("/fault", {**body, "active": False})
    if recover == "unplug":
        await asyncio.sleep(1.0)
        assert fault in (await ctl.connector(1))["faults"], "stays until the EV leaves"
        await ctl.post("/ev", {"connector": 1, "state": "A"})
    await ctl.until(lambda c: not c["faults"] and c["status"] in ("Available", "Preparing"), timeout=15)

    def recovered(s):
        mine = [p for p in s.actions("StatusNotification") if p["connectorId"] == 1]
        return mine[-1]["errorCode"] == "NoError" and mine[-1]["status"] in ("Available", "Preparing")

    await csms.wait_for(recovered)


async def test_latched_faults_need_a_reset(csms, start_controller):  # TC_041
    ctl = await start_controller()
    await charging(ctl, csms)
    await ctl.post("/fault", {"connector": 1, "kind": "stuck_open", "active": True})
    await ctl.post("/ev", {"connector": 1, "state": "B"})
    await ctl.post("/ev", {"connector": 1, "state": "C"})  # the contactor is told to close again
    await ctl.until(lambda c: "contactor_stuck_open" in c["faults"] and c["status"] == "Faulted")
    await csms.wait_for(notified(csms, 1, "PowerSwitchFailure"))
    await ctl.post("/fault", {"connector": 1, "kind": "stuck_open", "active": False})
    await asyncio.sleep(3.0)
    assert (await ctl.connector(1))["status"] == "Faulted", "latched: the contactor cannot be trusted"
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.Reset(type="Soft"))).status == "Accepted"
    await csms.wait_for(lambda s: len(s.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    c = await ctl.until(lambda c: c["status"] in ("Available", "Preparing"), timeout=15)
    assert not c["faults"]


async def test_a_weld_is_found_again_after_a_reset(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, csms)
    await ctl.post("/fault", {"connector": 1, "kind": "weld", "active": True})
    await ctl.post("/ev", {"connector": 1, "state": "B"})
    await ctl.until(lambda c: "weld" in c["faults"])
    await asyncio.sleep(1.2)  # the bench keeps its switches across the restart, as hardware would
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.Reset(type="Hard"))).status == "Accepted"
    await csms.wait_for(lambda s: len(s.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    await ctl.until(lambda c: "weld" in c["faults"] and c["status"] == "Faulted", timeout=15)


async def test_a_jammed_lock_is_connector_lock_failure(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/fault", {"connector": 1, "kind": "lock", "active": True})
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    c = await ctl.until(lambda c: "lock_failure" in c["faults"])
    assert not c["contactor_closed"] and c["meter"]["power_w"] == 0
    await csms.wait_for(notified(csms, 1, "ConnectorLockFailure"))


async def test_a_dead_reader_is_reported_on_connector_0_and_charging_goes_on(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/fault", {"kind": "reader", "active": True})
    found = await csms.wait_for(notified(csms, 0, "ReaderFailure"))
    assert found[-1]["status"] == "Available"
    cp = csms.charge_points["CP001"]
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    assert (await cp.call(call.RemoteStartTransaction(id_tag="TAG", connector_id=1))).status == "Accepted"
    await ctl.until(lambda c: c["contactor_closed"])
    await ctl.post("/fault", {"kind": "reader", "active": False})
    await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")
                                   if p["connectorId"] == 0 and p["errorCode"] == "NoError"][1:])


async def test_tamper_switch_is_a_security_event(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/fault", {"kind": "tamper", "active": True})
    events = await csms.wait_for(lambda s: [e for e in s.actions("SecurityEventNotification")
                                            if e["type"] == "TamperDetectionActivated"])
    assert events[0]["timestamp"]
    c = await ctl.connector(1)
    assert c["status"] == "Available", "an opened door alone does not stop charging"


async def test_derating_lowers_the_offer_before_the_trip(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, csms)
    assert (await ctl.post("/temperature", {"celsius": 75}))[0] == 200
    c = await ctl.until(lambda c: c["offered_current_a"] < 32)
    assert c["offered_current_a"] == pytest.approx(19.0, abs=0.3) and c["contactor_closed"]
    await ctl.post("/temperature", {"celsius": 81})
    await ctl.until(lambda c: "overtemp" in c["faults"] and not c["contactor_closed"])
    await csms.wait_for(notified(csms, 1, "HighTemperature"))
    assert (await ctl.post("/temperature", {"celsius": "hot"}))[0] == 400


async def test_unlock_failure_is_answered_after_the_lock_had_its_time(csms, start_controller):  # TC_030
    ctl = await start_controller()
    await charging(ctl, csms)
    await ctl.post("/fault", {"connector": 1, "kind": "lock", "active": True})  # jammed in the locked position
    cp = csms.charge_points["CP001"]
    started = asyncio.get_running_loop().time()
    assert (await cp.call(call.UnlockConnector(connector_id=1))).status == "UnlockFailed"
    assert asyncio.get_running_loop().time() - started >= 0.9, "lock_detect_s for the motor to move"
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]
    assert stop["reason"] == "UnlockCommand"
    await ctl.post("/fault", {"connector": 1, "kind": "lock", "active": False})
    assert (await cp.call(call.UnlockConnector(connector_id=1))).status == "Unlocked"
