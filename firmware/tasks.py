"""Background tasks that are owned: none is silently lost.

asyncio keeps only a weak reference to a task and reports a crash, if at all,
when the task is garbage-collected. Every task the controller starts goes
through here instead: `Tasks.spawn` keeps it and logs a crash with its
traceback the moment it happens; `supervised` runs a service loop again after
a crash, with a growing pause, so one bad input cannot switch a service off
for the rest of the process's life.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

RESTART_FIRST_S = 1.0
RESTART_MAX_S = 30.0


def owned(coro: Awaitable, name: str) -> asyncio.Task:
    """A task whose crash is logged when it happens; the caller keeps the reference."""
    task = asyncio.ensure_future(coro)
    task.set_name(name)
    task.add_done_callback(_log_crash)
    return task


def _log_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())


async def cancel_and_wait(tasks, grace_s: float = 0.5, rounds: int = 20) -> None:
    """Cancel tasks and wait until they have ended, cancelling again as needed.

    On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives
    just as the awaited thing completes (CPython gh-86296); the task then
    carries on, and a plain gather after cancel() waits for ever. That froze
    the CSMS link after an uplink cut now and then.
    """
    tasks = [t for t in tasks if t is not None]
    pending = set(tasks)
    for _ in range(rounds):
        pending = {t for t in pending if not t.done()}
        if not pending:
            break
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=grace_s)
    else:
        log.error("tasks %s refuse to end", ", ".join(t.get_name() for t in pending if not t.done()))
    for task in tasks:  # the caller has looked at what it needed; the rest ended with the link
        if task.done() and not task.cancelled():
            task.exception()


class Tasks:
    """A set of fire-and-forget tasks that are kept until they end."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Awaitable, name: str) -> asyncio.Task:
        task = owned(coro, name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        await cancel_and_wait(list(self._tasks))


async def supervised(name: str, start: Callable[[], Awaitable], sleep=asyncio.sleep) -> None:
    """Run `start()` until it returns: after a crash, log it and start it again."""
    pause = RESTART_FIRST_S
    while True:
        began = asyncio.get_running_loop().time()
        try:
            await start()
            return  # done with its work (some services have nothing to do on this board)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("service %s crashed; starting it again in %.0f s", name, pause)
        if asyncio.get_running_loop().time() - began > RESTART_MAX_S:
            pause = RESTART_FIRST_S  # it ran well for a while: a new crash is a new story
        await sleep(pause)
        pause = min(pause * 2, RESTART_MAX_S)
