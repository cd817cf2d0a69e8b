"""OCPP 1.6 Smart Charging on the bench: the PWM follows the CSMS's profiles (TC_056..TC_066 family)."""

import asyncio

import pytest
from ocpp.v16 import call

from integration.conftest import wait_booted


def tx_default(pid, amps, stack=0, connector=1, unit="A", duration=None, kind="Absolute", start=None):
    schedule = {"chargingRateUnit": unit, "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}
    if duration is not None:
        schedule["duration"] = duration
    if start is not None:
        schedule["startSchedule"] = start
    return {"connector_id": connector, "cs_charging_profiles": {
        "chargingProfileId": pid, "stackLevel": stack, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": kind, "chargingSchedule": schedule}}


def relative(pid, amps, purpose="TxDefaultProfile", duration=None):
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}
    if duration is not None:
        schedule["duration"] = duration
    return {"chargingProfileId": pid, "stackLevel": 0, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Relative", "chargingSchedule": schedule}


async def charging(ctl, csms, cid=1):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": f"TAG{cid}"})
    return await ctl.until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0, cid=cid)


async def test_pwm_follows_a_profile_within_5_s_and_returns_after_clearing(csms, start_controller):
    ctl = await start_controller()
    c = await charging(ctl, csms)
    assert c["offered_current_a"] == 32.0
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.SetChargingProfile(**tx_default(1, 10.0)))).status == "Accepted"
    started = asyncio.get_running_loop().time()
    c = await ctl.until(lambda c: c["offered_current_a"] == 10.0, timeout=5)
    assert asyncio.get_running_loop().time() - started < 5.0
    await ctl.until(lambda c: c["ev"]["draw_a"] == pytest.approx(10.0, abs=0.1))
    assert (await cp.call(call.ClearChargingProfile(id=1))).status == "Accepted"
    await ctl.until(lambda c: c["offered_current_a"] == 32.0, timeout=5)
    assert (await cp.call(call.ClearChargingProfile(id=1))).status == "Unknown"


async def test_watts_and_the_stack(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, csms)
    cp = csms.charge_points["CP001"]
    await cp.call(call.SetChargingProfile(**tx_default(1, 11040.0, unit="W")))  # 3 x 230 V x 16 A
    await ctl.until(lambda c: c["offered_current_a"] == 16.0, timeout=5)
    await cp.call(call.SetChargingProfile(**tx_default(2, 8.0, stack=1, duration=3)))
    await ctl.until(lambda c: c["offered_current_a"] == 8.0, timeout=5)
    await ctl.until(lambda c: c["offered_current_a"] == 16.0, timeout=8)  # the top one ran out


async def test_under_6_a_pauses_and_resumes(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, csms)
    cp = csms.charge_points["CP001"]
    await cp.call(call.SetChargingProfile(**tx_default(1, 4.0)))
    c = await ctl.until(lambda c: c["status"] == "SuspendedEVSE", timeout=5)
    assert not c["contactor_closed"] and c["pwm_duty"] == 100.0
    await cp.call(call.SetChargingProfile(**tx_default(1, 12.0)))
    c = await ctl.until(lambda c: c["status"] == "Charging" and c["contactor_closed"], timeout=5)
    assert c["offered_current_a"] == 12.0


