"""TransactionEvent (OCPP 2.0.1 E01-E15): Started, Updated, Ended, each written to the outbox
before it is sent, with the transaction's UUID and a seqNo counted from 0 without gaps.

A transaction has a key (the session's id when a session of the model carries
it, a fresh one when it starts before any session: TxStartPoint EVConnected or
Authorized) and may be linked to the session that runs in it. The seqNo
counter lives in SQLite and moves in the same SQLite transaction as the message
it numbers, so a kill -9 between the two can neither skip nor repeat a number;
a transaction not yet Ended is found again after a restart.
"""

from __future__ import annotations

import uuid

from firmware.clock import iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions201 (
    local_id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL,
    seq_no INTEGER NOT NULL,
    evse INTEGER NOT NULL DEFAULT 0,
    session_id TEXT,
    ended INTEGER NOT NULL DEFAULT 0
);
"""


class Transactions201:
    def __init__(self, store, outbox, online):
        self._store = store
        self._db = store.db
        self._outbox = outbox
        self._online = online  # () -> bool: an event queued while offline says so
        self._last_at: dict = {}  # key -> the timestamp of the event queued last
        store.ensure(SCHEMA)

    def transaction_id(self, key: str) -> str | None:
        """The UUID of the transaction with this key, or of the one this session runs in."""
        row = self._db.execute("SELECT transaction_id FROM transactions201 WHERE local_id = ? OR session_id = ? "
                               "ORDER BY rowid DESC LIMIT 1", (key, key)).fetchone()
        return None if row is None else row[0]

    def session_of(self, key: str) -> str | None:
        """The session running in the transaction with this key, if one does."""
        row = self._db.execute("SELECT session_id FROM transactions201 WHERE local_id = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def key_of_session(self, session_id: str) -> str | None:
        row = self._db.execute("SELECT local_id FROM transactions201 WHERE session_id = ? AND ended = 0 "
                               "ORDER BY rowid DESC LIMIT 1", (session_id,)).fetchone()
        return None if row is None else row[0]

    def open_without_session(self) -> list[tuple[str, int]]:
        """(key, EVSE) of transactions not Ended that no session carries (to end after a restart)."""
        return self._db.execute("SELECT local_id, evse FROM transactions201 WHERE ended = 0 AND session_id IS NULL"
                                ).fetchall()

    def link(self, key: str, session_id: str | None) -> None:
        """The session `session_id` runs in this transaction (None: no longer)."""
        with self._store.transaction():
            self._db.execute("UPDATE transactions201 SET session_id = ? WHERE local_id = ?", (session_id, key))
            if session_id is not None:
                tx = self.transaction_id(key)
                self._db.execute("INSERT OR REPLACE INTO transaction_ids VALUES (?, ?)", (session_id, tx))

    def event(self, kind: str, key: str, evse: int, trigger: str, at, info: dict | None = None,
              extra: dict | None = None, session_id: str | None = None) -> None:
        """Queue one TransactionEvent (kind Started, Updated or Ended) of the transaction `key`.

        Timestamps never go back within a transaction: an event whose moment was read
        before the one queued last (a session's end reading, queued after the charging
        state it caused) takes that event's time, so a CSMS billing by time sees order."""
        at = max(at, self._last_at.get(key, at))
        self._last_at[key] = at
        if kind == "Ended":
            self._last_at.pop(key, None)
        with self._store.transaction():
            tx, seq = self._next(key, evse, session_id)
            payload = {
                "eventType": kind, "timestamp": iso(at), "triggerReason": trigger, "seqNo": seq,
                "transactionInfo": {"transactionId": tx, **(info or {})},
                "evse": {"id": evse, "connectorId": 1},
                **(extra or {}),
            }
            if not self._online():
                payload["offline"] = True
            self._outbox.push("TransactionEvent", payload, key)
            if kind == "Started":
                self._db.execute("INSERT OR REPLACE INTO transaction_ids VALUES (?, ?)", (key, tx))
            elif kind == "Ended":
                self._db.execute("UPDATE transactions201 SET ended = 1 WHERE local_id = ?", (key,))

    def _next(self, key: str, evse: int, session_id: str | None) -> tuple[str, int]:
        row = self._db.execute("SELECT transaction_id, seq_no FROM transactions201 WHERE local_id = ?",
                               (key,)).fetchone()
        if row is None:
            tx = str(uuid.uuid4())
            self._db.execute("INSERT INTO transactions201 (local_id, transaction_id, seq_no, evse, session_id) "
                             "VALUES (?, ?, 1, ?, ?)", (key, tx, evse, session_id))
            return tx, 0
        self._db.execute("UPDATE transactions201 SET seq_no = seq_no + 1 WHERE local_id = ?", (key,))
        return row[0], row[1]


def new_key() -> str:
    return "tx-" + uuid.uuid4().hex
