"""One witness run: the charger under test started clean, every step of the depth asked for in turn
(each bounded in time, none able to stop the others), then the signed report."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from firmware import __version__
from firmware.witness import DEPTHS
from firmware.witness.charger import UnderTest
from firmware.witness.evidence import window
from firmware.witness.operator_steps import OPERATOR
from firmware.witness.person import NotOnThisHardware
from firmware.witness.reconcile import RECONCILE
from firmware.witness.steps import BASIC, FAILED, PASSED, SKIPPED

log = logging.getLogger(__name__)

# the first depth each area (or one step of it) belongs to: the buyer scenarios of docs/witness.md
FIRST_DEPTH = {"commissioning": 0, "authorization": 0, "communication": 0, "remote operations": 0,
               "metering and billing": 1, "fault handling": 1, "smart charging": 2, "firmware update": 3, "export": 3}
UNDER_LOAD = "link lost during a session"  # fleet: loss under load
STEP_TIMEOUT_S = 1200


@dataclass
class Context:
    ut: UnderTest
    version: str
    board: object
    report_dir: Path
    operator: object
    cards: list[str] = field(default_factory=list)
    blocked: str | None = None
    csms_export: Path | None = None
    connection_timeout_s: float = 60.0
    sheet: list = field(default_factory=list)


def plan(depth: str) -> list:
    level = DEPTHS.index(depth)
    steps = [s for s in BASIC if s.area != "export"] + OPERATOR + [RECONCILE] + [s for s in BASIC if s.area == "export"]
    return [s for s in steps if FIRST_DEPTH[s.area] + (2 if s.action == UNDER_LOAD else 0) <= level]


async def run_steps(ctx: Context, steps: list, out) -> list[dict]:
    done = []
    for step in steps:
        since = now_iso() if done else ""  # the first step's evidence is everything from the start
        began = time.monotonic()
        if step.operator and not ctx.operator.present:
            result, detail = SKIPPED, "no operator"
        else:
            try:
                result, detail = await asyncio.wait_for(step.run(ctx), STEP_TIMEOUT_S)
            except asyncio.TimeoutError:
                result, detail = FAILED, f"the step did not end within {STEP_TIMEOUT_S} s"
            except NotOnThisHardware as why:
                result, detail = SKIPPED, str(why)
            except Exception as exc:  # a broken step is a failed step; the witness goes on
                log.exception("witness step %s / %s broke", step.area, step.action)
                result, detail = FAILED, f"the step broke: {exc}"
        evidence = [{k: f[k] for k in ("at", "dir", "frame")} for f in window(ctx.ut.frames(), since, now_iso())]
        done.append({"area": step.area, "action": step.action, "simulated": step.simulated,
                     "passes_if": step.passes_if, "operator": step.operator, "result": result, "detail": detail,
                     "started_at": since, "seconds": round(time.monotonic() - began, 1), "evidence": evidence})
        print(f"{result.upper():8} {step.area}: {step.action} ({detail})", file=out, flush=True)
    return done


def report(ctx: Context, steps: list[dict], *, csms: dict, depth: str, started: str, seconds: float) -> dict:
    from firmware.witness.report import firmware_hash

    board = ctx.board
    return {"format": "evse-witness/1", "depth": depth, "started_at": started, "duration_s": round(seconds, 1),
            "operator": ctx.operator.present,
            "simulated": ("the bench: mock hardware and a simulated EV (BENCH_API.md)" if board.hal == "mock" else
                          f"the real hardware of board {board.name!r}: a person at the charger plugs, shows cards "
                          "and presses buttons when asked"),
            "charger": {"vendor": board.vendor, "model": board.model, "serial": board.serial,
                        "firmware_version": __version__, "firmware_sha256": firmware_hash()},
            "csms": csms, "steps": steps, "reconciliation": ctx.sheet,
            "summary": {r: sum(1 for s in steps if s["result"] == r) for r in (PASSED, FAILED, SKIPPED)}}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