async def test_tx_profile_rules_and_remote_start_with_a_profile(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    no_tx = {"connector_id": 1, "cs_charging_profiles": relative(5, 10.0, "TxProfile")}
    assert (await cp.call(call.SetChargingProfile(**no_tx))).status == "Rejected", "no transaction to limit"
    cp_max_on_1 = {"connector_id": 1, "cs_charging_profiles": relative(6, 10.0, "ChargePointMaxProfile")}
    assert (await cp.call(call.SetChargingProfile(**cp_max_on_1))).status == "Rejected"
    too_high = tx_default(7, 10.0, stack=11)
    assert (await cp.call(call.SetChargingProfile(**too_high))).status == "Rejected", "ChargeProfileMaxStackLevel"
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    answer = await cp.call(call.RemoteStartTransaction(id_tag="TAG", connector_id=1,
                                                       charging_profile=relative(8, 13.0, "TxProfile")))
    assert answer.status == "Accepted"
    await ctl.until(lambda c: c["contactor_closed"] and c["offered_current_a"] == 13.0, timeout=5)
    await ctl.post("/ev", {"connector": 1, "state": "A"})  # the transaction ends, and its TxProfile with it
    await ctl.until(lambda c: c["session"] is None)
    await charging(ctl, csms)
    assert (await ctl.connector(1))["offered_current_a"] == 32.0


async def test_composite_schedule_in_amps_and_watts(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.SetChargingProfile(**tx_default(1, 20.0, connector=0)))
    await cp.call(call.SetChargingProfile(**tx_default(2, 10.0, stack=1, duration=600)))
    amps = await cp.call(call.GetCompositeSchedule(connector_id=1, duration=3600, charging_rate_unit="A"))
    assert amps.status == "Accepted" and amps.connector_id == 1
    periods = [(p["start_period"], p["limit"]) for p in amps.charging_schedule["charging_schedule_period"]]
    assert periods == [(0, 10.0), (600, 20.0)]
    watts = await cp.call(call.GetCompositeSchedule(connector_id=1, duration=3600, charging_rate_unit="W"))
    limits = [p["limit"] for p in watts.charging_schedule["charging_schedule_period"]]
    assert limits == [6900.0, 13800.0]  # 3 phases x 230 V
    assert (await cp.call(call.GetCompositeSchedule(connector_id=9, duration=60))).status == "Rejected"
    await ctl.connector(1)


async def test_profiles_survive_a_restart(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.SetChargingProfile(**tx_default(1, 9.0, connector=0)))
    assert (await cp.call(call.Reset(type="Soft"))).status == "Accepted"
    await csms.wait_for(lambda s: len(s.actions("BootNotification")) == 2, 20)
    await ctl.wait_api()
    await wait_booted(csms, ctl)
    await charging(ctl, csms, cid=2)
    assert (await ctl.connector(2))["offered_current_a"] == 9.0


async def test_failsafe_current_when_the_schedule_runs_out_offline(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.ChangeConfiguration(key="FailsafeCurrent", value="8"))).status == "Accepted"
    await charging(ctl, csms)
    await cp.call(call.SetChargingProfile(**tx_default(1, 14.0, duration=6, kind="Relative")))
    await ctl.until(lambda c: c["offered_current_a"] == 14.0, timeout=5)
    await ctl.post("/network", {"connected": False})
    await asyncio.sleep(1.0)
    assert (await ctl.connector(1))["offered_current_a"] == 14.0, "offline, the installed schedule still applies"
    await ctl.until(lambda c: c["offered_current_a"] == 8.0, timeout=10)  # it ran out: the failsafe
    await ctl.post("/network", {"connected": True})
    await ctl.until(lambda c: c["offered_current_a"] == 32.0, timeout=30)  # online again: no profile, no limit


async def test_two_connectors_share_32_a(csms, start_controller):
    ctl = await start_controller(board="bench-shared.toml")
    await charging(ctl, csms, 1)
    assert (await ctl.connector(1))["offered_current_a"] == 32.0
    await charging(ctl, csms, 2)
    await ctl.until(lambda c: c["offered_current_a"] == 16.0, cid=1, timeout=5)
    c2 = await ctl.until(lambda c: c["offered_current_a"] == 16.0, cid=2, timeout=5)
    assert c2["ev"]["draw_a"] + (await ctl.connector(1))["ev"]["draw_a"] <= 32.0 + 0.1
    await ctl.post("/ev", {"connector": 2, "max_current_a": 6})  # one EV takes little: the other gets the rest
    await ctl.until(lambda c: c["offered_current_a"] >= 23.0, cid=1, timeout=8)
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    await ctl.until(lambda c: c["offered_current_a"] == 32.0, cid=1, timeout=5)


