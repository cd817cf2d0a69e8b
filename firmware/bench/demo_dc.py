"""`evse demo --board board-configs/bench-dc.toml`: a whole DC session on the bench, narrated.

The driver plugs in and shows a card; from there the EV leads over the digital link (ISO 15118-2 or
DIN SPEC 70121): cable check, pre-charge, current rising, the state of charge climbing to where the
EV stops, power delivery off, welding check, session stop. The driver unplugs; the summary checks
that what the CSMS billed is what the DC meter counted.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from firmware.bench.demo import CARD, BenchClient, Narrator

STAGES = {"cable_check": "cable check: contactors closed, the output at the test voltage, insulation measured",
          "cable_ok": "cable check passed: insulation {insulation}",
          "precharge": "pre-charge: the output brought to the battery's voltage at 2 A",
          "charging": "the EV closed its contactors: current demand loop",
          "stopping": "power delivery stop: current to zero, modules off, contactors open",
          "welding_check": "welding check: the contactors must read open and the cable fall below 60 V",
          "done": "the power path ended cleanly",
          "fault": "FAULT: {fault}"}
FLOW = ["cable_check", "cable_ok", "precharge", "charging", "stopping", "welding_check", "done"]


def stages_to_tell(seen: list[str], dc: dict) -> list[str]:
    """The power path's stages not yet told, each once (`seen` grows): one the polls missed is told too
    when a later one shows it passed (the path's table has no other way there); "off" after a stage of
    the flow means the path went through "done"."""
    state = dc["state"]
    if state == "off" and seen and seen[-1] in FLOW[:-1]:
        state = "done"
    if state not in STAGES or (seen and seen[-1] == state):
        return []
    ohm = dc["insulation_ohm"]
    last = FLOW.index(seen[-1]) if seen and seen[-1] in FLOW else -1
    passed = FLOW[last + 1:FLOW.index(state)] if state in FLOW and FLOW.index(state) > last else []
    seen.extend([*passed, state])
    return [STAGES[stage].format(insulation=f"{ohm / 1e6:.1f} MOhm" if ohm else "?", fault=dc["fault"])
            for stage in [*passed, state]]


def live_line(c: dict) -> str:
    dc = c["dc"]
    return (f"{dc['state']:>13} | SoC {dc['ev_soc_pct'] or 0:5.1f} % | EV asks {dc['ev_target_voltage_v']:5.0f} V "
            f"{dc['ev_target_current_a']:5.1f} A | output {dc['present_voltage_v']:5.0f} V {dc['present_current_a']:5.1f} A"
            f" | {c['meter']['energy_wh'] / 1000:.3f} kWh | OCPP {c['status']}")


async def script_dc(csms, api: str, dialect, timeout_s: float = 240.0) -> bool:
    say = Narrator()
    say.step(f"built-in CSMS on {csms.url}; controller bench API on {api}")
    async with aiohttp.ClientSession() as http:
        bench = BenchClient(http, api)
        post, connector = bench.post, bench.connector
        seen: list[str] = []

        def narrate(c: dict) -> None:
            for line in stages_to_tell(seen, c["dc"]):
                say.step(line)

        async def until(pred, what, timeout=20.0, narrating=False):
            return await bench.until(pred, what, timeout, narrate if narrating else lambda c: None)

        await csms.wait_for(lambda c: c.actions("BootNotification"), 15)
        await until(lambda c: c["status"] == "Available", "Available")
        say.step(f"controller booted at the CSMS (OCPP {dialect.version}); DC connector 1 Available")
        cp = await csms.wait_connected("DEMO-CP")
        say.step(await dialect.sample_every_2_s(cp))
        await post("/ev", {"connector": 1, "state": "B"})
        c = await until(lambda c: c["status"] == dialect.plugged, dialect.plugged)
        say.step(f"EV plugged in: {dialect.plugged}; the pilot shows {c['pwm_duty']:.0f} % (digital communication)")
        await post("/rfid", {"connector": 1, "id_tag": CARD})
        await until(lambda c: c["session"], "the session")
        say.step(f"card {CARD} accepted by the CSMS; the EV is told it may charge")
        c = await until(lambda c: c["dc"]["state"] == "charging" and c["dc"]["present_current_a"] > 1.0,
                        "current flowing", timeout=60.0, narrating=True)
        mode = f" ({c['dc']['control_mode']} control)" if c["dc"].get("control_mode") else ""
        say.step(f"the EV speaks {c['dc']['protocol']}{mode}; current flowing")
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            c = await connector()
            if c["dc"]["state"] != "charging":
                break
            say.live_text(live_line(c))
            await asyncio.sleep(0.5 if say.tty else 2.0)
        c = await until(lambda c: c["dc"]["ev_stage"] == "ended" and c["dc"]["state"] in ("done", "off"),
                        "the EV's session stop", timeout=30.0, narrating=True)
        say.step(f"the EV stopped at {c['dc']['ev_soc_pct']:.0f} % and ended its session: OCPP {c['status']}")
        await post("/ev", {"connector": 1, "state": "A"})
        final = await until(lambda c: c["status"] == "Available" and not c["session"], "Available")
        say.step("EV unplugged: the transaction ends; Available")
        stop = await dialect.stopped_record(csms)
    return dialect.summary(csms, final, stop)
