"""OCPP 2.0.1 monitoring (N02-N08) of a real controller process from an ocpp.v201 CSMS: setting,
reporting and clearing monitors, the base and the level, alert, delta and periodic events from
the bench's sensors and meters, every fault as an event, the offline rule and a restart."""

import asyncio

import pytest
from ocpp.exceptions import OccurrenceConstraintViolationError
from ocpp.v201 import call

TEMPERATURE = {"component": {"name": "TemperatureSensor"}, "variable": {"name": "Temperature"}}
POWER_1 = {"component": {"name": "ControlMetering", "evse": {"id": 1}}, "variable": {"name": "Power"}}


def monitor(target: dict, type_: str, value: float, severity: int, **extra) -> dict:
    return {**target, "type": type_, "value": value, "severity": severity, **extra}


async def set_monitors(cp, *items) -> list:
    return (await cp.call(call.SetVariableMonitoring(set_monitoring_data=list(items)))).set_monitoring_result


def events(csms, **match) -> list[dict]:
    return [e for m in csms.actions("NotifyEvent") for e in m["eventData"]
            if all(e.get(k) == v for k, v in match.items())]


async def report(csms, cp, request_id: int, **criteria) -> tuple[str, list[dict]]:
    answer = await cp.call(call.GetMonitoringReport(request_id=request_id, **criteria))
    if answer.status != "Accepted":
        return answer.status, []
    await csms.wait_for(lambda c: any(r["requestId"] == request_id and not r.get("tbc")
                                      for r in c.actions("NotifyMonitoringReport")), 10)
    parts = [r for r in csms.actions("NotifyMonitoringReport") if r["requestId"] == request_id]
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))  # N02.FR.09
    return answer.status, [m for p in parts for m in p["monitor"]]


async def test_set_report_and_clear(csms201, station):  # TC_N_01-04, 08-13, 15, 16, 18, 19, 38-40, 44, 47, 51, 52
    cp = csms201.charge_points["CP001"]
    results = await set_monitors(
        cp,
        monitor(TEMPERATURE, "UpperThreshold", 40, 5),
        monitor({"component": {"name": "NoSuchThing"}, "variable": {"name": "Temperature"}}, "Delta", 1, 5),
        monitor({"component": {"name": "TemperatureSensor"}, "variable": {"name": "Colour"}}, "Delta", 1, 5),
        monitor({"component": {"name": "RCD", "evse": {"id": 1}}, "variable": {"name": "Tripped"}},
                "UpperThreshold", 1, 5),
        monitor(TEMPERATURE, "LowerThreshold", -500, 5),
        monitor(TEMPERATURE, "UpperThreshold", 45, 5),
        monitor(POWER_1, "Delta", 1000, 7),
        monitor(POWER_1, "Delta", 2000, 8),
    )
    statuses = [r["status"] for r in results]
    assert statuses == ["Accepted", "UnknownComponent", "UnknownVariable", "UnsupportedMonitorType", "Rejected",
                        "Duplicate", "Accepted", "Accepted"]
    assert results[0]["component"] == {"name": "TemperatureSensor"} and results[0]["type"] == "UpperThreshold"
    ours = results[0]["id"]
    assert len({r["id"] for r in results if r["status"] == "Accepted"}) == 3  # N04.FR.11: ids of our making
    replaced = await set_monitors(cp, monitor(TEMPERATURE, "UpperThreshold", 42, 5, id=ours),  # N04.FR.12
                                  monitor(POWER_1, "UpperThreshold", 5000, 5, id=ours),  # N04.FR.16
                                  monitor(POWER_1, "UpperThreshold", 5000, 5, id=99999))  # N04.FR.13
    assert [r["status"] for r in replaced] == ["Accepted", "Rejected", "Rejected"] and replaced[0]["id"] == ours

    status, everything = await report(csms201, cp, 1)  # TC_N_47: all monitors
    assert status == "Accepted"
    by_variable = {(m["component"]["name"], m["component"].get("evse", {}).get("id"), m["variable"]["name"]):
                   m["variableMonitoring"] for m in everything}
    assert {(v["id"], v["value"]) for v in by_variable[("TemperatureSensor", None, "Temperature")]} >= {(ours, 42)}
    assert {v["type"] for v in by_variable[("ControlMetering", 1, "Power")]} == {"UpperThreshold", "Delta"}
    assert ("ControlMetering", 2, "Power") in by_variable  # each EVSE's hard-wired rating monitor
    status, deltas = await report(csms201, cp, 2, monitoring_criteria=["DeltaMonitoring"])  # TC_N_01, 02
    assert {v["type"] for m in deltas for v in m["variableMonitoring"]} == {"Delta"}
    status, metering = await report(csms201, cp, 3, component_variable=[{"component": {"name": "ControlMetering"}}])
    assert {m["component"]["evse"]["id"] for m in metering} == {1, 2}  # N02.FR.15: every EVSE
    assert (await report(csms201, cp, 4, monitoring_criteria=["PeriodicMonitoring"]))[0] == "EmptyResultSet"

    cleared = await cp.call(call.ClearVariableMonitoring(id=[ours, 1, 424242]))
    assert [(r["id"], r["status"]) for r in cleared.clear_monitoring_result] == [
        (ours, "Accepted"), (1, "Rejected"), (424242, "NotFound")]  # TC_N_18, 19, 44
    with pytest.raises(OccurrenceConstraintViolationError):  # MonitoringCtrlr.ItemsPerMessage is 20
        await cp.call(call.ClearVariableMonitoring(id=list(range(21))), suppress=False)


