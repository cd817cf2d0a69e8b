"""The outbox: persistent, ordered, removed only on confirmation, in two lanes.

Every message that must not be lost is written to SQLite before anything is
sent, each with the OCPP-J message id it will always be sent with: a resend
after a crash or a lost link reuses it, so a CSMS can tell a retransmission
from a new message. Each lane's sender takes its oldest message, sends it, and
deletes it only when the CSMS answered with a CALLRESULT. A timeout or lost
link is no attempt: the message waits for the next connection.

Two lanes, so nothing holds billing back (OCPP 1.6 section 4.7):
- the transaction lane: StartTransaction, StopTransaction and the MeterValues
  of a transaction, strictly in order. A CALLERROR of any kind, or an answer
  that breaks the schema, is a failed attempt; after TransactionMessageAttempts
  tries (TransactionMessageRetryInterval times the attempt number apart) the
  message is set aside: moved to `outbox_set_aside` with the reason, kept for
  the operator and the export, never deleted, and the lane moves on.
- the notification lane: security events, firmware, diagnostics and log
  statuses, meter values outside transactions. A CALLERROR drops the message
  after its attempts (at once for NotImplemented/NotSupported: asking again
  changes nothing), and its waits never delay the transaction lane.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timezone

from ocpp.exceptions import OCPPError

log = logging.getLogger(__name__)

TRANSACTIONS, NOTIFICATIONS = 0, 1
TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction")
FINAL_ERRORS = ("NotImplemented", "NotSupported")

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    local_id TEXT,
    msg_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lane INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_by_lane ON outbox (lane, seq);
CREATE TABLE IF NOT EXISTS transaction_ids (local_id TEXT PRIMARY KEY, transaction_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transaction_ids_by_id ON transaction_ids (transaction_id);
CREATE TABLE IF NOT EXISTS outbox_set_aside (
    seq INTEGER PRIMARY KEY,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    local_id TEXT,
    msg_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);
"""


def lane_of(action: str, local_id: str | None) -> int:
    return TRANSACTIONS if local_id is not None or action in TRANSACTION_ACTIONS else NOTIFICATIONS


