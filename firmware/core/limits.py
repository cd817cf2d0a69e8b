"""The one place where every current limit meets: the offer is their minimum.

`limit_sources` names each limit in force with where it comes from, so the
bench, the log and (later) the installer's page can say why a car charges slowly.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.core.iec61851.pilot import MIN_CURRENT_A


def offered_current(*limits_a: float | None) -> float:
    """Minimum of the limits that apply (None = no limit from that source).

    Under 6 A nothing may be offered (IEC 61851-1 Table A.8), so the result is
    then 0 and the session waits in SuspendedEVSE until a limit rises.
    """
    applicable = [a for a in limits_a if a is not None]
    offer = min(applicable) if applicable else 0.0
    return offer if offer >= MIN_CURRENT_A else 0.0


def temperature_limit(temp_c: float | None, board, full_a: float) -> float | None:
    """Derating before the over-temperature trip: full current up to
    `derate_from_c`, then falling linearly to 6 A at `max_temperature_c`, where
    the trip takes over. None (no limit) while cool or when unknown (a failed
    sensor is a fault of its own)."""
    if temp_c is None or temp_c <= board.derate_from_c:
        return None
    span = board.max_temperature_c - board.derate_from_c
    share = max(0.0, (board.max_temperature_c - temp_c) / span) if span > 0 else 0.0
    return MIN_CURRENT_A + share * max(0.0, full_a - MIN_CURRENT_A)


# Whose budget a connector's share is of: the site's (its supply, its grid meter: a local energy
# manager's limit) or the CSMS's ChargingStationMaxProfile (a limit the CSMS set itself).
SITE_SHARE, STATION_MAX = "site_share", "station_max"


@dataclass(frozen=True)
class LimitSource:
    source: str  # board, cable, csms_schedule, site_share, station_max, hold, temperature
    limit_a: float
    detail: str

    def as_dict(self) -> dict:
        return {"source": self.source, "limit_a": round(self.limit_a, 1), "detail": self.detail}


def limit_sources(*, board_a: float, cable_a: float | None, tethered: bool, schedule_a: float | None,
                  schedule_detail: str, share_a: float | None, share_detail: str, holds: set[str],
                  temperature_a: float | None, temperature_c: float | None,
                  share_source: str = SITE_SHARE) -> list[LimitSource]:
    """Every limit in force on one connector, in the order offered_current takes them."""
    out = [LimitSource("board", board_a, "the connector's rating in the board config")]
    if cable_a is not None:
        out.append(LimitSource("cable", cable_a, "the tethered cable's rating" if tethered
                               else "the plugged cable's rating (PP)" if cable_a else "no cable plugged (PP)"))
    if schedule_a is not None:
        out.append(LimitSource("csms_schedule", schedule_a, schedule_detail))
    if share_a is not None:
        out.append(LimitSource(share_source, share_a, share_detail))
    if holds:
        out.append(LimitSource("hold", 0.0, "held at 0 A: " + ", ".join(sorted(holds))))
    if temperature_a is not None:
        out.append(LimitSource("temperature", temperature_a, f"derating at {temperature_c:.1f} °C"))
    return out
