"""Every finished session, kept on the charger for its owner.

The CSMS is told about a session through the outbox; this is the charger's
own record of it, for the installer's page and CSV download and for the
export: it survives a change of CSMS and works with no CSMS at all. A row is
written in the same SQLite transaction that closes the session's journal
entry, so a session is either still in the journal or already here. Its meter
register is sampled every SAMPLE_S while it runs, and at its start and end
(`session_samples`): the meter values of each transaction, whatever the CSMS
was sent. A signing meter's record of the session is kept with it
(firmware.signed_records), for the page, the export and the witness sheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

from firmware.ev_receipts import EvReceipts
from firmware.signed_records import SignedRecords

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_history (
    local_id TEXT PRIMARY KEY,
    connector_id INTEGER NOT NULL,
    id_tag TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    meter_start_wh REAL NOT NULL,
    meter_stop_wh REAL NOT NULL,
    stop_reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_history_by_start ON session_history (started_at);
CREATE TABLE IF NOT EXISTS session_samples (
    local_id TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    energy_wh REAL NOT NULL,
    power_w REAL
);
CREATE INDEX IF NOT EXISTS session_samples_by_session ON session_samples (local_id, taken_at);
"""

SAMPLE_S = 60.0

COLUMNS = ("local_id", "connector_id", "id_tag", "started_at", "ended_at", "meter_start_wh", "meter_stop_wh",
           "stop_reason")


@dataclass(frozen=True)
class FinishedSession:
    local_id: str
    connector_id: int
    id_tag: str
    started_at: str  # ISO 8601 UTC
    ended_at: str
    meter_start_wh: float
    meter_stop_wh: float
    stop_reason: str

    @property
    def energy_wh(self) -> float:
        return round(self.meter_stop_wh - self.meter_start_wh, 3)

    def as_dict(self) -> dict:
        return {**asdict(self), "energy_wh": self.energy_wh}


class SessionHistory:
    def __init__(self, store):
        self._db = store.db
        store.ensure(SCHEMA)
        self.signed = SignedRecords(store)
        self.receipts = EvReceipts(store)  # ISO 15118-2 MeteringReceipt: the EV's signed word on the meter

    def add(self, session) -> None:
        """Called inside the caller's transaction (the journal's close); its last sample is its meter stop."""
        start = session.meter_start_wh or 0.0
        if session.meter_stop_wh is not None:
            self.sample(session.local_id, session.ended_at or session.started_at, session.meter_stop_wh, None)
        self._db.execute(
            "INSERT OR REPLACE INTO session_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (session.local_id, session.connector_id, session.id_tag, session.started_at.isoformat(),
             (session.ended_at or session.started_at).isoformat(), start,
             session.meter_stop_wh if session.meter_stop_wh is not None else start,
             session.stop_reason.value if session.stop_reason is not None else "Other"),
        )
        if session.signed is not None:
            self.signed.add(session.local_id, session.signed)

    def sample(self, local_id: str, taken_at, energy_wh: float, power_w: float | None) -> None:
        """One reading of a running session's meter (inside the caller's transaction, or its own)."""
        self._db.execute("INSERT INTO session_samples VALUES (?, ?, ?, ?)",
                         (local_id, taken_at.isoformat(), energy_wh, power_w))

    def samples(self, local_id: str | None = None) -> list[tuple[str, str, float, float | None]]:
        """(local_id, taken_at, energy_wh, power_w), oldest first; of one session or of all."""
        if local_id is None:
            return self._db.execute("SELECT local_id, taken_at, energy_wh, power_w FROM session_samples "
                                    "ORDER BY taken_at, rowid").fetchall()
        return self._db.execute("SELECT local_id, taken_at, energy_wh, power_w FROM session_samples WHERE "
                                "local_id = ? ORDER BY taken_at, rowid", (local_id,)).fetchall()

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM session_history").fetchone()[0]

    def page(self, page: int, per_page: int) -> list[FinishedSession]:
        """Newest first; page 0 is the newest."""
        rows = self._db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM session_history ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (per_page, page * per_page)).fetchall()
        return [FinishedSession(*r) for r in rows]

    def all(self) -> list[FinishedSession]:
        rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM session_history ORDER BY started_at").fetchall()
        return [FinishedSession(*r) for r in rows]

    def csv(self, transaction_id=lambda local_id: None) -> str:
        """Oldest first, one row per session, energy in Wh: what a spreadsheet or a billing import expects."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([*COLUMNS, "energy_wh", "transaction_id"])
        for s in self.all():
            writer.writerow([getattr(s, c) for c in COLUMNS] + [s.energy_wh, transaction_id(s.local_id) or ""])
        return out.getvalue()
