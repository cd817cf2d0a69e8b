"""ISO 15118-2 smart charging in the SECC (in .venv-hlc): the charger's offered schedule as one
SAScheduleTuple of PMax entries, and the EV's ChargingProfile back in plain numbers.

The EV mirrors the offer in its ChargingProfile, at most 24 entries (ISO 15118-2 ChargingProfile),
one more than the offer's when the last entry's duration ends in a zero-power one; so at most
MAX_ENTRIES are offered, fewer if the EV's MaxEntriesSAScheduleTuple says so.
"""

from __future__ import annotations

from iso15118.shared.messages.datatypes import PVPMax
from iso15118.shared.messages.iso15118_2.datatypes import (PMaxSchedule, PMaxScheduleEntry, RelativeTimeInterval,
                                                           SAScheduleTuple)

from hlc.physical import physical

DAY_S = 86400  # V2G2-304: without a departure time the schedule covers 24 hours
MAX_ENTRIES = 23
TUPLE_ID = 1


def schedule_window(departure_s: int | None) -> int:
    """How far an offered schedule reaches: to the EV's departure, at most a day."""
    return min(departure_s or DAY_S, DAY_S)


def kept_periods(periods: list, window: int, limit: int) -> list[tuple[int, float]]:
    """The offer's periods inside the window, at most `limit` of them: cut short, the last one holds
    the lowest limit of those it stands for (never more than the charger offered)."""
    inside = [(int(s), float(w)) for s, w in periods if 0 <= s < window] or [(0, 0.0)]
    kept = inside[:limit]
    if len(inside) > limit:
        kept[-1] = (kept[-1][0], min(w for _, w in inside[limit - 1:]))
    return kept


def sa_schedules(periods: list, departure_s: int, max_entries: int | None) -> list[SAScheduleTuple]:
    """`periods`: [[start s from now, max W], ...], the first at 0 (the controller's offer)."""
    window = schedule_window(departure_s)
    kept = kept_periods(periods, window, min(MAX_ENTRIES, max_entries or MAX_ENTRIES))
    entries = []
    for i, (start, watts) in enumerate(kept):
        last = i == len(kept) - 1
        interval = RelativeTimeInterval(start=start, duration=window - start) if last else \
            RelativeTimeInterval(start=start)
        entries.append(PMaxScheduleEntry(p_max=physical(PVPMax, max(0.0, watts), "W"), time_interval=interval))
    return [SAScheduleTuple(sa_schedule_tuple_id=TUPLE_ID, p_max_schedule=PMaxSchedule(schedule_entries=entries))]


def profile_entries(profile) -> list[list]:
    """An ISO 15118-2 ChargingProfile as [[start s, max W], ...]."""
    return [[e.start, e.max_power.value * 10 ** e.max_power.multiplier] for e in profile.profile_entries]
