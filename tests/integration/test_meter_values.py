"""OCPP 1.6 metering end to end: measurands, clock-aligned values, transactionData."""

import asyncio
from datetime import datetime

from ocpp.v16 import call

ALL = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Frequency,Power.Factor"


async def configure(cp, **keys):
    for key, value in keys.items():
        assert (await cp.call(call.ChangeConfiguration(key=key, value=value))).status == "Accepted", key


async def test_sampled_values_carry_every_measurand_per_phase(csms, start_controller):  # TC_070
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await configure(cp, MeterValuesSampledData=ALL, MeterValueSampleInterval="1")
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"])

    def charging_sample(c):
        for mv in c.actions("MeterValues"):
            values = mv["meterValue"][0]["sampledValue"]
            if any(v["measurand"] == "Current.Import" and float(v["value"]) > 0 for v in values):
                return mv
    mv = await csms.wait_for(charging_sample, 10)  # the CSMS validated it against the 1.6 schema
    values = mv["meterValue"][0]["sampledValue"]
    phases = {v.get("phase") for v in values if v["measurand"] == "Current.Import"}
    assert phases == {"L1", "L2", "L3"}
    assert {v["measurand"] for v in values} == set(ALL.split(","))
    assert all(v["context"] == "Sample.Periodic" and v["location"] == "Outlet" for v in values)
    assert mv["transactionId"] == 1


async def test_clock_aligned_values_land_on_the_boundary(csms, start_controller):  # TC_071
    await start_controller()
    cp = csms.charge_points["CP001"]
    await configure(cp, ClockAlignedDataInterval="2", MeterValuesAlignedData="Energy.Active.Import.Register,Voltage")
    aligned = await csms.wait_for(lambda c: [mv for mv in c.actions("MeterValues")
                                             if mv["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"]
                                  if len(c.actions("MeterValues")) >= 4 else None, 10)
    for mv in aligned:
        stamp = datetime.fromisoformat(mv["meterValue"][0]["timestamp"].replace("Z", "+00:00"))
        assert stamp.second % 2 == 0 and stamp.microsecond == 0
        assert "transactionId" not in mv  # no transaction running
    assert {mv["connectorId"] for mv in aligned} == {1, 2}
    await configure(cp, ClockAlignedDataInterval="0")


async def test_stop_transaction_carries_the_configured_transaction_data(csms, start_controller):
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await configure(cp, StopTxnSampledData="Energy.Active.Import.Register,Power.Active.Import",
                    StopTxnAlignedData="Energy.Active.Import.Register", ClockAlignedDataInterval="1",
                    MeterValueSampleInterval="1")
    await ctl.post("/ev", {"connector": 2, "state": "C"})
    await ctl.post("/rfid", {"connector": 2, "id_tag": "TAG"})
    await ctl.until(lambda c: c["contactor_closed"], cid=2)
    await asyncio.sleep(3)
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 10))[0]
    start = csms.actions("StartTransaction")[0]
    data = stop["transactionData"]
    contexts = [mv["sampledValue"][0]["context"] for mv in data]
    assert contexts[0] == "Transaction.Begin" and contexts[-1] == "Transaction.End"
    assert "Sample.Periodic" in contexts and "Sample.Clock" in contexts

    def energy(mv):
        return int(next(v["value"] for v in mv["sampledValue"] if v["measurand"] == "Energy.Active.Import.Register"))
    assert energy(data[0]) == start["meterStart"] and energy(data[-1]) == stop["meterStop"]
    assert [energy(mv) for mv in data] == sorted(energy(mv) for mv in data)
