"""ISO 15118-2 smart charging with an OCPP 2.0.1 CSMS, end to end (K15): `evse run` on the DC
bench (board-configs/bench-dc.toml), the bench EV speaking ISO 15118-2 to the controller's SECC for
real, the CSMS an `ocpp` library CSMS. The EV's schedule comes from the CSMS's TxProfile when the
CSMS accepts its needs (TC_K_53), from the charger's own limits when it declines (TC_K_54); the EV's
chosen profile reaches the CSMS."""

import asyncio
import json
import subprocess
from datetime import datetime, timezone

import pytest
from ocpp.v201 import call as call201

from dc_stations import plug_and_card, running, side_by_side
from firmware.bench.csms201 import BenchCsms201
from hlc_bench import HLC_PYTHON, ensure_hlc_environment

pytestmark = pytest.mark.alone  # timing under load: run by itself (scripts/test.sh)


def tx_profile(profile_id: int, stack_level: int, tx: str, periods: list[tuple[int, float]]) -> dict:
    start = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {"id": profile_id, "stackLevel": stack_level, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute", "transactionId": tx, "chargingSchedule": [{
                "id": profile_id, "startSchedule": start, "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": w} for s, w in periods]}]}


async def started_at_authorization(station, csms, name: str) -> None:
    """The transaction starts when the card is shown, so the CSMS has its id for a TxProfile when the
    EV states its needs (before the cable check)."""
    answer = await csms.charge_points[name].call(call201.SetVariables(set_variable_data=[
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}, "attributeValue": "Authorized"}]))
    assert answer.set_variable_result[0]["attribute_status"] == "Accepted"


async def csms_schedule(tmp_path, csms) -> None:
    """TC_K_53: the EV waits (EVSEProcessing Ongoing) while the CSMS works out its TxProfile, is offered
    that profile, charges within it, and its chosen profile reaches the CSMS. K16: a profile sent
    mid-charge holds the power path to it and the EV renegotiates to it. TC_K_58 (K17): the EV asks for
    a new schedule; the CSMS hears its needs and its profile reaches the EV."""
    csms.needs_status = "Accepted"
    station = await running(tmp_path, "DCK15", csms, "2.0.1", "ISO_15118_2", soc_pct=50.0)
    try:
        cp = csms.charge_points["DCK15"]
        await started_at_authorization(station, csms, "DCK15")
        await plug_and_card(station)
        (needs,) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingNeeds"), 60)
        await asyncio.sleep(3)  # the EV is held at its discovery while the CSMS works it out
        c = await station.connector()
        assert c["dc"]["state"] == "off" and c["dc"]["ev_stage"] == "none" and not csms.actions(
            "NotifyEVChargingSchedule")
        tx = c["session"]["transaction_id"]
        answer = await cp.call(call201.SetChargingProfile(
            evse_id=1, charging_profile=tx_profile(15, 0, tx, [(0, 20000.0), (3600, 11000.0)])))
        assert answer.status == "Accepted"
        (chosen,) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule"), 60)
        c = await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        await asyncio.sleep(2)
        c = await station.connector()
        assert c["meter"]["power_w"] <= 20000 * 1.05, c["meter"]
        answer = await cp.call(call201.SetChargingProfile(
            evse_id=1, charging_profile=tx_profile(16, 1, tx, [(0, 12000.0)])))
        assert answer.status == "Accepted"
        # K16: the EV is asked to renegotiate and chooses from the new schedule; the CSMS is not asked again
        (_, renegotiated) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule")[1:] and
                                                c.actions("NotifyEVChargingSchedule"), 30)
        await asyncio.sleep(2)
        c = await station.connector()
        assert c["dc"]["state"] == "charging" and c["meter"]["power_w"] <= 12000 * 1.05, c["meter"]
        assert len(csms.actions("NotifyEVChargingNeeds")) == 1  # K16.FR.09
        # TC_K_58 (K17): the EV asks for a new schedule; its needs go to the CSMS, which answers with a profile
        await station.post("/ev", {"connector": 1, "renegotiate": True})
        (_, again) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingNeeds")[1:] and
                                         c.actions("NotifyEVChargingNeeds"), 30)
        answer = await cp.call(call201.SetChargingProfile(
            evse_id=1, charging_profile=tx_profile(17, 2, tx, [(0, 9000.0)])))
        assert answer.status == "Accepted"
        (*_, third) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule")[2:] and
                                          c.actions("NotifyEVChargingSchedule"), 30)
        await asyncio.sleep(2)
        c = await station.connector()
        assert c["dc"]["state"] == "charging" and c["meter"]["power_w"] <= 9000 * 1.05, c["meter"]
        assert (await cp.call(call201.RequestStopTransaction(transaction_id=tx))).status == "Accepted"
        await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 30)  # told to stop, it ends its session
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 10)
    finally:
        await station.close()
    dc = needs["chargingNeeds"]["dcChargingParameters"]
    assert needs["evseId"] == 1 and dc["evMaxVoltage"] == 420 and 45 <= dc["stateOfCharge"] <= 55
    assert again["evseId"] == 1 and again["chargingNeeds"]["dcChargingParameters"]["stateOfCharge"] > dc["stateOfCharge"]
    assert len(csms.actions("NotifyEVChargingNeeds")) == 2 and len(csms.actions("NotifyEVChargingSchedule")) == 3
    periods = chosen["chargingSchedule"]["chargingSchedulePeriod"]
    assert chosen["evseId"] == 1 and chosen["chargingSchedule"]["chargingRateUnit"] == "W"
    assert periods[0] == {"startPeriod": 0, "limit": 20000.0}, periods  # the EV mirrors what it was offered
    assert any(p["limit"] == 11000.0 and 3500 <= p["startPeriod"] <= 3600 for p in periods), periods
    assert renegotiated["chargingSchedule"]["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": 12000.0}
    assert third["chargingSchedule"]["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": 9000.0}


