"""Turns the conditions seen in one tick into the faults that are active.

A condition is what the inputs show right now; a fault is what the charger
acts on. They differ by the recovery rule of firmware.core.faults: a weld stays a
fault after its contact opens, a diode fault stays until the EV leaves, an RCD
trip waits before it lets go and gives up after too many. Runs on the control
thread only, like the supervisor that feeds it.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from firmware.core.faults import AUTO, BY_NAME, RETRY, UNPLUG

log = logging.getLogger(__name__)

RETRY_WINDOW_S = 3600.0  # retry_limit counts trips within this window


@dataclass
class _Active:
    since: float
    gone_since: float | None = None
    latched: bool = False  # retries used up: held until reset


@dataclass
class FaultLatch:
    connector_id: int
    retry_s: dict[str, float]  # per RETRY fault: wait after the condition is gone
    retry_limit: int = 3
    active: dict[str, _Active] = field(default_factory=dict)
    _trips: dict[str, deque] = field(default_factory=dict)
    # What changed in the last update, for the log: written by `log_changes` only
    # after the contactor has been opened, since a log handler may block.
    _news: list[str] = field(default_factory=list)

    def update(self, conditions, now: float, unplugged: bool) -> frozenset[str]:
        for name in conditions:
            self._seen(name, now)
        for name, fault in list(self.active.items()):
            if name not in conditions and self._ends(name, fault, now, unplugged):
                self._news.append(f"fault {name} cleared")
                del self.active[name]
        return frozenset(self.active)

    def log_changes(self) -> None:
        while self._news:
            log.error("connector %s: %s", self.connector_id, self._news.pop(0))

    def _seen(self, name: str, now: float) -> None:
        fault = self.active.get(name)
        if fault is not None:
            fault.gone_since = None
            return
        fault = self.active[name] = _Active(since=now)
        self._news.append(f"fault {name}")
        if BY_NAME[name].recovery == RETRY:
            trips = self._trips.setdefault(name, deque())
            trips.append(now)
            while trips and now - trips[0] > RETRY_WINDOW_S:
                trips.popleft()
            if len(trips) > self.retry_limit:
                fault.latched = True
                self._news.append(f"{name} tripped {len(trips)} times within an hour: latched until reset")

    def _ends(self, name: str, fault: _Active, now: float, unplugged: bool) -> bool:
        rule = BY_NAME[name].recovery
        if fault.gone_since is None:
            fault.gone_since = now
        if rule == AUTO:
            return True
        if rule == UNPLUG:
            return unplugged
        if rule == RETRY and not fault.latched:
            return now - fault.gone_since >= self.retry_s.get(name, 0.0)
        return False  # RESET, or a RETRY fault out of retries
