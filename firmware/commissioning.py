"""The self-test from the installer's page, on a running controller.

The safety loop and the self-test both drive the pilot and the contactors, so
they never run together: with no session and nothing plugged, the loop stops
(every contactor open), the self-test runs in a worker thread over the same
HAL, its table is kept in the data directory, and the controller restarts
itself so that everything starts from a clean state. The page shows the
table after the restart; while anything is plugged or charging it says why
it will not run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from firmware.core.iec61851.pilot import CPState
from firmware.selftest import FAIL, SelfTest

log = logging.getLogger(__name__)

RESULT = "selftest.json"


class Commissioning:
    def __init__(self, *, board, hal, station, data_dir, restart):
        self.board = board
        self.hal = hal
        self.station = station
        self.path = Path(data_dir) / RESULT
        self.restart = restart  # after the test: a clean start of everything
        self.running = False

    def refusal(self) -> str | None:
        """Why the self-test cannot run now, in words for the page; None when it can."""
        if self.running:
            return "the self-test is already running"
        for cid, connector in sorted(self.station.connectors.items()):
            if connector.session is not None:
                return f"connector {cid}: a charging session is running; end it first"
            if connector.cp != CPState.A:
                return f"connector {cid}: a vehicle or cable is plugged in (pilot state {connector.cp.value}); unplug it"
        return None

    async def run(self) -> None:
        self.running = True
        log.warning("self-test requested on the web page: the safety loop stops, the charger restarts afterwards")
        self.station.stop()  # every contactor open, the loop no longer drives the outputs
        try:
            rows = await asyncio.to_thread(SelfTest(self.board, self.hal).run)
            self.path.write_text(json.dumps({"at": datetime.now(timezone.utc).isoformat(),
                                             "passed": not any(r.result == FAIL for r in rows),
                                             "rows": [asdict(r) for r in rows]}))
            log.warning("self-test done: %s", "all passed" if not any(r.result == FAIL for r in rows)
                        else "some checks FAILED (see the web page)")
        except Exception:
            log.exception("the self-test broke off")
        finally:
            await self.restart()

    def last(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
