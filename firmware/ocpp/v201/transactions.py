"""TransactionEvent (OCPP 2.0.1 E01-E15): Started, Updated, Ended, each written to the outbox
before it is sent, with the transaction's UUID and a seqNo counted from 0 without gaps.

The seqNo counter lives in SQLite and moves in the same SQLite transaction as the
message it numbers, so a kill -9 between the two can neither skip nor repeat a
number. The transaction id is ours (a UUID), known from the first event on.
"""

from __future__ import annotations

import uuid

from firmware.clock import iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions201 (
    local_id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL,
    seq_no INTEGER NOT NULL
);
"""


class Transactions201:
    def __init__(self, store, outbox, online):
        self._store = store
        self._db = store.db
        self._outbox = outbox
        self._online = online  # () -> bool: an event queued while offline says so
        store.ensure(SCHEMA)

    def transaction_id(self, local_id: str) -> str | None:
        row = self._db.execute("SELECT transaction_id FROM transactions201 WHERE local_id = ?", (local_id,)).fetchone()
        return None if row is None else row[0]

    def event(self, kind: str, session, trigger: str, at, info: dict | None = None, extra: dict | None = None) -> None:
        """Queue one TransactionEvent of `session` (kind Started, Updated or Ended)."""
        with self._store.transaction():
            tx, seq = self._next(session.local_id)
            payload = {
                "eventType": kind, "timestamp": iso(at), "triggerReason": trigger, "seqNo": seq,
                "transactionInfo": {"transactionId": tx, **(info or {})},
                "evse": {"id": session.connector_id, "connectorId": 1},
                **(extra or {}),
            }
            if not self._online():
                payload["offline"] = True
            self._outbox.push("TransactionEvent", payload, session.local_id)
            if kind == "Started":
                self._db.execute("INSERT OR REPLACE INTO transaction_ids VALUES (?, ?)", (session.local_id, tx))

    def _next(self, local_id: str) -> tuple[str, int]:
        row = self._db.execute("SELECT transaction_id, seq_no FROM transactions201 WHERE local_id = ?",
                               (local_id,)).fetchone()
        if row is None:
            tx, seq = str(uuid.uuid4()), 0
            self._db.execute("INSERT INTO transactions201 VALUES (?, ?, ?)", (local_id, tx, 1))
            return tx, seq
        self._db.execute("UPDATE transactions201 SET seq_no = seq_no + 1 WHERE local_id = ?", (local_id,))
        return row[0], row[1]
