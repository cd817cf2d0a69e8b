"""`evse demo`: a whole charging session on the bench, narrated.

Starts a built-in CSMS and the controller (mock HAL) in this process, then
drives the bench API as a driver would: plug in, present a card, charge, stop
with the card, unplug. A live status line shows the pilot, the offer, the
draw, the energy and the OCPP status; a summary checks that what the CSMS
billed is what the meter counted.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from ocpp.v16 import call
from ocpp.v201 import call as call201

from firmware.app import Controller
from firmware.bench.csms import BenchCsms
from firmware.bench.csms201 import BenchCsms201
from firmware.config import load_board
from firmware.settings import RuntimeSettings

CARD = "04A1B2C3"
CP_ID = "DEMO-CP"
# In a source tree beside the package; in an installed release under its prefix (pyproject data-files).
DEFAULT_BOARD = next((p for p in (Path(__file__).resolve().parents[2] / "board-configs" / "bench.toml",
                                  Path(sys.prefix) / "share" / "evse" / "board-configs" / "bench.toml")
                      if p.exists()), Path("board-configs") / "bench.toml")


def missing_ev_link(board) -> str | None:
    """A board whose EV talks ISO 15118 (a DC connector, an AC one with a modem) needs iso15118 in an
    environment of its own (.venv-hlc, which the test command makes): what to do when it is missing."""
    if not any(c.kind == "dc" or c.hlc_iface for c in board.connectors):
        return None
    import importlib.util

    from hal.dc.ev_link_child import hlc_command

    python = hlc_command()[2]
    if Path(python).exists() and (python != sys.executable or importlib.util.find_spec("iso15118") is not None):
        return None
    return ("this board's EV talks ISO 15118 through iso15118, which lives in an environment of its own that is "
            "not installed: python3 -m venv .venv-hlc && .venv-hlc/bin/pip install -r hlc/requirements.txt, "
            "with a Java runtime and iproute2 (bash scripts/test.sh installs them all)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Narrator:
    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.started = time.monotonic()
        self._live = False

    def step(self, text: str) -> None:
        self._end_live()
        print(f"[{time.monotonic() - self.started:5.1f}s] {text}", flush=True)

    def live(self, c: dict) -> None:
        drawn = c["ev"]["draw_a"]  # per phase, whatever the board's phases (1-phase boards too)
        self.live_text(f"CP {c['cp_state']} | offered {c['offered_current_a']:4.1f} A"
                       f" | drawn {drawn:4.1f} A | {c['meter']['energy_wh'] / 1000:.3f} kWh | OCPP {c['status']}")

    def live_text(self, text: str) -> None:
        line = f"[{time.monotonic() - self.started:5.1f}s]   {text}"
        if self.tty:
            print("\r" + line, end="", flush=True)
            self._live = True
        else:
            print(line, flush=True)

    def _end_live(self) -> None:
        if self._live:
            print()
            self._live = False


class BenchClient:
    """The bench API as the demo drives it: connector 1's status, posts, waiting for a state."""

    def __init__(self, http: aiohttp.ClientSession, api: str):
        self.http, self.api = http, api

    async def post(self, path: str, body: dict) -> None:
        async with self.http.post(self.api + path, json=body) as r:
            assert r.status == 200, await r.text()

    async def connector(self) -> dict:
        async with self.http.get(self.api + "/status") as r:
            return (await r.json())["connectors"][0]

    async def until(self, pred, what: str, timeout: float = 10.0, each=lambda c: None) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            c = await self.connector()
            each(c)
            if pred(c):
                return c
            await asyncio.sleep(0.1)
        raise TimeoutError(f"gave up waiting for {what}")


class Dialect16:
    """What the demo says and checks in OCPP 1.6."""

    version, plugged, stopped = "1.6", "Preparing", "Finishing"
    transaction_at_authorization = True

    async def sample_every_2_s(self, cp) -> str:
        answer = await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="2"))
        return f"CSMS sets MeterValueSampleInterval to 2 s: {answer.status}"

    async def stopped_record(self, csms):
        return (await csms.wait_for(lambda c: c.actions("StopTransaction"), 15))[-1]

    def summary(self, csms, final: dict, stop: dict) -> bool:
        return summary(csms, final, stop)


class Dialect201(Dialect16):
    """What the demo says and checks in OCPP 2.0.1: one Occupied status, TransactionEvents."""

    version, plugged, stopped = "2.0.1", "Occupied", "Occupied"
    transaction_at_authorization = False

    async def sample_every_2_s(self, cp) -> str:
        answer = await cp.call(call201.SetVariables(set_variable_data=[{
            "component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"},
            "attributeValue": "2"}]))
        return f"CSMS sets SampledDataCtrlr.TxUpdatedInterval to 2 s: {answer.set_variable_result[0]['attribute_status']}"

    async def stopped_record(self, csms):
        return (await csms.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                               if e["eventType"] == "Ended"], 15))[-1]

    def summary(self, csms, final: dict, stop: dict) -> bool:
        events = [e for e in csms.actions("TransactionEvent")
                  if e["transactionInfo"]["transactionId"] == stop["transactionInfo"]["transactionId"]]
        energy = [sv["value"] for e in events for mv in e.get("meterValue", []) for sv in mv["sampledValue"]
                  if sv.get("measurand") == "Energy.Active.Import.Register"]
        billed = round(energy[-1] - energy[0]) if energy else 0
        metered = round(final["meter"]["energy_wh"] - energy[0]) if energy else -1
        seq_ok = [e["seqNo"] for e in events] == list(range(len(events)))
        ok = billed == metered and billed > 0 and seq_ok
        print()
        print("Summary")
        print(f"  transaction      {stop['transactionInfo']['transactionId']} "
              f"(reason {stop['transactionInfo'].get('stoppedReason')}, {len(events)} TransactionEvents, "
              f"seqNo {'0..' + str(len(events) - 1) + ' without gaps' if seq_ok else 'WITH GAPS'})")
        print(f"  energy billed    {billed} Wh; the meter counted {metered} Wh")
        counts = Counter(action for action, _ in csms.received)
        print("  CSMS received    " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())))
        print(f"  result           {'OK: billed energy matches the meter' if ok else 'MISMATCH'}")
        return ok