async def test_base_and_level(csms201, station):  # TC_N_05-07, 17, 41, 43
    cp = csms201.charge_points["CP001"]
    (custom,) = await set_monitors(cp, monitor(POWER_1, "Delta", 1000, 7))
    (changed,) = await set_monitors(cp, monitor(TEMPERATURE, "UpperThreshold", 60, 6, id=100))
    assert changed["status"] == "Accepted"
    assert (await cp.call(call.SetMonitoringBase(monitoring_base="All"))).status == "Accepted"
    kept = {v["id"]: v["value"] for m in (await report(csms201, cp, 10))[1] for v in m["variableMonitoring"]}
    assert kept[custom["id"]] == 1000 and kept[100] == 60
    assert (await cp.call(call.SetMonitoringBase(monitoring_base="FactoryDefault"))).status == "Accepted"
    factory = {v["id"]: v["value"] for m in (await report(csms201, cp, 11))[1] for v in m["variableMonitoring"]}
    assert custom["id"] not in factory and factory[100] == 70  # the board's derate_from_c again
    assert (await cp.call(call.SetMonitoringBase(monitoring_base="HardWiredOnly"))).status == "Accepted"
    hard = {v["id"] for m in (await report(csms201, cp, 12))[1] for v in m["variableMonitoring"]}
    assert hard == {1, 2}
    assert (await cp.call(call.SetMonitoringLevel(severity=12))).status == "Rejected"  # N05.FR.02
    assert (await cp.call(call.SetMonitoringLevel(severity=4))).status == "Accepted"
    got = await cp.call(call.GetVariables(get_variable_data=[
        {"component": {"name": "MonitoringCtrlr"}, "variable": {"name": "ActiveMonitoringLevel"}},
        {"component": {"name": "MonitoringCtrlr"}, "variable": {"name": "ActiveMonitoringBase"}}]))
    assert [r["attribute_value"] for r in got.get_variable_result] == ["4", "HardWiredOnly"]


