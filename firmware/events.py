"""What the charger model tells the rest of the firmware, and how it travels.

Connectors run on the control thread and must never block, so they publish
into this bus with `publish_threadsafe`; consumers (the OCPP adapter, the
session recorder, the demo display) each get their own asyncio queue.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from firmware.core.session import Session


@dataclass(frozen=True)
class StatusChanged:
    connector_id: int
    state: str
    faults: tuple[str, ...]


@dataclass(frozen=True)
class SessionStarted:
    session: Session


@dataclass(frozen=True)
class SessionEnded:
    session: Session


@dataclass(frozen=True)
class StationFaultsChanged:
    """A fault of the whole charger that no connector's tick sees (e.g. the card reader)."""

    faults: frozenset[str]


@dataclass(frozen=True)
class ReservationEnded:
    """A reservation that ended unused: "expired" at its expiry date, or "removed" because its connector went
    out of service (2.0.1 ReservationStatusUpdate)."""

    reservation_id: int
    why: str


@dataclass(frozen=True)
class MessageSetAside:
    """The CSMS refused a queued message for good (firmware.ocpp.outbox): kept, and acted on."""

    action: str
    payload: dict
    local_id: str | None
    reason: str


@dataclass(frozen=True)
class EvChargingNeeds:
    """What an EV asked for over the digital link, once per round (its ChargeParameterDiscovery): its
    limits, its state of charge on DC (OCPP 2.0.1 NotifyEVChargingNeeds, K15)."""

    connector_id: int
    protocol: str | None
    max_current_a: float | None
    max_voltage_v: float | None
    soc_pct: float | None
    round: int = 1  # the EV's ChargeParameterDiscovery round this answers (a renegotiation: the next)
    departure_s: int | None = None  # seconds from `asked_at` the EV means to leave
    energy_request_wh: float | None = None
    asked_at: datetime | None = None
    # A later round is a renegotiation: "ev" when the EV began it (OCPP 2.0.1 K17), "station" when the
    # charger asked for it because its limits changed (K16: the CSMS is not asked again).
    renegotiation: str | None = None
    energy_transfer: str = "DC"  # or AC_single_phase, AC_three_phase (an ISO 15118-2 AC connector)
    min_current_a: float | None = None  # AC: the EV's EVMinCurrent


@dataclass(frozen=True)
class EvChargingSchedule:
    """The charging profile an EV chose from the offered schedule (ISO 15118-2 PowerDeliveryReq;
    OCPP 2.0.1 NotifyEVChargingSchedule, K15): (start s from `at`, max W)."""

    connector_id: int
    at: datetime
    entries: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class ContractPresented:
    """Plug & Charge: an EV presented its contract (eMAID and certificate chain) on a connector; the
    authorization goes through the same list, cache and CSMS as a card (firmware.auth.contract)."""

    connector_id: int
    emaid: str
    certificate: str


@dataclass(frozen=True)
class MeterOnlineChanged:
    connector_id: int
    online: bool  # no fault at all: its data can bill
    faults: frozenset[str] = frozenset()  # firmware.metering's fault names in force


async def kicked_within(kick: asyncio.Event, seconds: float) -> bool:
    """Wait for `kick` or `seconds`, whichever comes first; True when kicked.
    The caller clears the event before the work the kick should redo."""
    try:
        async with asyncio.timeout(seconds):  # not wait_for: on 3.11 it can swallow a cancellation
            await kick.wait()
        return True
    except TimeoutError:
        return False


class EventBus:
    def __init__(self) -> None:
        self._queues: list[asyncio.Queue] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """A subscriber that leaves (a closed page) must not keep a queue that grows for ever."""
        if queue in self._queues:
            self._queues.remove(queue)

    def publish(self, event) -> None:
        for queue in self._queues:
            queue.put_nowait(event)

    def publish_threadsafe(self, event) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.publish, event)
