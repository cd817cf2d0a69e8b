"""OCPP 2.0.1 smart charging (K01, K08, K09, K10) on the load manager 1.6 uses: the PWM follows, the page and
the bench name the profile."""

import asyncio

from ocpp.v201 import call


def profile(pid: int, purpose: str, limit: float, stack: int = 0, tx: str | None = None, unit: str = "A") -> dict:
    p = {"id": pid, "stackLevel": stack, "chargingProfilePurpose": purpose, "chargingProfileKind": "Absolute",
         "chargingSchedule": [{"id": pid, "chargingRateUnit": unit,
                               "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}]}
    if tx:
        p["transactionId"] = tx
    return p


async def charging(station, cid: int, tag: str) -> None:
    await station.post("/ev", {"connector": cid, "state": "C"})
    await station.post("/rfid", {"connector": cid, "id_tag": tag})
    await station.until(lambda c: c["contactor_closed"], cid=cid)


async def test_a_default_profile_sets_the_offer_and_names_itself(csms201, station):  # TC_K_05, TC_K_08, TC_K_28, TC_K_47
    cp = csms201.charge_points["CP001"]
    await charging(station, 1, "SMART")
    answer = await cp.call(call.SetChargingProfile(evse_id=0, charging_profile=profile(3, "TxDefaultProfile", 10, 1)))
    assert answer.status == "Accepted"
    c1 = await station.until(lambda c: abs(c["offered_current_a"] - 10) < 0.6, timeout=5)  # within 5 s
    schedule = [s for s in c1["limit_sources"] if s["source"] == "csms_schedule"][0]
    assert schedule["limit_a"] == 10 and "profile 3" in schedule["detail"] and "stack level 1" in schedule["detail"]
    composite = await cp.call(call.GetCompositeSchedule(duration=600, evse_id=1, charging_rate_unit="A"))
    assert composite.status == "Accepted" and composite.schedule["charging_schedule_period"][0]["limit"] == 10
    unknown = await cp.call(call.GetCompositeSchedule(duration=600, evse_id=7))
    assert unknown.status == "Rejected"  # TC_K_47
    cleared = await cp.call(call.ClearChargingProfile(charging_profile_id=3))
    assert cleared.status == "Accepted"
    await station.until(lambda c: c["offered_current_a"] > 30, timeout=5)
    assert (await cp.call(call.ClearChargingProfile(charging_profile_id=3))).status == "Unknown"


async def test_a_tx_profile_needs_its_running_transaction(csms201, station):  # TC_K_16, TC_K_60, K01.FR rules
    cp = csms201.charge_points["CP001"]
    lonely = await cp.call(call.SetChargingProfile(evse_id=1, charging_profile=profile(4, "TxProfile", 8, tx="none")))
    assert lonely.status == "Rejected"  # no transaction there
    await charging(station, 1, "TXP")
    await asyncio.sleep(0.5)
    tx = next(e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started")["transactionInfo"][
        "transactionId"]
    wrong = await cp.call(call.SetChargingProfile(evse_id=1, charging_profile=profile(5, "TxProfile", 8, tx="other")))
    assert wrong.status == "Rejected"
    right = await cp.call(call.SetChargingProfile(evse_id=1, charging_profile=profile(6, "TxProfile", 8, tx=tx)))
    assert right.status == "Accepted"
    await station.until(lambda c: abs(c["offered_current_a"] - 8) < 0.6, timeout=5)
    for evse, bad in ((1, profile(7, "ChargingStationMaxProfile", 16)),  # the station's maximum belongs to EVSE 0
                      (0, profile(8, "ChargingStationExternalConstraints", 16)),  # the station's to report
                      (0, profile(9, "TxProfile", 16, tx=tx)),  # a transaction is on an EVSE
                      (9, profile(10, "TxDefaultProfile", 16))):  # no such EVSE
        assert (await cp.call(call.SetChargingProfile(evse_id=evse, charging_profile=bad))).status == "Rejected"


async def test_get_charging_profiles_reports_what_is_installed(csms201, station):  # TC_K_31, TC_K_33 (K09)
    cp = csms201.charge_points["CP001"]
    for pid, evse, stack in ((21, 1, 0), (22, 2, 0), (23, 2, 1)):
        answer = await cp.call(call.SetChargingProfile(evse_id=evse, charging_profile=profile(pid, "TxDefaultProfile",
                                                                                              16, stack)))
        assert answer.status == "Accepted"
    entries = await cp.call(call.GetVariables(get_variable_data=[{"component": {"name": "SmartChargingCtrlr"},
                                                                  "variable": {"name": "Entries"}}]))
    assert entries.get_variable_result[0]["attribute_value"] == "3"
    none = await cp.call(call.GetChargingProfiles(request_id=1, charging_profile={"chargingProfilePurpose":
                                                                                  "TxProfile"}))
    assert none.status == "NoProfiles"
    some = await cp.call(call.GetChargingProfiles(request_id=2, charging_profile={"stackLevel": 0}))
    assert some.status == "Accepted"
    await csms201.wait_for(lambda c: len(c.actions("ReportChargingProfiles")) == 2, 10)
    reports = csms201.actions("ReportChargingProfiles")
    assert [(r["evseId"], [p["id"] for p in r["chargingProfile"]], r.get("tbc", False)) for r in reports] == [
        (1, [21], True), (2, [22], False)]


async def test_a_remote_start_brings_its_own_profile(csms201, station):  # TC_K_37, K05
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 2, "state": "C"})
    token = {"idToken": "REMOTE-K", "type": "Central"}
    bad = await cp.call(call.RequestStartTransaction(id_token=token, remote_start_id=41, evse_id=2,
                                                     charging_profile=profile(31, "TxDefaultProfile", 9)))
    assert bad.status == "Rejected"  # only a TxProfile comes with a remote start
    answer = await cp.call(call.RequestStartTransaction(id_token=token, remote_start_id=42, evse_id=2,
                                                        charging_profile=profile(32, "TxProfile", 9)))
    assert answer.status == "Accepted"
    await station.until(lambda c: c["contactor_closed"] and abs(c["offered_current_a"] - 9) < 0.6, cid=2, timeout=10)


async def test_limits_the_csms_did_not_set_are_notified_then_cleared(csms201, tmp_path):  # K11-K13
    from controller import ControllerProcess

    proc = ControllerProcess(csms201.url, tmp_path / "shared", board="bench-shared.toml", ocpp_version="2.0.1")
    await proc.start()
    try:
        await csms201.wait_for(lambda c: len({p["evseId"] for p in c.actions("StatusNotification")}) == 2, 15)
        await charging(proc, 1, "SHARE-1")
        await charging(proc, 2, "SHARE-2")  # two sessions on one 32 A supply: the site's share, 16 A each
        await csms201.wait_for(lambda c: {n["evseId"] for n in c.actions("NotifyChargingLimit")} == {1, 2}, 15)
        first = {n["evseId"]: n for n in csms201.actions("NotifyChargingLimit")}
        assert first[1]["chargingLimit"]["chargingLimitSource"] == "EMS"
        assert first[1]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 16
        await proc.post("/ev", {"connector": 2, "state": "A"})  # the share is gone: the board's own 32 A again
        await csms201.wait_for(lambda c: c.actions("ClearedChargingLimit"), 15)
        assert csms201.actions("ClearedChargingLimit")[0] == {"chargingLimitSource": "EMS", "evseId": 1}
        await proc.post("/temperature", {"celsius": 75})  # derating: a limit of the station itself
        await csms201.wait_for(lambda c: [n for n in c.actions("NotifyChargingLimit")
                                          if n["chargingLimit"]["chargingLimitSource"] == "Other"], 15)
        derated = [n for n in csms201.actions("NotifyChargingLimit")
                   if n["chargingLimit"]["chargingLimitSource"] == "Other"][0]
        assert derated["evseId"] == 1 and derated["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] < 32
        per_evse = [n["evseId"] for n in csms201.actions("NotifyChargingLimit")]
        assert per_evse.count(1) <= 3  # no flood however the headroom moves
    finally:
        await proc.close()
        print(proc.log())
