"""OCPP 2.0.1 monitoring (N02-N08) put together: the monitors, what watches them, the fault
events, and the one way out for all of them; built once by the adapter."""

from __future__ import annotations

from firmware.ocpp.v201.fault_events import FaultEvents
from firmware.ocpp.v201.monitor_watch import MonitorWatch
from firmware.ocpp.v201.monitors import Monitors, factory_monitors
from firmware.ocpp.v201.notify_event import EventSender


class Monitoring201:
    def __init__(self, *, store, model, board, outbox, clock, online, transaction_on):
        self.monitors = Monitors(store, model.variables, factory_monitors(board, model.variables))
        self.sender = EventSender(
            store, outbox, clock, level=lambda: self.monitors.level,
            offline_severity=lambda: int(model.read("MonitoringCtrlr", "OfflineQueuingSeverity")), online=online)
        self.watch = MonitorWatch(self.monitors, model, self.sender, clock, transaction_on)
        self.faults = FaultEvents(model.variables, self.sender, model.value)
        model.listeners.append(self.watch.written)
        model.live[("MonitoringCtrlr", "ActiveMonitoringBase")] = lambda row: self.monitors.base
        model.live[("MonitoringCtrlr", "ActiveMonitoringLevel")] = lambda row: str(self.monitors.level)

    def trips(self, evse: int, faults) -> None:
        self.faults.update(("trips", evse), faults)

    def meter_faults(self, evse: int, faults) -> None:
        self.faults.update(("meter", evse), faults)

    def station_faults(self, faults) -> None:
        self.faults.update(("station", None), faults)
