"""The transaction-message outbox: persistent, ordered, removed only on confirmation.

Start, stop and meter-value messages of transactions are written to SQLite
before anything is sent, each with the OCPP-J message id it will always be
sent with: a resend after a crash or a lost link reuses it, so a CSMS can tell
a retransmission from a new message. The sender takes the oldest, sends it,
and deletes it only when the CSMS answered with a CALLRESULT. A CALLERROR
counts as an attempt (TransactionMessageAttempts, TransactionMessageRetryInterval);
after the last attempt the message is dropped with an error in the log, since
the CSMS has refused it for good. A timeout or lost link is no attempt: the
message waits for the next connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

from ocpp.exceptions import OCPPError

log = logging.getLogger(__name__)

FINAL_ERRORS = ("NotImplemented", "NotSupported")

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    local_id TEXT,
    msg_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transaction_ids (local_id TEXT PRIMARY KEY, transaction_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS transaction_ids_by_id ON transaction_ids (transaction_id);
"""


class Outbox:
    def __init__(self, store, attempts, retry_interval_s):
        self._store = store
        self._db = store.db
        store.ensure(SCHEMA)
        self._attempts = attempts  # callables, so a CSMS change applies at once
        self._retry_interval_s = retry_interval_s
        self._kick = asyncio.Event()
        self.idle = asyncio.Event()

    def push(self, action: str, payload: dict, local_id: str | None) -> None:
        """Queue durably (joins the caller's transaction when there is one)."""
        with self._store.transaction():
            self._db.execute(
                "INSERT INTO outbox (action, payload, local_id, msg_id) VALUES (?, ?, ?, ?)",
                (action, json.dumps(payload), local_id, str(uuid.uuid4())),
            )
        self.idle.clear()
        self._kick.set()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def head(self):
        row = self._db.execute(
            "SELECT seq, action, payload, local_id, msg_id, attempts FROM outbox ORDER BY seq LIMIT 1"
        ).fetchone()
        return None if row is None else (row[0], row[1], json.loads(row[2]), row[3], row[4], row[5])

    # ---- transaction ids ------------------------------------------------
    def transaction_id(self, local_id: str) -> int | None:
        row = self._db.execute("SELECT transaction_id FROM transaction_ids WHERE local_id = ?", (local_id,)).fetchone()
        return None if row is None else row[0]

    def local_id_of(self, transaction_id: int) -> str | None:
        row = self._db.execute(
            "SELECT local_id FROM transaction_ids WHERE transaction_id = ? ORDER BY rowid DESC LIMIT 1",
            (transaction_id,),
        ).fetchone()
        return None if row is None else row[0]

    # ---- sending --------------------------------------------------------
    async def drain(self, send, prepare, confirmed) -> None:
        """Send until empty, then wait for more.

        `prepare(action, payload, local_id)` fills in what is known only at send
        time (the CSMS's transaction id); `send(action, payload, msg_id)` returns
        the answer; `confirmed(action, payload, answer, local_id)` returns the CSMS's
        transaction id to remember (StartTransaction) and runs before the row goes.
        """
        while True:
            head = self.head()
            if head is None:
                self.idle.set()
                self._kick.clear()
                await self._kick.wait()
                continue
            seq, action, payload, local_id, msg_id, attempts = head
            payload = prepare(action, payload, local_id)
            try:
                answer = await send(action, payload, msg_id)
            except OCPPError as error:
                await self._rejected(seq, action, attempts, error)
                continue
            except asyncio.TimeoutError:
                log.warning("outbox: %s #%s timed out; resending", action, seq)
                continue
            transaction_id = confirmed(action, payload, answer, local_id)
            with self._store.transaction(durable=False):  # a lost delete only means a resend
                if transaction_id is not None:
                    self._db.execute("INSERT OR REPLACE INTO transaction_ids VALUES (?, ?)", (local_id, transaction_id))
                self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    async def _rejected(self, seq, action, attempts, error) -> None:
        self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", (seq,))
        if error.code in FINAL_ERRORS:  # e.g. a CSMS without the security extension: asking again changes nothing
            log.warning("outbox: %s #%s not supported by the CSMS (%s); dropped", action, seq, error.code)
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            return
        if attempts + 1 >= self._attempts():
            log.error("outbox: %s #%s refused %s times (%s); dropped", action, seq, attempts + 1, error.code)
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            return
        delay = self._retry_interval_s() * (attempts + 1)
        log.warning("outbox: %s #%s refused (%s); retry in %ss", action, seq, error.code, delay)
        await asyncio.sleep(delay)

    async def wait_empty(self, timeout: float) -> bool:
        if len(self) == 0:
            return True
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
