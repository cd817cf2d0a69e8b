"""The composite schedule: what the profiles allow, instant by instant, in amps.

OCPP 1.6 section 3.13: within one purpose the valid profile with the highest
stack level that has a period in force wins (when it has ended, the next one
down applies); a TxProfile, while its transaction runs, replaces the
TxDefaultProfile; TxDefaultProfiles set on the connector and on connector 0
(for all) form one stack, the connector's own winning at an equal stack
level; the ChargePointMaxProfile caps the charge
point as a whole. Watts become amps per phase with the phases in use
(`numberPhases`, at most what the board and the EV use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from firmware.smart_charging.profiles import CHARGE_POINT_MAX, DEFAULT_PHASES, TX, TX_DEFAULT, Period, Profile


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    limit_a: float | None  # None: no profile limits this stretch
    phases: int


def to_amps(period: Period, unit: str, voltage_v: float, phases_in_use: int) -> tuple[float, int]:
    phases = min(period.phases or DEFAULT_PHASES, phases_in_use)
    if unit == "W":
        return period.limit / (voltage_v * phases), phases
    return period.limit, phases


def top_of_stack(profiles, t: datetime, tx_start) -> tuple[Profile, Period] | None:
    # Highest stack level first; at an equal level a connector's own before connector 0's.
    for profile in sorted(profiles, key=lambda p: (p.stack_level, p.connector_id != 0), reverse=True):
        period = profile.limit_at(t, tx_start)
        if period is not None:
            return profile, period
    return None


@dataclass
class ConnectorView:
    """What the composite needs to know of one connector at the time asked."""

    connector_id: int
    transaction_id: str | None = None
    tx_start: datetime | None = None
    phases_in_use: int = DEFAULT_PHASES


def relevant(profiles, view: ConnectorView) -> dict[str, list[Profile]]:
    """The profiles that can apply to this connector, by purpose."""
    # A TxProfile for "the transaction" (no id: from RemoteStartTransaction) applies to whichever runs.
    tx = [p for p in profiles if p.purpose == TX and p.connector_id == view.connector_id
          and view.tx_start is not None and p.transaction_id in (None, view.transaction_id)]
    return {
        TX: tx,
        TX_DEFAULT: [p for p in profiles if p.purpose == TX_DEFAULT and p.connector_id in (0, view.connector_id)],
        CHARGE_POINT_MAX: [p for p in profiles if p.purpose == CHARGE_POINT_MAX],
    }


def limit_at(profiles, view: ConnectorView, t: datetime, voltage_v: float, *,
             purposes=(TX, TX_DEFAULT, CHARGE_POINT_MAX)) -> tuple[float | None, int]:
    """(amps per phase or None, phases) in force at t for this connector."""
    limit, phases, _ = deciding(profiles, view, t, voltage_v, purposes=purposes)
    return limit, phases


def deciding(profiles, view: ConnectorView, t: datetime, voltage_v: float, *,
             purposes=(TX, TX_DEFAULT, CHARGE_POINT_MAX)) -> tuple[float | None, int, Profile | None]:
    """limit_at, with the profile whose period sets the limit (for saying why)."""
    groups = relevant(profiles, view)
    tx_start = view.tx_start
    limits = []
    phases = view.phases_in_use
    session = top_of_stack(groups[TX], t, tx_start) if TX in purposes and tx_start is not None else None
    if session is None and TX_DEFAULT in purposes:
        session = top_of_stack(groups[TX_DEFAULT], t, tx_start)
    for found in (session, top_of_stack(groups[CHARGE_POINT_MAX], t, tx_start) if CHARGE_POINT_MAX in purposes
                  else None):
        if found is not None:
            amps, phases = to_amps(found[1], found[0].schedule.unit, voltage_v, view.phases_in_use)
            limits.append((amps, found[0]))
    if not limits:
        return None, phases, None
    amps, profile = min(limits, key=lambda x: x[0])
    return amps, phases, profile


def composite(profiles, view: ConnectorView, t0: datetime, duration_s: int, voltage_v: float,
              purposes=(TX, TX_DEFAULT, CHARGE_POINT_MAX)) -> list[Segment]:
    """The limit over [t0, t0 + duration) as constant stretches, equal neighbours merged."""
    t1 = t0 + timedelta(seconds=duration_s)
    tx_start = view.tx_start or t0  # a relative profile asked about before a transaction starts now
    view = ConnectorView(view.connector_id, view.transaction_id, tx_start, view.phases_in_use)
    edges = {t0, t1}
    for group in relevant(profiles, view).values():
        for profile in group:
            edges |= profile.edges(t0, t1, tx_start)
    times = sorted(edges)
    segments: list[Segment] = []
    for start, end in zip(times, times[1:]):
        limit, phases = limit_at(profiles, view, start, voltage_v, purposes=purposes)
        if segments and segments[-1].limit_a == limit and segments[-1].phases == phases:
            segments[-1] = Segment(segments[-1].start, end, limit, phases)
        else:
            segments.append(Segment(start, end, limit, phases))
    return segments
