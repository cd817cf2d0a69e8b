"""The transaction-message outbox: persistent, ordered, removed only on confirmation.

Start, stop and meter-value messages of transactions are written to SQLite
before anything is sent. The sender takes the oldest, sends it, and deletes
it only when the CSMS answered with a CALLRESULT. A CALLERROR counts as an
attempt (TransactionMessageAttempts, TransactionMessageRetryInterval); after
the last attempt the message is dropped with an error in the log, since the
CSMS has rejected it for good. A timeout or lost link is no attempt: the
message waits for the next connection.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.exceptions import OCPPError

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, store, attempts, retry_interval_s):
        self._store = store
        self._attempts = attempts  # callables, so a CSMS change applies at once
        self._retry_interval_s = retry_interval_s
        self._kick = asyncio.Event()
        self.idle = asyncio.Event()

    def push(self, action: str, payload: dict, local_id: str | None) -> None:
        self._store.outbox_push(action, payload, local_id)
        self.idle.clear()
        self._kick.set()

    def __len__(self) -> int:
        return self._store.outbox_len()

    async def drain(self, send, prepare, confirmed) -> None:
        """Send until empty, then wait for more.

        `prepare(action, payload, local_id)` fills in what is known only at send
        time (the CSMS's transaction id); `send(action, payload)` returns the
        answer; `confirmed(action, answer, local_id)` runs before the row goes.
        """
        while True:
            head = self._store.outbox_head()
            if head is None:
                self.idle.set()
                self._kick.clear()
                await self._kick.wait()
                continue
            seq, action, payload, local_id, attempts = head
            payload = prepare(action, payload, local_id)
            try:
                answer = await send(action, payload)
            except OCPPError as error:
                await self._rejected(seq, action, attempts, error)
                continue
            except asyncio.TimeoutError:
                log.warning("outbox: %s #%s timed out; resending", action, seq)
                continue
            await confirmed(action, answer, local_id)
            self._store.outbox_done(seq)

    async def _rejected(self, seq, action, attempts, error) -> None:
        self._store.outbox_attempted(seq)
        if attempts + 1 >= self._attempts():
            log.error("outbox: %s #%s rejected %s times (%s); dropped", action, seq, attempts + 1, error.code)
            self._store.outbox_done(seq)
            return
        delay = self._retry_interval_s() * (attempts + 1)
        log.warning("outbox: %s #%s rejected (%s); retry in %ss", action, seq, error.code, delay)
        await asyncio.sleep(delay)

    async def wait_empty(self, timeout: float) -> bool:
        if len(self) == 0:
            return True
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
