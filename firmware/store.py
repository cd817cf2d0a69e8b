"""Everything the controller persists, in one SQLite database (WAL).

Settings (CSMS URL, configuration keys, availability), the transaction-message
outbox and the local->CSMS transaction id map. Writes are durable
(synchronous=FULL) before they are acknowledged to anyone. Used from the
asyncio side only; the safety core never touches it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    local_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transaction_ids (local_id TEXT PRIMARY KEY, transaction_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS auth_cache (
    id_tag TEXT PRIMARY KEY, status TEXT NOT NULL, parent_id_tag TEXT, expiry TEXT, used_at REAL NOT NULL
);
"""


class Store:
    def __init__(self, data_dir: str | Path):
        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.dir / "evse.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # ---- settings -------------------------------------------------------
    def get(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    # ---- outbox ---------------------------------------------------------
    def outbox_push(self, action: str, payload: dict, local_id: str | None) -> int:
        cur = self.db.execute(
            "INSERT INTO outbox (action, payload, local_id) VALUES (?, ?, ?)",
            (action, json.dumps(payload), local_id),
        )
        return cur.lastrowid

    def outbox_head(self) -> tuple[int, str, dict, str | None, int] | None:
        row = self.db.execute(
            "SELECT seq, action, payload, local_id, attempts FROM outbox ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return row[0], row[1], json.loads(row[2]), row[3], row[4]

    def outbox_done(self, seq: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def outbox_attempted(self, seq: int) -> None:
        self.db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", (seq,))

    def outbox_len(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    # ---- transaction ids ------------------------------------------------
    def set_transaction_id(self, local_id: str, transaction_id: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO transaction_ids (local_id, transaction_id) VALUES (?, ?)",
            (local_id, transaction_id),
        )

    def transaction_id(self, local_id: str) -> int | None:
        row = self.db.execute(
            "SELECT transaction_id FROM transaction_ids WHERE local_id = ?", (local_id,)
        ).fetchone()
        return None if row is None else row[0]

    def local_id_of(self, transaction_id: int) -> str | None:
        row = self.db.execute(
            "SELECT local_id FROM transaction_ids WHERE transaction_id = ? ORDER BY rowid DESC LIMIT 1",
            (transaction_id,),
        ).fetchone()
        return None if row is None else row[0]
