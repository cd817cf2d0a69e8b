"""Charging profiles as the charger model holds them (OCPP-neutral).

The shapes follow OCPP 1.6 section 3.13 (and carry over to 2.0.1): a profile
has a purpose, a stack level, a kind (absolute, recurring daily/weekly,
relative to the transaction start), a validity window and one schedule of
periods in amps or watts. The OCPP adapter converts its messages to these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CHARGE_POINT_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
PURPOSES = (CHARGE_POINT_MAX, TX_DEFAULT, TX)

ABSOLUTE, RECURRING, RELATIVE = "Absolute", "Recurring", "Relative"
RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(days=7)}
DEFAULT_PHASES = 3  # OCPP 1.6 ChargingSchedulePeriod.numberPhases: 3 when absent


@dataclass(frozen=True)
class Period:
    start_s: int  # from the start of the schedule
    limit: float  # in the schedule's unit, per phase for A, total for W
    phases: int | None = None


@dataclass(frozen=True)
class Schedule:
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    start: datetime | None = None
    duration_s: int | None = None
    min_rate: float | None = None


@dataclass(frozen=True)
class Profile:
    id: int
    connector_id: int  # 0: the charge point as a whole (ChargePointMax, TxDefault for all)
    stack_level: int
    purpose: str
    kind: str
    schedule: Schedule
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None  # the CSMS's, as the model keeps every transaction id

    def valid_at(self, t: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= t) and (self.valid_to is None or t < self.valid_to)

    def starts_around(self, t: datetime, tx_start: datetime | None) -> datetime | None:
        """The start of the schedule run that covers t (the latest one not after t)."""
        if self.kind == RELATIVE:
            return tx_start
        # An absolute schedule without startSchedule runs from the start of charging (OCPP 1.6 7.13).
        start = self.schedule.start or tx_start
        if start is None:
            return None
        if self.kind == RECURRING and self.recurrency in RECURRENCE and t >= start:
            every = RECURRENCE[self.recurrency]
            start += every * ((t - start) // every)
        return start

    def limit_at(self, t: datetime, tx_start: datetime | None) -> Period | None:
        """The period in force at t, or None when this profile says nothing then."""
        if not self.valid_at(t):
            return None
        start = self.starts_around(t, tx_start)
        if start is None or t < start:
            return None
        offset = (t - start).total_seconds()
        if self.schedule.duration_s is not None and offset >= self.schedule.duration_s:
            return None
        if self.kind == RECURRING and self.recurrency in RECURRENCE:
            if offset >= RECURRENCE[self.recurrency].total_seconds():
                return None
        current = None
        for period in self.schedule.periods:
            if period.start_s <= offset:
                current = period
            else:
                break
        return current

    def edges(self, t0: datetime, t1: datetime, tx_start: datetime | None) -> set[datetime]:
        """Every instant in [t0, t1) at which this profile's limit may change."""
        out = {x for x in (self.valid_from, self.valid_to) if x is not None}
        starts = []
        if self.kind == RECURRING and self.recurrency in RECURRENCE:
            every = RECURRENCE[self.recurrency]
            first = self.starts_around(t0, tx_start)
            if first is not None:
                start = first
                while start < t1:
                    starts.append(start)
                    start += every
        else:
            start = self.starts_around(t0, tx_start)
            if start is not None:
                starts.append(start)
        for start in starts:
            out.add(start)
            out.update(start + timedelta(seconds=p.start_s) for p in self.schedule.periods)
            if self.schedule.duration_s is not None:
                out.add(start + timedelta(seconds=self.schedule.duration_s))
        return {x for x in out if t0 < x < t1}