async def test_alert_delta_and_periodic_events(csms201, station):  # TC_N_20, 21, 45, 56, 61; N08
    cp = csms201.charge_points["CP001"]
    (hot,) = await set_monitors(cp, monitor(TEMPERATURE, "UpperThreshold", 40, 3))
    (state,) = await set_monitors(cp, monitor(
        {"component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}, "variable": {"name": "AvailabilityState"}},
        "Delta", 1, 7))
    (every,) = await set_monitors(cp, monitor(POWER_1, "Periodic", 2, 8))
    await station.post("/temperature", {"celsius": 45})
    await csms201.wait_for(lambda c: events(c, variableMonitoringId=hot["id"]), 10)
    (alert,) = events(csms201, variableMonitoringId=hot["id"])
    assert (alert["trigger"], alert["actualValue"], alert["eventNotificationType"]) == (
        "Alerting", "45.0", "CustomMonitor") and "cleared" not in alert
    await station.post("/temperature", {"celsius": 30})
    await csms201.wait_for(lambda c: len(events(c, variableMonitoringId=hot["id"])) == 2, 10)
    assert events(csms201, variableMonitoringId=hot["id"])[1]["cleared"] is True  # N07.FR.02

    await station.post("/ev", {"connector": 1, "state": "B"})
    await csms201.wait_for(lambda c: events(c, variableMonitoringId=state["id"]), 10)
    assert events(csms201, variableMonitoringId=state["id"])[0]["actualValue"] == "Occupied"  # N07.FR.19
    await csms201.wait_for(lambda c: len(events(c, variableMonitoringId=every["id"])) >= 2, 10)
    assert {e["trigger"] for e in events(csms201, variableMonitoringId=every["id"])} == {"Periodic"}
    ids = [e["eventId"] for e in events(csms201)]
    assert len(ids) == len(set(ids))


async def test_every_fault_is_an_event(csms201, station):
    await station.post("/fault", {"connector": 1, "kind": "rcd", "active": True})
    await csms201.wait_for(lambda c: events(c, techCode="rcd"), 10)
    (rcd,) = events(csms201, techCode="rcd")
    assert (rcd["component"], rcd["variable"], rcd["eventNotificationType"]) == (
        {"name": "RCD", "evse": {"id": 1}}, {"name": "Tripped"}, "HardWiredNotification")
    await station.post("/fault", {"kind": "estop", "active": True})
    await csms201.wait_for(lambda c: events(c, techCode="estop"), 10)
    await asyncio.sleep(1.0)
    assert len(events(csms201, techCode="estop")) == 1  # charger-wide: once, on the station's component
    await station.post("/fault", {"kind": "estop", "active": False})
    await csms201.wait_for(lambda c: events(c, techCode="estop", cleared=True), 10)


async def test_offline_events_by_severity_and_monitors_across_a_restart(csms201, station):  # TC_N_22-24, 53
    cp = csms201.charge_points["CP001"]
    await cp.call(call.SetVariables(set_variable_data=[{"component": {"name": "MonitoringCtrlr"},
                                                        "variable": {"name": "OfflineQueuingSeverity"},
                                                        "attributeValue": "4"}]))
    (kept,) = await set_monitors(cp, monitor(TEMPERATURE, "UpperThreshold", 40, 4))
    (dropped,) = await set_monitors(cp, monitor(TEMPERATURE, "Delta", 5, 7))
    await asyncio.sleep(1.5)  # the delta monitor has its reference
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    await station.post("/temperature", {"celsius": 45})
    await asyncio.sleep(2.0)
    await station.post("/network", {"connected": True})
    await csms201.wait_for(lambda c: events(c, variableMonitoringId=kept["id"]), 30)
    await asyncio.sleep(1.0)
    assert events(csms201, variableMonitoringId=dropped["id"]) == []  # severity 7: not kept offline

    boots = len(csms201.actions("BootNotification"))
    await station.stop()
    await station.start()
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) > boots, 20)
    await station.post("/temperature", {"celsius": 30})  # the new process knows it was crossed (N07.FR.14)
    await csms201.wait_for(lambda c: events(c, variableMonitoringId=kept["id"], cleared=True), 20)
    await asyncio.sleep(0.5)
    cp = csms201.charge_points["CP001"]
    ids = {v["id"] for m in (await report(csms201, cp, 20))[1] for v in m["variableMonitoring"]}
    assert {kept["id"], dropped["id"]} <= ids  # N07.FR.13: monitors outlive a restart
