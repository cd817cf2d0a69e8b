"""OCPP 2.0.1 monitoring requests (N02-N06): parse, ask the monitors, answer. A mixin of ChargePoint201."""

from __future__ import annotations

import logging

from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from firmware.clock import iso
from firmware.ocpp.v201.variables import component_json, variable_json
from firmware.ocpp.v201.report_criteria import matches
from firmware.ocpp.v201.report_parts import report_parts_of

log = logging.getLogger(__name__)


class MonitoringHandlers:
    @on("SetVariableMonitoring")
    def on_set_variable_monitoring(self, set_monitoring_data, **_):
        return call_result.SetVariableMonitoring(set_monitoring_result=[self._set_monitor(d) for d in set_monitoring_data])

    def _set_monitor(self, item: dict) -> dict:
        monitors = self.adapter.monitoring.monitors
        status, row = self.model.find(item["component"], item["variable"])
        monitor_id = item.get("id")
        if row is not None:
            status = monitors.check(row, item["type"], item["value"], item["severity"], monitor_id)
        if status == "Accepted":
            monitor_id = monitors.set(row, item["type"], item["value"], item["severity"],
                                      item.get("transaction", False), monitor_id).id
        log.info("SetVariableMonitoring %s on %s.%s (%s): %s", item["type"], item["component"].get("name"),
                 item["variable"].get("name"), item["value"], status)
        result = {"status": status, "type": item["type"], "severity": item["severity"],
                  "component": item["component"], "variable": item["variable"]}
        return {**result, "id": monitor_id} if monitor_id is not None else result

    @on("ClearVariableMonitoring")
    def on_clear_variable_monitoring(self, id, **_):
        monitors = self.adapter.monitoring.monitors
        return call_result.ClearVariableMonitoring(
            clear_monitoring_result=[{"status": monitors.clear(i), "id": i} for i in id])

    @on("SetMonitoringBase")
    def on_set_monitoring_base(self, monitoring_base, **_):
        status = self.adapter.monitoring.monitors.set_base(monitoring_base)
        log.info("SetMonitoringBase %s: %s", monitoring_base, status)
        return call_result.SetMonitoringBase(status=status)

    @on("SetMonitoringLevel")
    def on_set_monitoring_level(self, severity, **_):
        return call_result.SetMonitoringLevel(status=self.adapter.monitoring.monitors.set_level(severity))

    def _monitor_report(self, criteria, pairs) -> list[dict]:
        """MonitoringData items, one per variable with its monitors (N02.FR.05-.17)."""
        monitors = self.adapter.monitoring.monitors
        wanted = (lambda row: any(matches(row, pair) for pair in pairs)) if pairs else None
        grouped: dict[tuple, list] = {}
        for m in monitors.select(criteria, wanted):
            grouped.setdefault(m.variable, []).append(
                {"id": m.id, "transaction": m.transaction, "value": m.value, "type": m.type, "severity": m.severity})
        return [{"component": component_json(self.model.variables[key]), "variable": variable_json(self.model.variables[key]),
                 "variableMonitoring": found} for key, found in grouped.items()]

    @on("GetMonitoringReport")
    def on_get_monitoring_report(self, request_id, monitoring_criteria=None, component_variable=None, **_):
        found = self._monitor_report(monitoring_criteria, component_variable)
        return call_result.GetMonitoringReport(status="Accepted" if found else "EmptyResultSet")  # N02.FR.10

    @after("GetMonitoringReport")
    async def after_get_monitoring_report(self, request_id, monitoring_criteria=None, component_variable=None, **_):
        found = self._monitor_report(monitoring_criteria, component_variable)
        if not found:
            return
        parts = report_parts_of(self.model, found)
        for seq, part in enumerate(parts):  # N02.FR.09: seqNo from 0
            await self.call(call.NotifyMonitoringReport(request_id=request_id, seq_no=seq, monitor=part,
                                                        generated_at=iso(self.adapter.wall.now()),
                                                        tbc=seq < len(parts) - 1))
