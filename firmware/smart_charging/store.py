"""The installed charging profiles: checked on install, kept across restarts.

OCPP 1.6 section 5.16: a profile with the id of an installed one, or with the
same purpose, stack level and connector, replaces it. Limits come from the
configuration keys the CSMS reads (ChargeProfileMaxStackLevel,
ChargingScheduleMaxPeriods, MaxChargingProfilesInstalled,
ChargingScheduleAllowedChargingRateUnit). Saved as JSON in the settings table
on every change, so a restart applies the same schedule.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict
from datetime import datetime

from firmware.smart_charging.profiles import CHARGE_POINT_MAX, RECURRENCE, RECURRING, TX, Period, Profile, Schedule

log = logging.getLogger(__name__)

KEY = "smart_charging.profiles"


class ProfileRejected(ValueError):
    pass


class ProfileStore:
    def __init__(self, store, limits, on_change=lambda connector_id: None):
        """`on_change(connector_id)`: a profile was installed or cleared there (0: the whole station), in
        both versions and whatever the reason; the station asks a charging ISO 15118-2 EV to
        renegotiate its schedule (OCPP 2.0.1 K16.FR.02: the composite schedule changed)."""
        self._store = store
        self._limits = limits  # callable -> dict(max_stack, max_periods, max_installed, units)
        self.on_change = on_change
        self.profiles: list[Profile] = self._load()

    def install(self, profile: Profile, has_transaction) -> None:
        """Raises ProfileRejected with the reason; `has_transaction(cid, tx_id)` for TxProfiles."""
        self._check(profile, has_transaction)
        kept = [p for p in self.profiles if p.id != profile.id and
                (p.purpose, p.stack_level, p.connector_id) != (profile.purpose, profile.stack_level, profile.connector_id)]
        if len(kept) >= self._limits()["max_installed"]:
            raise ProfileRejected("MaxChargingProfilesInstalled reached")
        self.profiles = kept + [profile]
        self._save()
        self.on_change(profile.connector_id)
        log.info("charging profile %s installed (%s, connector %s, stack %s)", profile.id, profile.purpose,
                 profile.connector_id, profile.stack_level)

    def _check(self, profile: Profile, has_transaction) -> None:
        _check_sense(profile)
        limits = self._limits()
        if profile.stack_level > limits["max_stack"]:
            raise ProfileRejected(f"stackLevel {profile.stack_level} > ChargeProfileMaxStackLevel")
        if len(profile.schedule.periods) > limits["max_periods"]:
            raise ProfileRejected("more periods than ChargingScheduleMaxPeriods")
        if profile.schedule.unit not in limits["units"]:
            raise ProfileRejected(f"chargingRateUnit {profile.schedule.unit} is not allowed")
        if not profile.schedule.periods or profile.schedule.periods[0].start_s != 0:
            raise ProfileRejected("the first period must start at 0")
        starts = [p.start_s for p in profile.schedule.periods]
        if starts != sorted(set(starts)):
            raise ProfileRejected("periods must be in increasing startPeriod order")
        if profile.kind == RECURRING and (profile.recurrency not in RECURRENCE or profile.schedule.start is None):
            raise ProfileRejected("a recurring profile needs recurrencyKind and startSchedule")
        if profile.purpose == CHARGE_POINT_MAX and profile.connector_id != 0:
            raise ProfileRejected("a ChargePointMaxProfile belongs to connector 0")
        if profile.purpose == TX and (profile.connector_id == 0
                                      or not has_transaction(profile.connector_id, profile.transaction_id)):
            raise ProfileRejected("a TxProfile needs a transaction on its connector")

    def clear(self, *, profile_id=None, connector_id=None, purpose=None, stack_level=None) -> int:
        def matches(p: Profile) -> bool:
            if profile_id is not None:
                return p.id == profile_id
            return ((connector_id is None or p.connector_id == connector_id)
                    and (purpose is None or p.purpose == purpose)
                    and (stack_level is None or p.stack_level == stack_level))

        gone = [p for p in self.profiles if matches(p)]
        if gone:
            self.profiles = [p for p in self.profiles if not matches(p)]
            self._save()
            where = {p.connector_id for p in gone}
            for cid in ({0} if 0 in where else sorted(where)):
                self.on_change(cid)
        return len(gone)

    def transaction_ended(self, connector_id: int) -> None:
        """A TxProfile lives as long as its transaction (OCPP 1.6 section 3.13.1)."""
        self.clear(connector_id=connector_id, purpose=TX)

    # ---- persistence -----------------------------------------------------
    def _save(self) -> None:
        self._store.put(KEY, json.dumps([_encode(p) for p in self.profiles]))

    def _load(self) -> list[Profile]:
        raw = self._store.get(KEY)
        if not raw:
            return []
        try:
            return [_decode(item) for item in json.loads(raw)]
        except (ValueError, KeyError, TypeError) as exc:
            log.error("stored charging profiles unreadable (%s): none applied", exc)
            return []


def _encode(p: Profile) -> dict:
    d = asdict(p)
    for key in ("valid_from", "valid_to"):
        d[key] = d[key].isoformat() if d[key] else None
    d["schedule"]["start"] = p.schedule.start.isoformat() if p.schedule.start else None
    return d


def _decode(d: dict) -> Profile:
    def when(x):
        return datetime.fromisoformat(x) if x else None

    s = d["schedule"]
    schedule = Schedule(unit=s["unit"], periods=tuple(Period(**x) for x in s["periods"]), start=when(s["start"]),
                        duration_s=s["duration_s"], min_rate=s["min_rate"])
    return Profile(id=d["id"], connector_id=d["connector_id"], stack_level=d["stack_level"], purpose=d["purpose"],
                   kind=d["kind"], schedule=schedule, recurrency=d["recurrency"], valid_from=when(d["valid_from"]),
                   valid_to=when(d["valid_to"]),
                   transaction_id=None if d["transaction_id"] is None else str(d["transaction_id"]))


def _check_sense(profile: Profile) -> None:
    """What the schema allows but no charger can apply: refused with the reason, nothing changes."""
    schedule = profile.schedule
    if profile.id < 0 or profile.stack_level < 0:
        raise ProfileRejected("chargingProfileId and stackLevel cannot be negative")
    for period in schedule.periods:
        if not math.isfinite(period.limit) or period.limit < 0:
            raise ProfileRejected(f"limit {period.limit} is not a rate")
        if period.phases is not None and period.phases not in (1, 2, 3):
            raise ProfileRejected(f"numberPhases {period.phases} is not 1, 2 or 3")
    if schedule.duration_s is not None and schedule.duration_s < 0:
        raise ProfileRejected("a negative duration")
    if schedule.min_rate is not None and (schedule.min_rate < 0 or (
            schedule.periods and schedule.min_rate > max(p.limit for p in schedule.periods))):
        raise ProfileRejected(f"minChargingRate {schedule.min_rate} is above every limit of the schedule")
    if profile.valid_from is not None and profile.valid_to is not None and profile.valid_from >= profile.valid_to:
        raise ProfileRejected("validFrom is not before validTo")
