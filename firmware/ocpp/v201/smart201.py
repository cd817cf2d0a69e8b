"""OCPP 2.0.1 smart charging (K01-K05, K08-K10) on the same profile store and load manager as 1.6.

2.0.1's profiles are 1.6's with other names: ChargingStationMaxProfile is the
model's charge-point maximum, the EVSE is the connector, a schedule sits in a
list (ISO 15118 may send up to three; a CSMS sends one), transaction ids are
strings. ChargingStationExternalConstraints are the station's to report,
never the CSMS's to set (K01.FR.22). Every change wakes the load manager, so
the PWM follows at once.
"""

from __future__ import annotations

import logging

from firmware.ocpp.schedules import composite_schedule, when as _when
from firmware.ocpp.v201.charging_limits import SOURCE_201
from firmware.smart_charging.profiles import CHARGE_POINT_MAX, TX, TX_DEFAULT, Period, Profile, Schedule
from firmware.smart_charging.store import ProfileRejected

log = logging.getLogger(__name__)

PURPOSE_IN = {"ChargingStationMaxProfile": CHARGE_POINT_MAX, "TxDefaultProfile": TX_DEFAULT, "TxProfile": TX}
PURPOSE_OUT = {v: k for k, v in PURPOSE_IN.items()}
MAX_COMPOSITE_S = 31 * 86400
EXTERNAL_ID = 1_000_000


def profile_from_201(evse_id: int, p: dict) -> Profile:
    """From the ocpp library's snake_case chargingProfile; raises ProfileRejected, ValueError or KeyError."""
    purpose = PURPOSE_IN.get(p["charging_profile_purpose"])
    if purpose is None:
        raise ProfileRejected(f"{p['charging_profile_purpose']} is the station's to report, not the CSMS's to set")
    schedules = p["charging_schedule"]
    if len(schedules) != 1:
        raise ProfileRejected("one chargingSchedule per profile (more come only with ISO 15118)")
    s = schedules[0]
    if any(x.get("phase_to_use") is not None for x in s["charging_schedule_period"]):
        raise ProfileRejected("phaseToUse needs phase switching, which this charger has not "
                              "(SmartChargingCtrlr.ACPhaseSwitchingSupported false, K01.FR.20)")
    periods = tuple(Period(int(x["start_period"]), float(x["limit"]), x.get("number_phases"))
                    for x in s["charging_schedule_period"])
    schedule = Schedule(unit=s["charging_rate_unit"], periods=periods, start=_when(s.get("start_schedule")),
                        duration_s=s.get("duration"), min_rate=s.get("min_charging_rate"))
    return Profile(id=int(p["id"]), connector_id=evse_id, stack_level=int(p["stack_level"]), purpose=purpose,
                   kind=p["charging_profile_kind"], schedule=schedule, recurrency=p.get("recurrency_kind"),
                   valid_from=_when(p.get("valid_from")), valid_to=_when(p.get("valid_to")),
                   transaction_id=p.get("transaction_id"))


def profile_to_201(profile: Profile) -> dict:
    """A stored profile as ReportChargingProfiles shows it (camelCase, for the outbox)."""
    s = profile.schedule
    schedule = {"id": profile.id, "chargingRateUnit": s.unit,
                "chargingSchedulePeriod": [{"startPeriod": p.start_s, "limit": p.limit,
                                            **({"numberPhases": p.phases} if p.phases else {})} for p in s.periods]}
    if s.start is not None:
        schedule["startSchedule"] = s.start.isoformat().replace("+00:00", "Z")
    if s.duration_s is not None:
        schedule["duration"] = s.duration_s
    out = {"id": profile.id, "stackLevel": profile.stack_level, "chargingProfilePurpose": PURPOSE_OUT[profile.purpose],
           "chargingProfileKind": profile.kind, "chargingSchedule": [schedule]}
    if profile.recurrency:
        out["recurrencyKind"] = profile.recurrency
    if profile.transaction_id:
        out["transactionId"] = profile.transaction_id
    return out


