"""OCPP 2.0.1 smart charging, the rest of block K: every purpose and where it applies, stacking, clearing
by criteria, GetChargingProfiles by each criterion, time-bound and recurring schedules read back through
GetCompositeSchedule, profiles across a restart, and a default profile changed and cleared under a
running transaction (the PWM follows)."""

import asyncio
from datetime import datetime, timedelta, timezone

from ocpp.v201 import call

from firmware.clock import iso
from integration.test_ocpp201_smart import charging, profile


def limit_at(composite, second: int) -> float:
    periods = composite.schedule["charging_schedule_period"]
    return [p for p in periods if p["start_period"] <= second][-1]["limit"]


async def composite(cp, evse: int, duration: int = 3600):
    answer = await cp.call(call.GetCompositeSchedule(duration=duration, evse_id=evse, charging_rate_unit="A"))
    assert answer.status == "Accepted"
    return answer


async def install(cp, evse: int, body: dict) -> str:
    return (await cp.call(call.SetChargingProfile(evse_id=evse, charging_profile=body))).status


def timed(pid: int, purpose: str, periods: list[tuple[int, float]], stack: int = 0, **extra) -> dict:
    p = profile(pid, purpose, 0, stack)
    p["chargingSchedule"][0]["chargingSchedulePeriod"] = [{"startPeriod": s, "limit": a} for s, a in periods]
    schedule_keys = {"startSchedule", "duration"}
    p["chargingSchedule"][0].update({k: v for k, v in extra.items() if k in schedule_keys})
    p.update({k: v for k, v in extra.items() if k not in schedule_keys})
    return p


async def reported(csms, cp, request_id: int, criteria: dict, evse_id: int | None = None) -> tuple[str, list[int]]:
    answer = await cp.call(call.GetChargingProfiles(request_id=request_id, charging_profile=criteria, evse_id=evse_id))
    if answer.status != "Accepted":
        return answer.status, []
    await csms.wait_for(lambda c: any(r["requestId"] == request_id and not r.get("tbc")
                                      for r in c.actions("ReportChargingProfiles")), 10)
    found = [p["id"] for r in csms.actions("ReportChargingProfiles") if r["requestId"] == request_id
             for p in r["chargingProfile"]]
    return answer.status, sorted(found)


