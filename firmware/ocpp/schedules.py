"""Charging schedules in OCPP's words, alike in 1.6 and 2.0.1: dates in, composite periods out."""

from __future__ import annotations

from datetime import datetime

from firmware.clock import iso, parse_utc
from firmware.smart_charging.composite import ConnectorView, Segment, composite
from firmware.smart_charging.profiles import CHARGE_POINT_MAX


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


def composite_schedule(profiles, manager, station, board, cid: int, now: datetime, duration: int,
                       unit: str) -> dict:
    """GetCompositeSchedule's chargingSchedule for a connector (0: the charger's maximum), both versions."""
    if cid == 0:
        segments = composite(profiles.profiles, ConnectorView(0, phases_in_use=board.phases), now, duration,
                             board.voltage_v, purposes=(CHARGE_POINT_MAX,))
        ceiling = sum(c.supply_rating_a() for c in station.connectors.values())
    else:
        connector = station.connector(cid)
        segments = composite(profiles.profiles, manager.view(connector), now, duration, board.voltage_v)
        ceiling = min(connector.supply_rating_a(), connector.cable_a or connector.supply_rating_a())
    return composite_to_ocpp(segments, now, unit, board.voltage_v, ceiling)


DAY_S = 86400


def power_periods(smart, cid: int) -> list[tuple[int, float]]:
    """What an EV is offered over ISO 15118 (its SAScheduleList, K15): the connector's composite limit
    for the next 24 hours in W, as (start s from now, max W). `smart`: either version's smart charging
    (profiles, manager, station, board, wall)."""
    now = smart.wall.now().replace(microsecond=0)
    s = composite_schedule(smart.profiles, smart.manager, smart.station, smart.board, cid, now, DAY_S, "W")
    return [(p["startPeriod"], p["limit"]) for p in s["chargingSchedulePeriod"]]
