"""A whole OCPP 1.6J session, CP to CSMS, through a real `evse run` process."""

import asyncio

import pytest

from ocpp.v16 import call


def statuses(csms, cid):
    return [p["status"] for p in csms.actions("StatusNotification") if p["connectorId"] == cid]


def dedupe(seq):
    return [s for i, s in enumerate(seq) if i == 0 or seq[i - 1] != s]


async def test_full_session_bills_exactly_what_the_meter_counted(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="1"))).status == "Accepted"

    assert (await ctl.post("/ev", {"connector": 1, "state": "B"}))[0] == 200
    await ctl.until(lambda c: c["status"] == "Preparing")
    await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
    started = await csms.wait_for(lambda c: c.actions("StartTransaction"))
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    charging = await ctl.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0)
    assert charging["status"] == "Charging" and charging["offered_current_a"] == 32.0
    assert charging["pwm_duty"] == 53.33
    await asyncio.sleep(3.2)
    await ctl.post("/rfid", {"connector": 1, "id_tag": "04A1B2C3"})
    await ctl.until(lambda c: c["status"] == "Finishing" and not c["contactor_closed"])
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    final = await ctl.until(lambda c: c["status"] == "Available")
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]

    start = started[0]
    assert start["connectorId"] == 1 and start["idTag"] == "04A1B2C3"
    assert stop["transactionId"] == 1 and stop["reason"] == "Local" and stop["idTag"] == "04A1B2C3"
    billed = stop["meterStop"] - start["meterStart"]
    assert stop["meterStop"] == round(final["meter"]["energy_wh"])  # nothing counted after the stop
    assert 3.0 * 22080 / 3600 <= billed <= 6.0 * 22080 / 3600  # 3 phases x 32 A x 230 V for ~3-4 s

    samples = csms.actions("MeterValues")
    assert len(samples) >= 2
    energies = []
    for mv in samples:
        assert mv["transactionId"] == 1 and mv["connectorId"] == 1
        for sv in mv["meterValue"][0]["sampledValue"]:
            if sv["measurand"] == "Energy.Active.Import.Register":
                energies.append(int(sv["value"]))
    assert energies == sorted(energies)
    assert start["meterStart"] <= energies[0] and energies[-1] <= stop["meterStop"]
    await csms.wait_for(lambda c: statuses(c, 1)[-1] == "Available" and len(statuses(c, 1)) > 1)
    assert dedupe(statuses(csms, 1)) == ["Available", "Preparing", "SuspendedEV", "Charging", "Finishing", "Available"]
    actions = [a for a, _ in csms.received]
    assert actions.index("Authorize") < actions.index("StartTransaction") < actions.index("StopTransaction")


async def test_card_first_then_cable(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/rfid", {"connector": 1, "id_tag": "CARD1"})
    await ctl.until(lambda c: c["status"] == "Preparing")
    assert not csms.actions("StartTransaction")  # no cable yet: no transaction
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.until(lambda c: c["contactor_closed"])
    assert (await csms.wait_for(lambda c: c.actions("StartTransaction")))[0]["idTag"] == "CARD1"


async def test_a_card_the_csms_refuses_starts_nothing(csms, start_controller):
    csms.rejected_tags.add("BADCARD")
    ctl = await start_controller()
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "BADCARD"})
    await csms.wait_for(lambda c: c.actions("Authorize"))
    await asyncio.sleep(0.5)
    c = await ctl.connector()
    assert c["session"] is None and not c["contactor_closed"] and c["status"] == "Preparing"
    assert not csms.actions("StartTransaction")


async def test_ev_unplugging_ends_the_transaction(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    await ctl.post("/rfid", {"connector": 2, "id_tag": "TAG2"})
    await ctl.until(lambda c: c["contactor_closed"], cid=2)
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "EVDisconnected"
    assert (await ctl.connector(2))["status"] == "Available"


async def test_one_phase_board_offers_its_16_amps(csms, start_controller):
    ctl = await start_controller(board="bench-1ph.toml")
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"id_tag": "TAG"})
    c = await ctl.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0)
    assert c["offered_current_a"] == 16.0 and c["meter"]["power_w"] == pytest.approx(16 * 230.0, rel=1e-3)


async def test_fault_during_charging_reports_and_recovers(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"])
    assert (await ctl.post("/fault", {"connector": 1, "kind": "rcd", "active": True}))[0] == 200
    c = await ctl.until(lambda c: c["status"] == "Faulted")
    assert not c["contactor_closed"] and c["faults"] == ["rcd"]
    faulted = await csms.wait_for(
        lambda s: [p for p in s.actions("StatusNotification") if p["status"] == "Faulted"])
    assert faulted[0]["errorCode"] == "GroundFailure"
    assert (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]["reason"] == "Other"
    await ctl.post("/fault", {"connector": 1, "kind": "rcd", "active": False})
    await ctl.until(lambda c: c["status"] == "Preparing" and c["faults"] == [])


async def test_meter_offline_is_reported_as_power_meter_failure(csms, start_controller):
    ctl = await start_controller()
    await ctl.post("/fault", {"connector": 2, "kind": "meter_offline", "active": True})
    c = await ctl.until(lambda c: not c["meter"]["online"], cid=2)
    assert "meter_offline" in c["faults"]
    found = await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")
                                           if p["connectorId"] == 2 and p["errorCode"] == "PowerMeterFailure"])
    assert found[0]["status"] == "Available"
