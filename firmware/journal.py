"""The session journal: every session that has a transaction, until it is closed.

A row is written in the same SQLite transaction that queues its
StartTransaction, before the contactor may close, and deleted in the same one
that queues its StopTransaction. A row still present at boot is a session the
process or the power died in. `last_alive` and `last_energy_wh` are refreshed
while it runs, so an interrupted session ends at a sane time even when the
board boots without a correct clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    local_id TEXT PRIMARY KEY,
    connector_id INTEGER NOT NULL,
    id_tag TEXT NOT NULL,
    started_at TEXT NOT NULL,
    meter_start_wh REAL NOT NULL,
    last_alive TEXT NOT NULL,
    last_energy_wh REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Interrupted:
    local_id: str
    connector_id: int
    id_tag: str
    started_at: datetime
    meter_start_wh: float
    last_alive: datetime
    last_energy_wh: float


class SessionJournal:
    def __init__(self, store, history=None):
        self._store = store
        self._db = store.db
        self._history = history
        store.ensure(SCHEMA)

    def open(self, session) -> None:
        with self._store.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session.local_id, session.connector_id, session.id_tag, session.started_at.isoformat(),
                 session.meter_start_wh, session.started_at.astimezone(timezone.utc).isoformat(),
                 session.meter_start_wh),
            )
            if self._history is not None:
                self._history.sample(session.local_id, session.started_at, session.meter_start_wh or 0.0, None)

    def sample(self, local_id: str, at: datetime, energy_wh: float, power_w: float | None) -> None:
        """A running session's meter, kept for the owner's history (and the export)."""
        if self._history is not None:
            with self._store.transaction(durable=False):
                self._history.sample(local_id, at, energy_wh, power_w)

    def touch(self, local_id: str, alive: datetime, energy_wh: float) -> None:
        """Later and more, never earlier or less: a power-loss stop comes after all that was sent."""
        with self._store.transaction(durable=False):
            self._db.execute(
                "UPDATE sessions SET last_alive = MAX(last_alive, ?), last_energy_wh = MAX(last_energy_wh, ?) "
                "WHERE local_id = ?",
                (alive.astimezone(timezone.utc).isoformat(), energy_wh, local_id),
            )

    def last_alive(self, local_id: str) -> datetime | None:
        row = self._db.execute("SELECT last_alive FROM sessions WHERE local_id = ?", (local_id,)).fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    def close(self, session) -> None:
        """The session leaves the journal for the history in one step: never in both, never in neither."""
        with self._store.transaction():
            self._db.execute("DELETE FROM sessions WHERE local_id = ?", (session.local_id,))
            if self._history is not None:
                self._history.add(session)

    def interrupted(self) -> list[Interrupted]:
        rows = self._db.execute(
            "SELECT local_id, connector_id, id_tag, started_at, meter_start_wh, last_alive, last_energy_wh "
            "FROM sessions ORDER BY started_at"
        ).fetchall()
        return [
            Interrupted(r[0], r[1], r[2], datetime.fromisoformat(r[3]), r[4], datetime.fromisoformat(r[5]), r[6])
            for r in rows
        ]
