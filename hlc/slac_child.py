"""SLAC (ISO 15118-3) on the charger's HomePlug Green PHY modem, through `pyslac`, as a process of its own:

    python -m hlc.slac_child --socket PATH --iface IFACE [--evse-id ID]

It runs in .venv-slac (pyslac pins an `environs` that iso15118's cannot share) and is the only part of
the charger that needs CAP_NET_RAW (its raw Ethernet socket): on the board a systemd unit of its own
gives it that capability (systemd/evse-slac@.service), never the controller's service. It connects to
the controller's socket for this connector (hlc.protocol: "pilot" in, "slac" out), starts matching when
the pilot shows a plugged EV, and says when the EV is matched; the SECC then meets the EV on the same
interface. The safety core never waits on it: a dead or slow SLAC child only means no EV is matched.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from pyslac.enums import STATE_MATCHED, Timers
from pyslac.environment import Config
from pyslac.session import SlacEvseSession, SlacSessionController

from hlc import protocol as p

log = logging.getLogger("hlc.slac")

MODEM_RETRY_S = 5.0  # a modem that did not take the network key (CM_SET_KEY) is asked again this often
CONNECT_TRIES = 150  # the controller's socket, looked for every 0.2 s: 30 s, then the process ends


class Matching(SlacSessionController):
    """pyslac's session control, reporting each step to the controller instead of only logging it."""

    def __init__(self, report):
        super().__init__()
        self.report = report

    async def notify_matching_ongoing(self, evse_id: str):
        self.report("matching")

    async def notify_matching_failed(self, evse_id: str):
        self.report("failed", detail="no match after pyslac's retries")

    async def start_matching(self, slac_session, number_of_retries=3) -> None:
        """pyslac lets a timeout (no EV within TT_EVSE_SLAC_init) end its task without a word, and then
        never starts another: the controller hears "failed", and the pilot's next word (at least every
        250 ms) starts matching again while the EV is plugged at 5 %."""
        try:
            await super().start_matching(slac_session, number_of_retries)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 (pyslac raises what it likes; the link must outlive it)
            self.report("failed", detail=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        finally:
            if slac_session.matching_process_task is asyncio.current_task():
                slac_session.matching_process_task = None


class Session(SlacEvseSession):
    """One connector's modem; says "matched" the moment CM_SLAC_MATCH.CNF has gone to the EV."""

    def __init__(self, evse_id: str, iface: str, config: Config, report):
        super().__init__(evse_id, iface, config)
        self.report = report

    def reset(self):
        """pyslac's reset (on an unplug, and after failed matching) also forgets the charger's own MAC,
        and every later frame would go out without a source: the MAC stays."""
        mac = self.evse_mac
        super().reset()
        self.evse_mac = mac

    async def cm_slac_match(self):
        await super().cm_slac_match()
        if self.state == STATE_MATCHED:
            self.report("matched", ev_mac=self.pev_mac.hex(":"))


class SlacChild:
    def __init__(self, writer: asyncio.StreamWriter, iface: str, evse_id: str, init_timeout_s: float):
        self.writer, self.iface, self.evse_id = writer, iface, evse_id
        self.init_timeout_s = init_timeout_s
        self.state, self.fields = "starting", {}  # until the modem took its key
        self.control = Matching(self.report)
        self.session: Session | None = None
        self.pilot = "A"

    def report(self, state: str, **fields) -> None:
        if state != self.state:
            log.info("SLAC on %s: %s %s", self.iface, state.replace("_", " "), fields or "")
        self.state, self.fields = state, fields
        self.writer.write(p.encode("slac", state=state, **fields))

    async def ready_modem(self) -> None:
        """CM_SET_KEY.REQ: the modem takes a fresh network key before any EV can join (ISO 15118-3 A.8)."""
        while self.session is None:
            try:
                session = Session(self.evse_id, self.iface, Config(slac_init_timeout=self.init_timeout_s), self.report)
                await session.evse_set_key()
                self.session = session
                self.report("unmatched")
                await self.take_pilot(self.pilot)
            except (OSError, TimeoutError, ValueError) as exc:
                self.report("no_modem", detail=f"the modem on {self.iface} did not take the network key: {exc}")
                await asyncio.sleep(MODEM_RETRY_S)

    async def take_pilot(self, state: str) -> None:
        """A, E, F end a match (the cable is out, or the charger stopped); B, C, D with the duty at 5 %
        start one when none runs (pyslac's process_cp_state)."""
        was, self.pilot = self.pilot, state
        if self.session is None:
            return
        await self.control.process_cp_state(self.session, state)
        if state == "A" and was != "A":
            self.session.reset()
            self.report("unmatched")

    async def heartbeat(self) -> None:
        while True:
            await asyncio.sleep(p.HEARTBEAT_S)
            self.writer.write(p.encode("slac", state=self.state, **self.fields))


async def connect(path: str):
    for _ in range(CONNECT_TRIES):
        try:
            return await asyncio.open_unix_connection(path, limit=p.MAX_LINE)
        except (FileNotFoundError, ConnectionRefusedError):
            await asyncio.sleep(0.2)
    raise SystemExit(f"the controller's SLAC socket {path} is not there")


async def run(socket_path: str, iface: str, evse_id: str, init_timeout_s: float) -> None:
    reader, writer = await connect(socket_path)
    child = SlacChild(writer, iface, evse_id, init_timeout_s)
    tasks = [asyncio.create_task(child.ready_modem()), asyncio.create_task(child.heartbeat())]
    try:
        while line := await reader.readline():
            try:
                message = p.decode(line)
            except p.BadLine as exc:
                log.warning("a line from the controller dropped: %s", exc)
                continue
            state = message.get("state")
            if message["type"] == "pilot" and state in ("A", "B", "C", "D", "E", "F"):
                await child.take_pilot(state if message.get("digital") or state in "AEF" else "A")
    finally:
        for task in tasks:
            task.cancel()
    log.info("the controller closed the SLAC socket")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--iface", required=True, help="the HomePlug Green PHY modem's network interface")
    parser.add_argument("--evse-id", default=os.environ.get("EVSE_ID", "evse"))
    parser.add_argument("--init-timeout-s", type=float, default=float(Timers.SLAC_INIT_TIMEOUT),
                        help="how long a plugged EV has to begin SLAC (ISO 15118-3 TT_EVSE_SLAC_init, 20 to 50 s)")
    parser.add_argument("--settle-s", type=float, default=None,
                        help="the modem's time to take a new key (pyslac: 10 s); the bench's modem needs none")
    args = parser.parse_args()
    if args.settle_s is not None:
        import pyslac.session

        pyslac.session.SLAC_SETTLE_TIME = args.settle_s
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)
    for name in ("slac_session", "async_linux_socket", "pyslac"):  # pyslac logs every sound at DEBUG
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        asyncio.run(run(args.socket, args.iface, args.evse_id, args.init_timeout_s))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
