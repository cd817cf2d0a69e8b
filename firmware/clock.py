"""Wall time for OCPP, kept apart from the monotonic time the control loop uses.

Boards without an RTC boot in 1970 or in the past; until the system clock is
synchronised, the CSMS's time (BootNotification, Heartbeat) corrects what we
report. Durations are always measured on the monotonic clock, so a jump in
wall time never changes a session's length or energy.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta, timezone

NTP_SYNC_FLAG = "/run/systemd/timesync/synchronized"
TRUST_CSMS_BEYOND_S = 2.0


class Clock:
    """The two clocks every service is given: `now()` (UTC wall time, for OCPP) and `monotonic()`
    (seconds, for durations and timers). Injected, so a test steps them instead of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def monotonic(self) -> float:
        return time.monotonic()

    def adopt_csms_time(self, csms_time: str) -> bool:
        """Follow the CSMS's clock unless NTP already keeps ours right; True when ours moved."""
        if os.path.exists(NTP_SYNC_FLAG):
            return False
        theirs = parse_utc(csms_time)
        if theirs is None:
            return False
        drift = theirs - datetime.now(timezone.utc)
        if abs((drift - self.offset).total_seconds()) > TRUST_CSMS_BEYOND_S:
            self.offset = drift
            return True
        return False


WallClock = Clock  # the name the first releases used


class SteppedClock(Clock):
    """A clock that moves only when told (tests)."""

    def __init__(self, start: datetime | None = None, mono: float = 1000.0) -> None:
        super().__init__()
        self._now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._mono = mono

    def now(self) -> datetime:
        return self._now + self.offset

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


def iso(ts: datetime) -> str:
    """OCPP timestamp: UTC, millisecond precision, 'Z' suffix."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def parse_utc(text) -> datetime | None:
    """An OCPP dateTime as an aware UTC datetime; None when it is no date (a CSMS may send anything).

    A time without a zone is taken as UTC, so it never meets an aware one in a comparison.
    """
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def next_boundary(now: datetime, interval_s: int) -> datetime:
    """The next instant that is a whole number of intervals after midnight UTC (OCPP 1.6 9.1.7; 2.0.1 J01)."""
    now = now.astimezone(timezone.utc)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - midnight).total_seconds()
    steps = int(elapsed // interval_s) + 1
    # The intervals are "per day, starting at midnight": the last one of a day ends at midnight.
    return min(midnight + timedelta(seconds=steps * interval_s), midnight + timedelta(days=1))


async def at_each_boundary(interval_s, clock: Clock, act) -> None:
    """Call act(boundary) at every clock-aligned boundary of `interval_s()` seconds (read again each
    time: a new interval applies from the next boundary; 0 or less: none, looked at every second)."""
    while True:
        interval = interval_s()
        if interval <= 0:
            await asyncio.sleep(1.0)
            continue
        boundary = next_boundary(clock.now(), interval)
        await asyncio.sleep(max(0.0, (boundary - clock.now()).total_seconds()))
        if interval_s() == interval:  # not changed while waiting
            act(boundary)