async def demo(args) -> int:
    board = load_board(args.board or DEFAULT_BOARD)
    if board.hal != "mock":
        print(f"evse demo: {args.board} drives real hardware (hal = {board.hal!r}); the demo needs a bench board, "
              "for example board-configs/bench.toml (the default)", file=sys.stderr)
        return 2
    missing = missing_ev_link(board)
    if missing:
        print(f"evse demo: {missing}", file=sys.stderr)
        return 2
    dialect = Dialect201() if getattr(args, "ocpp_version", "1.6") == "2.0.1" else Dialect16()
    csms = BenchCsms201() if dialect.version == "2.0.1" else BenchCsms()
    await csms.start()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="evse-demo-") as data_dir:
        settings = RuntimeSettings(csms.url, CP_ID, dialect.version, 0, None, None, None, None)
        controller = Controller(board, settings, data_dir, port)
        run = asyncio.create_task(controller.run())
        try:
            api = f"http://127.0.0.1:{port}"
            try:
                if any(c.kind == "dc" for c in board.connectors):
                    from firmware.bench.demo_dc import script_dc

                    ok = await asyncio.wait_for(script_dc(csms, api, dialect), 420)
                else:
                    ok = await asyncio.wait_for(script(csms, api, args.charge_seconds, dialect), 120)
            except TimeoutError as exc:  # the bench did not get there: said in a line, not a traceback
                print(f"\nevse demo: {exc}; the controller's log is above (--log-level INFO for more)", file=sys.stderr)
                ok = False
        finally:
            controller.request_exit()
            await run
            await csms.stop()
    return 0 if ok else 1


async def script(csms: BenchCsms, api: str, charge_seconds: float, dialect=None) -> bool:
    dialect = dialect or Dialect16()
    say = Narrator()
    say.step(f"built-in CSMS on {csms.url}; controller bench API on {api}")
    async with aiohttp.ClientSession() as http:
        bench = BenchClient(http, api)
        post, connector, until = bench.post, bench.connector, bench.until
        await csms.wait_for(lambda c: c.actions("BootNotification"), 15)
        await until(lambda c: c["status"] == "Available", "Available")
        say.step(f"controller booted at the CSMS (OCPP {dialect.version}, BootNotification accepted); "
                 "connector 1 Available")
        cp = await csms.wait_connected(CP_ID)
        say.step(await dialect.sample_every_2_s(cp))
        await post("/ev", {"connector": 1, "state": "B"})
        await until(lambda c: c["status"] == dialect.plugged, dialect.plugged)
        say.step(f"EV plugged in (state B): {dialect.plugged}, waiting for a card")
        await post("/rfid", {"connector": 1, "id_tag": CARD})
        if dialect.transaction_at_authorization:
            c = await until(lambda c: c["session"] and c["session"]["transaction_id"], "the transaction id")
            say.step(f"card {CARD} accepted by the CSMS; transaction {c['session']['transaction_id']} started")
        else:
            await until(lambda c: c["session"], "the session")
            say.step(f"card {CARD} accepted by the CSMS; the transaction starts when the power path closes "
                     "(TxStartPoint PowerPathClosed)")
        await post("/ev", {"connector": 1, "state": "C"})
        await until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0, "the contactor and the first meter reading")
        c = await connector()
        say.step(f"EV asks for energy (state C): PWM {c['pwm_duty']}% offers {c['offered_current_a']} A; contactor "
                 f"closed; transaction {c['session']['transaction_id']}")
        end = time.monotonic() + charge_seconds
        while time.monotonic() < end:
            say.live(await connector())
            await asyncio.sleep(0.5 if say.tty else 1.0)
        say.live(await connector())
        await post("/rfid", {"connector": 1, "id_tag": CARD})
        await until(lambda c: c["status"] == dialect.stopped and not c["session"], "the session's end")
        say.step(f"card presented again: session stopped, contactor open, {dialect.stopped}")
        await post("/ev", {"connector": 1, "state": "A"})
        final = await until(lambda c: c["status"] == "Available", "Available")
        say.step("EV unplugged: Available")
        stop = await dialect.stopped_record(csms)
    return dialect.summary(csms, final, stop)


def summary(csms: BenchCsms, final: dict, stop: dict) -> bool:
    start = csms.actions("StartTransaction")[-1]
    billed = stop["meterStop"] - start["meterStart"]
    metered = round(final["meter"]["energy_wh"])
    counts = Counter(action for action, _ in csms.received)
    ok = billed == metered - start["meterStart"] and billed > 0 and counts["MeterValues"] > 0
    print()
    print("Summary")
    print(f"  transaction      {stop['transactionId']}  (id tag {start['idTag']}, reason {stop['reason']})")
    print(f"  meter start/stop {start['meterStart']} Wh -> {stop['meterStop']} Wh")
    print(f"  energy billed    {billed} Wh; the meter counted {metered - start['meterStart']} Wh")
    print("  CSMS received    " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())))
    print(f"  result           {'OK: billed energy matches the meter' if ok else 'MISMATCH'}")
    return ok
