"""OCPP 1.6 csChargingProfiles and composite schedules <-> the smart-charging model."""

from __future__ import annotations

from datetime import datetime

from firmware.clock import iso, parse_utc
from firmware.smart_charging.composite import Segment
from firmware.smart_charging.profiles import Period, Profile, Schedule


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    when = parse_utc(text)
    if when is None:
        raise ValueError(f"{text[:40]!r} is no date and time")
    return when


def profile_from_ocpp(connector_id: int, p: dict) -> Profile:
    """From the ocpp library's snake_case payload; raises ValueError/KeyError on nonsense."""
    s = p["charging_schedule"]
    periods = tuple(Period(int(x["start_period"]), float(x["limit"]), x.get("number_phases"))
                    for x in s["charging_schedule_period"])
    schedule = Schedule(unit=s["charging_rate_unit"], periods=periods, start=_when(s.get("start_schedule")),
                        duration_s=s.get("duration"), min_rate=s.get("min_charging_rate"))
    return Profile(
        id=int(p["charging_profile_id"]), connector_id=connector_id, stack_level=int(p["stack_level"]),
        purpose=p["charging_profile_purpose"], kind=p["charging_profile_kind"], schedule=schedule,
        recurrency=p.get("recurrency_kind"), valid_from=_when(p.get("valid_from")), valid_to=_when(p.get("valid_to")),
        transaction_id=_transaction(p.get("transaction_id")),
    )


def _transaction(tx: int | None) -> str | None:
    """1.6's integer transaction id as the model's string; a negative one is no transaction."""
    if tx is not None and tx < 0:
        raise ValueError(f"transactionId {tx} is negative")
    return None if tx is None else str(tx)


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