class Outbox:
    def __init__(self, store, attempts, retry_interval_s, on_set_aside=None, link_errors=(ConnectionError,)):
        self._store = store
        self._db = store.db
        store.ensure(SCHEMA)  # an older outbox got its lanes from firmware.migrations
        self._attempts = attempts  # callables, so a CSMS change applies at once
        self._retry_interval_s = retry_interval_s
        self._on_set_aside = on_set_aside or (lambda action, payload, local_id, reason: None)
        self._link_errors = link_errors  # the link is gone: no attempt, the message waits
        self._kick = {TRANSACTIONS: asyncio.Event(), NOTIFICATIONS: asyncio.Event()}
        self.idle = asyncio.Event()

    def push(self, action: str, payload: dict, local_id: str | None) -> None:
        """Queue durably (joins the caller's transaction when there is one)."""
        lane = lane_of(action, local_id)
        with self._store.transaction():
            self._db.execute(
                "INSERT INTO outbox (action, payload, local_id, msg_id, lane) VALUES (?, ?, ?, ?, ?)",
                (action, json.dumps(payload), local_id, str(uuid.uuid4()), lane),
            )
        self.idle.clear()
        self._kick[lane].set()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def head(self, lane: int = TRANSACTIONS):
        row = self._db.execute(
            "SELECT seq, action, payload, local_id, msg_id, attempts FROM outbox WHERE lane = ? ORDER BY seq LIMIT 1",
            (lane,),
        ).fetchone()
        return None if row is None else (row[0], row[1], json.loads(row[2]), row[3], row[4], row[5])

    def pending(self, action: str) -> list[dict]:
        """The payloads of `action` still waiting to be confirmed (GetTransactionStatus)."""
        rows = self._db.execute("SELECT payload FROM outbox WHERE action = ? ORDER BY seq", (action,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def set_aside_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox_set_aside").fetchone()[0]

    def set_aside(self) -> list[dict]:
        """Messages the CSMS refused for good, oldest first, with why."""
        rows = self._db.execute(
            "SELECT action, payload, local_id, msg_id, attempts, reason, set_aside_at FROM outbox_set_aside ORDER BY seq"
        ).fetchall()
        keys = ("action", "payload", "local_id", "msg_id", "attempts", "reason", "set_aside_at")
        return [dict(zip(keys, (*r[:1], json.loads(r[1]), *r[2:]))) for r in rows]

    # ---- transaction ids ------------------------------------------------
    def transaction_id(self, local_id: str) -> str | None:
        row = self._db.execute("SELECT transaction_id FROM transaction_ids WHERE local_id = ?", (local_id,)).fetchone()
        return None if row is None else row[0]

    def local_id_of(self, transaction_id: str) -> str | None:
        row = self._db.execute(
            "SELECT local_id FROM transaction_ids WHERE transaction_id = ? ORDER BY rowid DESC LIMIT 1",
            (transaction_id,),
        ).fetchone()
        return None if row is None else row[0]

    # ---- sending --------------------------------------------------------
    async def drain(self, send, prepare, confirmed, lane: int = TRANSACTIONS) -> None:
        """Send one lane until empty, then wait for more.

        `prepare(action, payload, local_id)` fills in what is known only at send
        time (the CSMS's transaction id); `send(action, payload, msg_id)` returns
        the answer; `confirmed(action, payload, answer, local_id)` returns the CSMS's
        transaction id to remember (StartTransaction) and runs before the row goes.
        """
        kick = self._kick[lane]
        while True:
            head = self.head(lane)
            if head is None:
                if len(self) == 0:
                    self.idle.set()
                kick.clear()
                await kick.wait()
                continue
            seq, action, payload, local_id, msg_id, attempts = head
            payload = prepare(action, payload, local_id)
            try:
                answer = await send(action, payload, msg_id)
            except OCPPError as error:
                await self._refused(seq, lane, action, attempts, f"{error.code}: {error.description}"[:200], error.code)
                continue
            except asyncio.TimeoutError:
                log.warning("outbox: %s #%s timed out; resending", action, seq)
                continue
            except self._link_errors:
                raise
            except Exception as exc:  # our side could not send or read it: an attempt, never a stuck lane
                log.exception("outbox: sending %s #%s failed", action, seq)
                await self._refused(seq, lane, action, attempts, f"{type(exc).__name__}: {exc}"[:200], "InternalError")
                continue
            transaction_id = confirmed(action, payload, answer, local_id)
            with self._store.transaction(durable=False):  # a lost delete only means a resend
                if transaction_id is not None:
                    self._db.execute("INSERT OR REPLACE INTO transaction_ids VALUES (?, ?)",
                                     (local_id, str(transaction_id)))
                self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    async def _refused(self, seq, lane, action, attempts, reason: str, code: str) -> None:
        self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", (seq,))
        if lane == NOTIFICATIONS and code in FINAL_ERRORS:
            log.warning("outbox: %s #%s not supported by the CSMS (%s); dropped", action, seq, code)
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            return
        if attempts + 1 >= self._attempts():
            self._give_up(seq, lane, action, attempts + 1, reason)
            return
        delay = self._retry_interval_s() * (attempts + 1)
        log.warning("outbox: %s #%s refused (%s); retry in %ss", action, seq, reason, delay)
        await asyncio.sleep(delay)

    def _give_up(self, seq, lane, action, attempts, reason: str) -> None:
        if lane == NOTIFICATIONS:
            log.error("outbox: %s #%s refused %s times (%s); dropped", action, seq, attempts, reason)
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            return
        row = self._db.execute("SELECT payload, local_id, msg_id FROM outbox WHERE seq = ?", (seq,)).fetchone()
        with self._store.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO outbox_set_aside VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, action, row[0], row[1], row[2], attempts, reason, datetime.now(timezone.utc).isoformat()))
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
        log.error("outbox: %s #%s of transaction %s refused %s times (%s); set aside in the data directory "
                  "for the operator", action, seq, row[1], attempts, reason)
        self._on_set_aside(action, json.loads(row[0]), row[1], reason)

    async def wait_empty(self, timeout: float) -> bool:
        if len(self) == 0:
            return True
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
