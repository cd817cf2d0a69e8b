"""One websocket connection's life, the same for both OCPP versions.

The reader starts first (a CSMS may call us before our BootNotification is
answered); the boot races it, so a link that dies mid-boot ends the connection
at once. After an accepted boot the version's workers run (heartbeats,
statuses, the two outbox lanes). The first of them to end ends the connection:
a crash is logged with its traceback and the link is re-established on
purpose; the teardown cancels every task until it has really ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from firmware.ocpp.connection import LINK_ERRORS
from firmware.tasks import cancel_and_wait

log = logging.getLogger(__name__)


async def serve(cp, boot: Callable[[asyncio.Task], Awaitable[bool]],
                workers: Callable[[], dict[str, Awaitable]]) -> None:
    """`boot(reader)` -> accepted; `workers()` -> {name: coroutine} to run once it is."""
    reader = asyncio.create_task(cp.start(), name="ocpp-reader")
    tasks: list[asyncio.Task] = []
    try:
        booting = asyncio.create_task(boot(reader), name="boot")
        tasks = [booting]
        await asyncio.wait([reader, booting], return_when=asyncio.FIRST_COMPLETED)
        if booting.done() and not booting.cancelled() and booting.exception() is None and booting.result():
            tasks += [asyncio.create_task(coro, name=name) for name, coro in workers().items()]
        running = [t for t in tasks if not t.done()]
        done, _ = await asyncio.wait([reader, *running], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = None if task.cancelled() else task.exception()
            if exc is not None and not isinstance(exc, LINK_ERRORS):
                log.error("OCPP %s failed; reconnecting on purpose", task.get_name(), exc_info=exc)
    finally:
        await cancel_and_wait([*tasks, reader])
