"""Shares one supply among the connectors: priorities first, then equal shares.

Water-filling within each priority level: every connector that wants current
gets an equal share, except that none gets more than it can take (its own
limits) or seems to need (its EV draws less than offered); what they leave
goes to the others. A share under 6 A cannot charge (IEC 61851-1 Table A.8),
so the lowest-priority such connector is paused and the rest shared again;
among equals, the one whose turn it is (`pause_turn`, rotated by the load
manager so that no car waits forever). A connector without a session is given what it would get if it
started now, so a new session begins at a sensible offer before the next
round rebalances the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.core.iec61851.pilot import MIN_CURRENT_A


@dataclass(frozen=True)
class Demand:
    connector_id: int
    cap_a: float  # what this connector may take at most, its own limits
    active: bool  # a session is running and wants current
    need_a: float | None = None  # what its EV seems to take; None: as much as it may
    priority: int = 0
    pause_turn: int = 0  # among equal priorities, the highest pauses first


def share(budget_a: float | None, demands: list[Demand]) -> dict[int, float | None]:
    """Amps per connector; None for every connector when there is no budget to share."""
    if budget_a is None:
        return {d.connector_id: None for d in demands}
    active = [d for d in demands if d.active]
    result = _fill(max(0.0, budget_a), active)
    for d in demands:
        if not d.active:
            joining = Demand(d.connector_id, d.cap_a, True, None, d.priority, d.pause_turn)
            result[d.connector_id] = _fill(max(0.0, budget_a), active + [joining])[d.connector_id]
    return result


def _fill(budget: float, demands: list[Demand]) -> dict[int, float]:
    playing = list(demands)
    while True:
        result = _water(budget, playing)
        starved = [d for d in playing if result[d.connector_id] < MIN_CURRENT_A]
        if not starved:
            break
        drop = min(starved, key=lambda d: (d.priority, -d.pause_turn, -d.connector_id))
        playing.remove(drop)
    out = {d.connector_id: 0.0 for d in demands}
    out.update(result)
    return out


def _water(budget: float, demands: list[Demand]) -> dict[int, float]:
    result: dict[int, float] = {}
    remaining = budget
    for level in sorted({d.priority for d in demands}, reverse=True):
        wants = {d.connector_id: min(d.cap_a, d.need_a if d.need_a is not None else d.cap_a)
                 for d in demands if d.priority == level}
        while wants:
            each = remaining / len(wants)
            satisfied = {cid: w for cid, w in wants.items() if w <= each}
            if not satisfied:
                result.update({cid: each for cid in wants})
                remaining = 0.0
                break
            for cid, w in satisfied.items():
                result[cid] = w
                remaining -= w
                del wants[cid]
    return result
