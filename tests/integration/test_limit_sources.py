"""Why a car charges as it does: every limit in force with its source, on the bench and in the log."""

from ocpp.v16 import call

from integration.test_smart_charging import charging, tx_default


def by_source(connector) -> dict:
    return {s["source"]: s for s in connector["limit_sources"]}


async def test_each_limit_is_named_with_its_source(csms, start_controller):
    ctl = await start_controller()
    c = await charging(ctl, csms)
    sources = by_source(c)
    assert sources["board"]["limit_a"] == 32.0 and "cable" in sources  # the plugged cable's rating
    assert c["limits"] == {"schedule_a": None, "site_share_a": None}  # the old field keeps its shape
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.SetChargingProfile(**tx_default(7, 10.0, stack=2)))).status == "Accepted"
    c = await ctl.until(lambda c: c["offered_current_a"] == 10.0, timeout=5)
    schedule = by_source(c)["csms_schedule"]
    assert schedule["limit_a"] == 10.0 and schedule["detail"] == "TxDefaultProfile profile 7, stack level 2"
    assert min(c["limit_sources"], key=lambda s: s["limit_a"])["source"] == "csms_schedule"
    await ctl.post("/temperature", {"celsius": 75})  # into the derating band (70-80 °C on this board)
    c = await ctl.until(lambda c: "temperature" in by_source(c), timeout=5)
    assert "derating at 75.0" in by_source(c)["temperature"]["detail"]
    assert "offer 10 A, set by csms_schedule (TxDefaultProfile profile 7, stack level 2)" in ctl.log()
