"""The operator of the CSMS, for the steps only they can do (a remote start, a profile, a reset, an
update): asked on the terminal, waited for with a timeout, recorded as it arrived. With no
terminal on standard input (or `--operator absent`) those steps are skipped as "no operator";
a line "skip" on standard input skips the step asked for, with that reason."""

from __future__ import annotations

import asyncio
import sys
import threading


class Operator:
    def __init__(self, present: bool, out=sys.stdout):
        self.present = present
        self.out = out
        self._lines: asyncio.Queue | None = None

    def _reader(self) -> asyncio.Queue:
        if self._lines is None:
            loop, self._lines = asyncio.get_running_loop(), asyncio.Queue()
            queue = self._lines

            def read():
                for line in sys.stdin:
                    loop.call_soon_threadsafe(queue.put_nowait, line.strip())
            threading.Thread(target=read, daemon=True, name="operator input").start()
        return self._lines

    async def ask(self, text: str, done, timeout: float, who: str = "OPERATOR") -> str:
        """'done' when `done()` (a coroutine function) became true, 'skipped' on a "skip" line, 'timeout'."""
        print(f"{who}: {text} (waiting up to {timeout:.0f} s; type skip to skip)", file=self.out, flush=True)
        lines = self._reader()
        end = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < end:
            if await done():
                return "done"
            try:
                if (await asyncio.wait_for(lines.get(), 0.5)).lower() == "skip":
                    return "skipped"
            except asyncio.TimeoutError:
                pass
        return "timeout"
