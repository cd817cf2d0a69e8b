"""NotifyEvent (OCPP 2.0.1 N07, N08): how an event of a monitor or of the fault matrix reaches the CSMS.

Each event gets an id that never repeats (kept in SQLite), goes only when its
severity is within the level the CSMS set (N05.FR.03, N07.FR.15) and, while the
link is down, is queued only when it is at least as severe as
MonitoringCtrlr.OfflineQueuingSeverity says (N07.FR.04, N08.FR.03); the rest
are dropped, as the specification wants, and logged. Queued events go through
the persistent outbox, so they also survive a restart. Events found in the same
look go in one message (seqNo 0, tbc false: N07.FR.07).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from firmware.clock import iso
from firmware.ocpp.v201.variables import component_json, variable_json

log = logging.getLogger(__name__)

TEXT_MAX = 2500  # EventDataType.actualValue
TECH_INFO_MAX = 500


class EventSender:
    def __init__(self, store, outbox, clock, level: Callable[[], int], offline_severity: Callable[[], int],
                 online: Callable[[], bool]):
        self._store = store
        self.outbox = outbox
        self.clock = clock
        self.level = level
        self.offline_severity = offline_severity
        self.online = online
        self.dropped = 0

    def event(self, row, severity: int, trigger: str, actual: str, kind: str, *, monitor_id: int | None = None,
              cleared: bool = False, tech_code: str | None = None, tech_info: str | None = None,
              transaction_id: str | None = None) -> dict | None:
        """One EventData, or None when the level or the offline rule keeps it back."""
        if severity > self.level():
            return None
        if not self.online() and severity > self.offline_severity():
            self.dropped += 1
            log.info("offline: the %s event of %s.%s (severity %s) is not kept, as OfflineQueuingSeverity says",
                     trigger, row.component, row.name, severity)
            return None
        data = {"eventId": self._next_id(), "timestamp": iso(self.clock.now()), "trigger": trigger,
                "actualValue": actual[:TEXT_MAX], "eventNotificationType": kind,
                "component": component_json(row), "variable": variable_json(row)}
        for key, value in (("variableMonitoringId", monitor_id), ("techCode", tech_code),
                           ("techInfo", tech_info[:TECH_INFO_MAX] if tech_info else None),
                           ("transactionId", transaction_id)):
            if value is not None:
                data[key] = value
        if cleared:
            data["cleared"] = True
        return data

    def send(self, events: list[dict]) -> None:
        if events:
            self.outbox.push("NotifyEvent", {"generatedAt": iso(self.clock.now()), "seqNo": 0, "tbc": False,
                                             "eventData": events}, None)

    def _next_id(self) -> int:
        with self._store.transaction():
            event_id = int(self._store.get("monitoring.event_id", 0)) + 1
            self._store.put("monitoring.event_id", event_id)
        return event_id