async def test_charge_point_max_is_shared(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await charging(ctl, csms, 1)
    await charging(ctl, csms, 2)
    cap = {"connector_id": 0, "cs_charging_profiles": {
        "chargingProfileId": 3, "stackLevel": 0, "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20}]}}}
    assert (await cp.call(call.SetChargingProfile(**cap))).status == "Accepted"
    await ctl.until(lambda c: c["offered_current_a"] == 10.0, cid=1, timeout=5)
    await ctl.until(lambda c: c["offered_current_a"] == 10.0, cid=2, timeout=5)


async def test_the_grid_meter_limits_what_the_sockets_take(csms, tmp_path):
    """Site load management with a dynamic limit: 40 A main fuse, 2 A margin, the
    house takes 20 A: the EV may take 18 A, and follows the house within seconds."""
    from controller import ControllerProcess
    from modbus_bench import MeterLine

    line = MeterLine(tmp_path)
    board = line.board()
    board.write_text(board.read_text() + "\n[site]\ngrid_limit_a = 40.0\ngrid_margin_a = 2.0\n")
    ctl = ControllerProcess(csms.url, tmp_path / "data", board=str(board))
    await line.start(ctl.api)
    await ctl.start()
    try:
        line.set(address=3, extra_a=20.0)
        await ctl.until(lambda c: c["meter"]["online"], timeout=15)
        await ctl.post("/ev", {"connector": 1, "state": "C"})
        await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
        c = await ctl.until(lambda c: c["contactor_closed"] and c["offered_current_a"] == pytest.approx(18.0, abs=0.5),
                            timeout=10)
        assert c["ev"]["draw_a"] <= 18.5
        line.set(address=3, extra_a=30.0)  # the oven goes on
        started = asyncio.get_running_loop().time()
        await ctl.until(lambda c: c["offered_current_a"] <= 8.5, timeout=10)
        assert asyncio.get_running_loop().time() - started < 5.0
        line.set(address=3, extra_a=5.0)
        await ctl.until(lambda c: c["offered_current_a"] >= 32.0, timeout=10)
        line.set(address=3, silent=True)  # the grid meter stops answering: the fallback budget (6 A) applies
        await ctl.until(lambda c: c["offered_current_a"] == 6.0, timeout=20)
    finally:
        await ctl.close()
        await line.stop()
        print(ctl.log())


async def test_tx_profile_for_the_running_transaction_and_a_wrong_one(csms, start_controller):  # TC_057, TC_058_2
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    c = await charging(ctl, csms)
    tx = c["session"]["transaction_id"]
    wrong = {**relative(11, 10.0, "TxProfile"), "transactionId": tx + 100}
    assert (await cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=wrong))).status == "Rejected"
    right = {**relative(12, 10.0, "TxProfile"), "transactionId": tx}
    assert (await cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=right))).status == "Accepted"
    await ctl.until(lambda c: c["offered_current_a"] == 10.0, timeout=5)


async def test_the_bench_shows_the_limits_in_force(csms, start_controller):
    ctl = await start_controller(board="bench-shared.toml")
    cp = csms.charge_points["CP001"]
    await charging(ctl, csms, 1)
    await charging(ctl, csms, 2)
    await cp.call(call.SetChargingProfile(**tx_default(1, 20.0)))
    c = await ctl.until(lambda c: c["limits"]["schedule_a"] == 20.0, timeout=5)
    assert c["limits"]["site_share_a"] == 16.0 and c["offered_current_a"] == 16.0  # the smaller of the two
    c2 = await ctl.connector(2)
    assert c2["limits"] == {"schedule_a": None, "site_share_a": 16.0} and c2["reservation"] is None


@pytest.mark.parametrize("schedule, kind, extra", [
    ({"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 60, "limit": 10}]}, "Absolute", {}),
    ({"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10},
                                                          {"startPeriod": 0, "limit": 12}]}, "Absolute", {}),
    ({"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}]}, "Recurring", {}),
    ({"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}] * 49}, "Absolute", {}),
    ({"chargingRateUnit": "A", "startSchedule": "not a date",
      "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}]}, "Absolute", {}),
], ids=["first-period-not-0", "duplicate-start", "recurring-without-kind", "too-many-periods", "bad-date"])
async def test_unusable_profiles_are_rejected_and_nothing_changes(csms, start_controller, schedule, kind, extra):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    profile = {"chargingProfileId": 9, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
               "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}
    answer = await cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile))
    assert answer.status == "Rejected"
    c = await charging(ctl, csms)
    assert c["offered_current_a"] == 32.0 and c["limits"]["schedule_a"] is None
