"""Charging schedules in OCPP's words, alike in 1.6 and 2.0.1: dates in, composite periods out."""

from __future__ import annotations

from datetime import datetime

from firmware.clock import iso, parse_utc
from firmware.smart_charging.composite import Segment


def when(text: str | None) -> datetime | None:
    if text is None:
        return None
    when = parse_utc(text)
    if when is None:
        raise ValueError(f"{text[:40]!r} is no date and time")
    return when


def composite_to_ocpp(segments: list[Segment], start: datetime, unit: str, voltage_v: float,
                      ceiling_a: float) -> dict:
    """A GetCompositeSchedule chargingSchedule: periods from `start`, stretches without a
    profile reported at the connector's own ceiling, in the unit asked for."""
    periods = []
    for seg in segments:
        amps = ceiling_a if seg.limit_a is None else min(seg.limit_a, ceiling_a)
        limit = round(amps * voltage_v * seg.phases, 1) if unit == "W" else round(amps, 1)
        offset = int((seg.start - start).total_seconds())
        if periods and periods[-1]["startPeriod"] == offset:
            periods.pop()  # it lasted less than a second: the later limit holds from this second on
        if periods and periods[-1]["limit"] == limit and periods[-1].get("numberPhases") == seg.phases:
            continue
        periods.append({"startPeriod": offset, "limit": limit, "numberPhases": seg.phases})
    duration = int((segments[-1].end - start).total_seconds()) if segments else 0
    return {"duration": duration, "startSchedule": iso(start), "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods}
