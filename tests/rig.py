"""A charger on the mock bench, ticked by hand: no threads, no sleeps."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

from firmware.clock import WallClock
from firmware.config import load_board
from firmware.station import Station
from hal.mock import create_mock_hal

ROOT = Path(__file__).resolve().parents[1]


class Rig:
    def __init__(self, board: str = "bench.toml", **overrides):
        self.board = dataclasses.replace(load_board(ROOT / "board-configs" / board), **overrides)
        self.events: list = []
        self.hal = create_mock_hal(self.board, wake=lambda: None)
        bus = SimpleNamespace(publish_threadsafe=self.events.append)
        self.station = Station(self.board, self.hal, bus, WallClock())
        self.now = 1000.0

    def tick(self, n: int = 1, dt: float = 0.02) -> None:
        for _ in range(n):
            self.now += dt
            self.station.loop.tick_once(self.now)

    def wire(self, cid: int = 1):
        return self.hal.bench.connectors[cid]

    def conn(self, cid: int = 1):
        return self.station.connectors[cid]

    def ev(self, state: str, cid: int = 1, **kw) -> None:
        self.wire(cid).set_ev(state=state, **kw)
        self.tick()

    def authorize(self, tag: str = "TAG", cid: int = 1) -> bool:
        ok = self.conn(cid).grant(tag, self.now)
        self.tick()
        return ok

    def record_meter_start(self, cid: int = 1, wh: float = 0.0) -> None:
        session = self.conn(cid).session
        self.conn(cid).set_meter_start(session.local_id, wh)
        self.tick()

    def charge(self, cid: int = 1) -> None:
        """Plug, authorize, meter start, ask for energy: contactor closed."""
        self.ev("B", cid)
        self.authorize(cid=cid)
        self.record_meter_start(cid)
        self.ev("C", cid)
        assert self.wire(cid).contactor_cmd, "the rig failed to start charging"

    def ended(self):
        from firmware.events import SessionEnded

        return [e.session for e in self.events if isinstance(e, SessionEnded)]