class SmartCharging201:
    def __init__(self, profiles, manager, station, board, transaction_of, wall):
        self.profiles = profiles
        self.manager = manager
        self.station = station
        self.board = board
        self.transaction_of = transaction_of  # evse id -> the CSMS's id of its running transaction, or None
        self.wall = wall

    def set_profile(self, evse_id: int, payload: dict, *, for_remote_start: bool = False) -> str:
        """`for_remote_start`: K05, a TxProfile without transactionId for the transaction about to start."""
        if evse_id != 0 and evse_id not in self.station.connectors:
            return "Rejected"
        try:
            profile = profile_from_201(evse_id, payload)
            if for_remote_start and (profile.purpose != TX or profile.transaction_id is not None):
                raise ProfileRejected("RequestStartTransaction takes a TxProfile without transactionId")
            has_transaction = (lambda cid, tx: True) if for_remote_start else (
                lambda cid, tx: tx is not None and self.transaction_of(cid) == tx)
            self.profiles.install(profile, has_transaction)
        except ProfileRejected as exc:
            log.warning("SetChargingProfile on EVSE %s rejected: %s", evse_id, exc)
            return "Rejected"
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("SetChargingProfile on EVSE %s: unusable profile: %s", evse_id, exc)
            return "Rejected"
        self.manager.kick()
        return "Accepted"

    def clear(self, profile_id=None, criteria=None) -> str:
        criteria = criteria or {}
        purpose = criteria.get("charging_profile_purpose")
        if purpose is not None and purpose not in PURPOSE_IN:
            return "Unknown"
        gone = self.profiles.clear(profile_id=profile_id, connector_id=criteria.get("evse_id"),
                                   purpose=PURPOSE_IN.get(purpose), stack_level=criteria.get("stack_level"))
        self.manager.kick()
        return "Accepted" if gone else "Unknown"

    def matching(self, evse_id, criteria: dict) -> list[Profile]:
        """GetChargingProfiles (K09): the stored profiles the request's criteria select."""
        asked = criteria.get("charging_profile_purpose")
        if asked is not None and asked not in PURPOSE_IN:
            return []  # the external constraints are not stored profiles (external_constraints)
        purpose = PURPOSE_IN.get(asked)
        ids = set(criteria.get("charging_profile_id") or [])
        sources = criteria.get("charging_limit_source")
        if sources and "CSO" not in sources:
            return []  # every profile here came from the CSMS
        return [p for p in self.profiles.profiles
                if (evse_id is None or p.connector_id == evse_id) and (purpose is None or p.purpose == purpose)
                and (criteria.get("stack_level") is None or p.stack_level == criteria["stack_level"])
                and (not ids or p.id in ids)]

    def external_constraints(self, evse_id, criteria: dict) -> list[tuple[str, int, dict]]:
        """K09 with TC_K_52: the limits the station has from elsewhere (the site's energy manager: EMS;
        derating and holds: Other), reported as a ChargingStationExternalConstraints profile per EVSE,
        with its source. Their ids are EXTERNAL_ID + the EVSE, the same each time."""
        sources = criteria.get("charging_limit_source")
        if criteria.get("charging_profile_purpose") not in (None, "ChargingStationExternalConstraints") or (
                criteria.get("stack_level") not in (None, 0)):
            return []
        out = []
        for cid, connector in sorted(self.station.connectors.items()):
            local = [s for s in connector.limit_sources if s.source in SOURCE_201]
            if evse_id not in (None, cid) or not local:
                continue
            lowest = min(local, key=lambda s: s.limit_a)
            source, pid = SOURCE_201[lowest.source], EXTERNAL_ID + cid
            if (sources and source not in sources) or (criteria.get("charging_profile_id") and pid not in
                                                        criteria["charging_profile_id"]):
                continue
            out.append((source, cid, {
                "id": pid, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationExternalConstraints",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [{"id": pid, "chargingRateUnit": "A", "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": round(lowest.limit_a, 1)}]}]}))
        return out

    def composite(self, evse_id: int, duration: int, unit: str | None) -> dict:
        """The call_result fields of GetCompositeSchedule (K08)."""
        if evse_id != 0 and evse_id not in self.station.connectors:
            return {"status": "Rejected"}
        if not 0 < duration <= MAX_COMPOSITE_S:
            return {"status": "Rejected"}
        unit = unit if unit in ("A", "W") else "A"
        now = self.wall.now().replace(microsecond=0)
        s = composite_schedule(self.profiles, self.manager, self.station, self.board, evse_id, now, duration, unit)
        return {"status": "Accepted", "schedule": {"evseId": evse_id, "duration": s["duration"],
                                                   "scheduleStart": s["startSchedule"], "chargingRateUnit": unit,
                                                   "chargingSchedulePeriod": s["chargingSchedulePeriod"]}}
