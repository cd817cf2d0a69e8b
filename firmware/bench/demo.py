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

from firmware.app import Controller
from firmware.bench.csms import BenchCsms
from firmware.config import load_board
from firmware.settings import RuntimeSettings

CARD = "04A1B2C3"
CP_ID = "DEMO-CP"
DEFAULT_BOARD = Path(__file__).resolve().parents[2] / "board-configs" / "bench.toml"


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
        drawn = c["meter"]["power_w"] / 230.0 / 3 if c["meter"]["power_w"] else 0.0
        line = (
            f"[{time.monotonic() - self.started:5.1f}s]   CP {c['cp_state']} | offered {c['offered_current_a']:4.1f} A"
            f" | drawn {drawn:4.1f} A | {c['meter']['energy_wh'] / 1000:.3f} kWh | OCPP {c['status']}"
        )
        if self.tty:
            print("\r" + line, end="", flush=True)
            self._live = True
        else:
            print(line, flush=True)

    def _end_live(self) -> None:
        if self._live:
            print()
            self._live = False


async def demo(args) -> int:
    board = load_board(args.board or DEFAULT_BOARD)
    csms = BenchCsms()
    await csms.start()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="evse-demo-") as data_dir:
        settings = RuntimeSettings(csms.url, CP_ID, "1.6", 0, None, None, None, None)
        controller = Controller(board, settings, data_dir, port)
        run = asyncio.create_task(controller.run())
        try:
            ok = await asyncio.wait_for(script(csms, f"http://127.0.0.1:{port}", args.charge_seconds), 120)
        finally:
            controller.request_exit()
            await run
            await csms.stop()
    return 0 if ok else 1


async def script(csms: BenchCsms, api: str, charge_seconds: float) -> bool:
    say = Narrator()
    say.step(f"built-in CSMS on {csms.url}; controller bench API on {api}")
    async with aiohttp.ClientSession() as http:
        async def post(path, body):
            async with http.post(api + path, json=body) as r:
                assert r.status == 200, await r.text()

        async def connector():
            async with http.get(api + "/status") as r:
                return (await r.json())["connectors"][0]

        async def until(pred, what, timeout=10.0):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                c = await connector()
                if pred(c):
                    return c
                await asyncio.sleep(0.1)
            raise TimeoutError(f"gave up waiting for {what}")

        await csms.wait_for(lambda c: c.actions("BootNotification"), 15)
        await until(lambda c: c["status"] == "Available", "Available")
        say.step("controller booted at the CSMS (BootNotification accepted); connector 1 Available")
        cp = await csms.wait_connected(CP_ID)
        answer = await cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="2"))
        say.step(f"CSMS sets MeterValueSampleInterval to 2 s: {answer.status}")
        await post("/ev", {"connector": 1, "state": "B"})
        await until(lambda c: c["status"] == "Preparing", "Preparing")
        say.step("EV plugged in (state B): Preparing, waiting for a card")
        await post("/rfid", {"connector": 1, "id_tag": CARD})
        c = await until(lambda c: c["session"] and c["session"]["transaction_id"], "the transaction id")
        say.step(f"card {CARD} accepted by the CSMS; transaction {c['session']['transaction_id']} started")
        await post("/ev", {"connector": 1, "state": "C"})
        await until(lambda c: c["contactor_closed"] and c["meter"]["power_w"] > 0, "the contactor and the first meter reading")
        c = await connector()
        say.step(f"EV asks for energy (state C): PWM {c['pwm_duty']}% offers {c['offered_current_a']} A; contactor closed")
        end = time.monotonic() + charge_seconds
        while time.monotonic() < end:
            say.live(await connector())
            await asyncio.sleep(0.5 if say.tty else 1.0)
        say.live(await connector())
        await post("/rfid", {"connector": 1, "id_tag": CARD})
        await until(lambda c: c["status"] == "Finishing", "Finishing")
        say.step("card presented again: session stopped, contactor open, Finishing")
        await post("/ev", {"connector": 1, "state": "A"})
        final = await until(lambda c: c["status"] == "Available", "Available")
        say.step("EV unplugged: Available")
        stop = await csms.wait_for(lambda c: c.actions("StopTransaction"), 15)
    return summary(csms, final, stop[-1])


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