async def test_purposes_stacking_clearing_and_reports(csms201, station):
    # TC_K_01-04, 06, 07, 11, 30, 32, 34-36, 39-42
    cp = csms201.charge_points["CP001"]
    assert limit_at(await composite(cp, 1), 0) == 32  # TC_K_39: nothing installed, the EVSE's own 32 A
    assert await install(cp, 0, profile(1, "ChargingStationMaxProfile", 16)) == "Accepted"
    assert [limit_at(await composite(cp, evse), 0) for evse in (1, 2)] == [16, 16]
    assert await install(cp, 1, profile(2, "TxDefaultProfile", 10)) == "Accepted"  # TC_K_01: this EVSE only
    assert [limit_at(await composite(cp, evse), 0) for evse in (1, 2)] == [10, 16]  # TC_K_42: the lower of both
    assert await install(cp, 0, profile(3, "TxDefaultProfile", 13)) == "Accepted"  # TC_K_11: every EVSE
    assert [limit_at(await composite(cp, evse), 0) for evse in (1, 2)] == [10, 13]  # EVSE 1's own one wins
    now = datetime.now(timezone.utc).replace(microsecond=0)
    higher = timed(4, "TxDefaultProfile", [(0, 6)], stack=2, startSchedule=iso(now), duration=600)
    assert await install(cp, 1, higher) == "Accepted"
    stacked = await composite(cp, 1)  # TC_K_40, 41: stack level 2 while it lasts, then level 0 again
    assert limit_at(stacked, 0) == 6 and limit_at(stacked, 700) == 10

    assert await reported(csms201, cp, 1, {}, evse_id=1) == ("Accepted", [2, 4])  # TC_K_30
    assert await reported(csms201, cp, 2, {"chargingProfileId": [3]}) == ("Accepted", [3])  # TC_K_32
    assert await reported(csms201, cp, 3, {"chargingLimitSource": ["EMS"]}) == ("NoProfiles", [])  # TC_K_34
    assert await reported(csms201, cp, 4, {"chargingLimitSource": ["CSO"]}, evse_id=1) == ("Accepted", [2, 4])
    assert await reported(csms201, cp, 5, {"chargingProfilePurpose": "ChargingStationMaxProfile"}) == (
        "Accepted", [1])  # TC_K_35
    assert await reported(csms201, cp, 6, {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2},
                          evse_id=1) == ("Accepted", [4])  # TC_K_36

    unknown = {"evseId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 7}
    assert (await cp.call(call.ClearChargingProfile(charging_profile_criteria=unknown))).status == "Unknown"  # K_07
    one = {"evseId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}
    assert (await cp.call(call.ClearChargingProfile(charging_profile_criteria=one))).status == "Accepted"  # K_06
    assert await reported(csms201, cp, 7, {}, evse_id=1) == ("Accepted", [2])


async def test_valid_from_valid_to_start_schedule_and_recurring(csms201, station):  # TC_K_19, 21-24
    cp = csms201.charge_points["CP001"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    later = profile(11, "TxDefaultProfile", 8) | {"validFrom": iso(now + timedelta(seconds=1200))}
    assert await install(cp, 1, later) == "Accepted"
    c = await composite(cp, 1)
    assert limit_at(c, 0) == 32 and limit_at(c, 1300) == 8  # TC_K_21, 22: from validFrom on
    until = profile(12, "TxDefaultProfile", 9) | {"validTo": iso(now + timedelta(seconds=1200))}
    assert await install(cp, 2, until) == "Accepted"
    c = await composite(cp, 2)
    assert limit_at(c, 0) == 9 and limit_at(c, 1300) == 32  # TC_K_23: until validTo
    starting = timed(13, "TxDefaultProfile", [(0, 7)], stack=1, startSchedule=iso(now + timedelta(seconds=900)))
    assert await install(cp, 2, starting) == "Accepted"
    c = await composite(cp, 2)
    assert limit_at(c, 0) == 9 and limit_at(c, 1000) == 7  # TC_K_24: from its startSchedule

    # TC_K_19: a daily profile whose day began 2 minutes short of 24 hours ago: 6 A for its first minute
    daily = timed(14, "TxDefaultProfile", [(0, 6), (60, 12)], stack=3, chargingProfileKind="Recurring",
                  recurrencyKind="Daily", startSchedule=iso(now - timedelta(seconds=86400 - 120)))
    assert await install(cp, 1, daily) == "Accepted"
    c = await composite(cp, 1, 600)
    assert [limit_at(c, s) for s in (0, 100, 125, 170, 190, 590)] == [12, 12, 6, 6, 12, 12]


async def test_profiles_outlive_a_restart(csms201, station):  # TC_K_13, 14
    cp = csms201.charge_points["CP001"]
    assert await install(cp, 1, profile(21, "TxDefaultProfile", 11)) == "Accepted"
    assert await install(cp, 0, profile(22, "ChargingStationMaxProfile", 20)) == "Accepted"
    boots = len(csms201.actions("BootNotification"))
    await station.stop()
    await station.start()
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) > boots, 20)
    await asyncio.sleep(0.5)
    cp = csms201.charge_points["CP001"]
    assert await reported(csms201, cp, 1, {}) == ("Accepted", [21, 22])
    assert limit_at(await composite(cp, 1), 0) == 11


async def test_a_default_profile_changed_and_cleared_under_a_transaction(csms201, station):  # TC_K_09, 10, 29
    cp = csms201.charge_points["CP001"]
    await charging(station, 1, "UNDER")
    assert await install(cp, 1, profile(31, "TxDefaultProfile", 12)) == "Accepted"  # on this EVSE, mid-transaction
    await station.until(lambda c: abs(c["offered_current_a"] - 12) < 0.6, timeout=5)
    criteria = {"chargingProfilePurpose": "TxDefaultProfile"}
    assert (await cp.call(call.ClearChargingProfile(charging_profile_criteria=criteria))).status == "Accepted"
    await station.until(lambda c: c["offered_current_a"] > 30, timeout=5)  # back to the EVSE's own limit
    ended = [e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Ended"]
    assert ended == []  # the transaction goes on


async def test_the_stations_own_limits_in_the_profile_report(csms201, station):  # TC_K_52
    cp = csms201.charge_points["CP001"]
    assert await reported(csms201, cp, 1, {"chargingLimitSource": ["Other"]}) == ("NoProfiles", [])
    await station.post("/temperature", {"celsius": 75})  # derating: a limit the CSMS did not set
    await station.until(lambda c: any(s["source"] == "temperature" for s in c["limit_sources"]), timeout=5)
    assert await reported(csms201, cp, 2, {"chargingLimitSource": ["EMS", "Other"]}) == (
        "Accepted", [1_000_001, 1_000_002])
    first = [r for r in csms201.actions("ReportChargingProfiles") if r["requestId"] == 2][0]
    (external,) = first["chargingProfile"]
    assert first["chargingLimitSource"] == "Other" and first["tbc"] is True
    assert external["chargingProfilePurpose"] == "ChargingStationExternalConstraints"
    assert external["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] < 32
    assert await reported(csms201, cp, 3, {"chargingProfilePurpose": "TxDefaultProfile"}) == ("NoProfiles", [])
    assert await reported(csms201, cp, 4, {"chargingProfilePurpose": "ChargingStationExternalConstraints"},
                          evse_id=2) == ("Accepted", [1_000_002])


async def test_watts_with_their_phases_and_no_phase_to_use(csms201, station):  # K01: numberPhases, phaseToUse
    cp = csms201.charge_points["CP001"]
    watts = profile(41, "TxDefaultProfile", 6900, unit="W")
    watts["chargingSchedule"][0]["chargingSchedulePeriod"][0]["numberPhases"] = 3
    assert await install(cp, 1, watts) == "Accepted"
    assert limit_at(await composite(cp, 1), 0) == 10  # 6900 W over 3 phases of 230 V
    one_phase = profile(42, "TxDefaultProfile", 16, stack=1)
    one_phase["chargingSchedule"][0]["chargingSchedulePeriod"][0].update(numberPhases=1, phaseToUse=2)
    assert await install(cp, 1, one_phase) == "Rejected"  # no phase switching here (K01.FR.20)
    assert await reported(csms201, cp, 1, {}, evse_id=1) == ("Accepted", [41])


async def test_custom_data_inside_a_profile(csms201, station):  # TC_P_04
    cp = csms201.charge_points["CP001"]
    body = profile(51, "TxDefaultProfile", 14)
    body["customData"] = {"vendorId": "com.example.fleet", "tariff": "night"}
    body["chargingSchedule"][0]["customData"] = {"vendorId": "com.example.fleet", "source": "planner"}
    assert await install(cp, 1, body) == "Accepted"
    assert limit_at(await composite(cp, 1), 0) == 14
