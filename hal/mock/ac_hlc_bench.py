"""One ISO 15118-2 AC connector of the bench (a connector with hlc_iface): the bench EV's charging
controller runs in the EV link's process (hlc/ev_child.py --ac, iso15118's EVCC) and decides the
physical things a car's does: when it switches its pilot resistor to state C (right after its
PowerDeliveryReq Start) and back to B, and how much it draws (what the charger's EVSEMaxCurrent
allows, within its own limit). It writes them to a file of its own; a thread here puts them on the
wire, as the car's hardware would, and tells the EV what the bench API says of it (plugged, which
plug-in, whether it wants to charge, its own limit, the `slac` fault).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

from hal.mock.dc_bench import bench_link_command, cars_word
from hal.mock.wire import ConnectorWire

log = logging.getLogger(__name__)

STEP_S = 0.05


class AcHlcBench:
    def __init__(self, cfg, board, wire: ConnectorWire, state_dir: Path | None):
        self.cid, self.wire, self.phases = cfg.id, wire, board.phases
        self.slac = board.mock.ev_slac
        # Plug & Charge (its certificates in PKI_PATH), and a first contract from the CSMS, as on DC
        install = ["--install-contract"] if board.mock.ev_pnc_install else []
        install += ["--update-contract"] if board.mock.ev_pnc_update else []
        self.pnc = ["--pnc", *install] if board.mock.ev_pnc else []
        folder = Path(state_dir) if state_dir is not None else Path(os.environ.get("TMPDIR", "/tmp"))
        self.plug_file = folder / f"bench-ev-{self.cid}.json"  # the bench's word to the EV
        self.ev_file = folder / f"bench-ev-{self.cid}.ev.json"  # the EV's: {"state": "B" | "C", "draw_a"}
        self._told: dict | None = None
        self._running = True
        self._thread = threading.Thread(target=self._run, name=f"bench AC EV {self.cid}", daemon=True)

    def ev_link_command(self, socket_path: str) -> list[str]:
        """The SECC and the bench car on a veth pair in a network namespace of their own (hlc/bench_link.py)."""
        return bench_link_command(socket_path, self.plug_file, self.slac, "--ac-phases", str(self.phases), *self.pnc)

    def start(self) -> None:
        self.step()
        self._thread.start()

    def close(self) -> None:
        self._running = False

    def _run(self) -> None:
        while self._running:
            try:
                self.step()
            except Exception:  # the bench must outlive a bad moment, as hardware does
                log.exception("bench AC EV %s: step failed", self.cid)
            time.sleep(STEP_S)

    def step(self) -> None:
        ev = self.wire.ev
        plugged = ev.state != "A"
        self._tell({"plugged": plugged, "plugins": self.wire.plugins, "slac_silent": "slac" in self.wire.faults,
                    "wants_charge": ev.state in ("C", "D"), "max_current_a": ev.max_current_a,
                    "renegotiate": ev.renegotiations})
        digital = self._ev_says() if plugged else None
        if digital != ev.digital:
            self.wire.set_ev(digital=digital)

    def _ev_says(self) -> dict | None:
        """What the EV's controller last wrote, None before it wrote anything for this plug-in."""
        said = cars_word(self.ev_file, self.wire.plugins)
        if said is None:
            return self.wire.ev.digital  # not yet: as it was
        state, draw = said.get("state"), said.get("draw_a")  # none in the last car's word
        if state not in ("B", "C") or not isinstance(draw, (int, float)) or isinstance(draw, bool):
            return None
        return {"state": state, "draw_a": max(0.0, float(draw))}

    def _tell(self, state: dict) -> None:
        if state == self._told:
            return
        part = self.plug_file.with_suffix(".part")
        try:
            part.write_text(json.dumps(state))
            part.replace(self.plug_file)
            self._told = state
        except OSError as exc:
            print(f"bench AC EV {self.cid}: cannot write {self.plug_file}: {exc}", file=sys.stderr)
