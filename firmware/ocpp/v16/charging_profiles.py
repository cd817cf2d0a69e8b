"""OCPP 1.6 csChargingProfiles -> the smart-charging model (composite schedules: firmware.ocpp.schedules)."""

from __future__ import annotations

from firmware.ocpp.schedules import when as _when
from firmware.smart_charging.profiles import Period, Profile, Schedule


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