async def csms_declines(tmp_path, csms) -> None:
    """TC_K_54 with an EV speaking ISO 15118-20 (the accepted path above is ISO 15118-2's; the controller's
    side is the same for both): its needs, from -20's DC_ChargeParameterDiscovery and ScheduleExchange,
    reach the CSMS; NotifyEVChargingNeeds Rejected: the EV is offered the charger's own limits at once
    and charges; its EVPowerProfile still reaches the CSMS as NotifyEVChargingSchedule."""
    csms.needs_status = "Rejected"
    station = await running(tmp_path, "DCK54", csms, "2.0.1", "ISO_15118_20_DC", soc_pct=70.0)
    try:
        await plug_and_card(station)
        c = await station.until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 10, 60)
        assert c["dc"]["protocol"] == "ISO_15118_20_DC"
        (chosen,) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule"), 30)
        await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 120)
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 10)
    finally:
        await station.close()
    (needs,) = csms.actions("NotifyEVChargingNeeds")
    dc = needs["chargingNeeds"]["dcChargingParameters"]
    assert needs["chargingNeeds"]["requestedEnergyTransfer"] == "DC"
    assert dc["evMaxVoltage"] == 420 and dc["evMaxCurrent"] == 200, needs
    assert "stateOfCharge" not in dc  # -20 tells its SoC only in the charge loop's DisplayParameters
    assert dc["energyAmount"] == 50  # to its 80 % of the bench's 0.5 kWh (EVTargetEnergyRequest)
    periods = chosen["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods[0] == {"startPeriod": 0, "limit": 60000.0}, periods  # the two 30 kW modules


@pytest.mark.timeout(400)
async def test_the_evs_schedule_from_the_csms_or_from_the_charger(tmp_path):
    ensure_hlc_environment()
    await side_by_side(tmp_path, (csms_schedule, BenchCsms201()),
                       (csms_declines, BenchCsms201()))


def test_the_offered_schedule_fits_the_ev_and_never_offers_more_than_the_limits():
    """hlc/sa_schedule.py in .venv-hlc (iso15118's types): the 24 hours (or the departure time) covered,
    the last entry with its duration, at most 23 entries (the EV mirrors them in a ChargingProfile of
    at most 24), and a cut-short schedule's last entry at the lowest limit it stands for."""
    ensure_hlc_environment()
    script = """
import json, sys
from hlc.sa_schedule import sa_schedules
out = {}
for name, periods, departure, most in json.loads(sys.argv[1]):
    (t,) = sa_schedules(periods, departure, most)
    out[name] = [[e.time_interval.start, e.time_interval.duration, e.p_max.value * 10 ** e.p_max.multiplier]
                 for e in t.p_max_schedule.schedule_entries]
print(json.dumps(out))
"""
    cases = [("day", [[0, 60000.0], [3600, 11000.0]], 0, None),
             ("departure", [[0, 20000.0], [3600, 11000.0], [9000, 5000.0]], 7200, None),
             ("cut", [[i * 60, 40000.0 - 1000.0 * i] for i in range(40)], 0, 10),
             ("many", [[i * 60, 40000.0 - 500.0 * i] for i in range(40)], 0, None)]
    done = subprocess.run([str(HLC_PYTHON), "-c", script, json.dumps(cases)], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), check=True)
    out = json.loads(done.stdout)
    assert out["day"] == [[0, None, 60000], [3600, 82800, 11000]]
    assert out["departure"] == [[0, None, 20000], [3600, 3600, 11000]]
    assert len(out["cut"]) == 10 and out["cut"][-1] == [540, 86400 - 540, 1000]  # the lowest of the rest
    assert len(out["many"]) == 23 and out["many"][-1][2] == 40000 - 500 * 39
