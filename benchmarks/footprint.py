"""Footprint of `evse run`: boot time, then RSS and CPU with two idle connectors.

boot_s is from process start to the CSMS receiving BootNotification. cpu_pct
is user+system time over the idle window as a percentage of one core, read
from /proc; rss_mb is VmRSS at the end of the window. The web variant runs
as a board in the field does (bench API off) with the installer's page on,
a browser logged in (before the window) and its live stream open for the whole
window; its
web_rss_added_mb is against the run without the page, measured in the same
run, and page_kb is the page with everything it loads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from firmware.bench.csms import BenchCsms  # noqa: E402
from firmware.bench.csms201 import BenchCsms201  # noqa: E402
from tests.controller import ControllerProcess  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from web_client import Browser, set_password, web_controller  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


async def page_weight_kb(browser) -> float:
    """The logged-in page plus each asset it loads."""
    status, html = await browser.get("/")
    total = len(html.encode())
    for asset in ("/static/app.js", "/static/app.css"):
        async with browser.http.get(browser.base + asset) as r:
            total += len(await r.read())
    return total / 1024.0


async def watch_page(browser, idle_s: float, pid: int) -> float:
    """The live stream open for the whole idle window (the page logged in before): the CPU percentage."""
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    async with browser.http.get(browser.base + "/api/events") as stream:
        await stream.content.readline()
        await asyncio.sleep(idle_s)
    return 100.0 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)


async def measure(idle_s: float, extra: tuple, version: str = "1.6", web: bool = False):
    csms = BenchCsms201() if version == "2.0.1" else BenchCsms()
    await csms.start()
    booted_at: list[float] = []

    class Stamped(list):
        def append(self, item):
            if item[0] == "BootNotification" and not booted_at:
                booted_at.append(time.monotonic())
            super().append(item)

    csms.received = Stamped()
    with tempfile.TemporaryDirectory() as data:
        if web:
            set_password(Path(data) / "d")
            ctl = web_controller(csms.url, Path(data) / "d", cp_id="FOOT", extra=extra, ocpp_version=version)
        else:
            ctl = ControllerProcess(csms.url, Path(data) / "d", cp_id="FOOT", extra=extra, ocpp_version=version)
        started = time.monotonic()
        await ctl.start(wait=False)
        await csms.wait_for(lambda c: booted_at, 30)
        boot_s = booted_at[0] - started
        await csms.wait_for(lambda c: len(c.actions("StatusNotification")) >= (2 if version == "2.0.1" else 3), 30)
        await asyncio.sleep(2.0)  # settle after boot
        pid = ctl.proc.pid
        kb = None
        if web:  # logging in (scrypt) and loading the page happen once, before the window
            browser = Browser(ctl.web)
            try:
                await browser.login()
                kb = await page_weight_kb(browser)
                cpu_pct = await watch_page(browser, idle_s, pid)
            finally:
                await browser.close()
        else:
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            await asyncio.sleep(idle_s)
            cpu_pct = 100.0 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        rss = rss_mb(pid)
        await ctl.close()
    await csms.stop()
    return (rss, cpu_pct, boot_s, kb) if web else (rss, cpu_pct, boot_s)


async def run(idle_s: float) -> list[dict]:
    rss, cpu_pct, boot_s = await measure(idle_s, ())
    lines = [
        {"benchmark": "footprint", "metric": "rss_mb", "value": round(rss, 1), "goal": 45, "better": "lower"},
        {"benchmark": "footprint", "metric": "cpu_pct", "value": round(cpu_pct, 2), "goal": 1, "better": "lower",
         "idle_s": idle_s},
        {"benchmark": "footprint", "metric": "boot_s", "value": round(boot_s, 3), "goal": 1.0, "better": "lower"},
    ]
    # The same without the bench HTTP API (aiohttp), as a board in the field runs.
    rss, cpu_pct, boot_s = await measure(idle_s, ("--bench-port", "0"))
    field_rss = rss
    for metric, value in (("rss_mb", rss), ("cpu_pct", cpu_pct), ("boot_s", boot_s)):
        lines.append({"benchmark": "footprint", "metric": metric, "value": round(value, 3 if metric == "boot_s" else 2),
                      "variant": "no_bench_api", "better": "lower"})
    # OCPP 2.0.1, bench API off: the goal's own conditions (2 connectors, RSS <= 45 MB, boot <= 1 s).
    rss, cpu_pct, boot_s = await measure(idle_s, ("--bench-port", "0"), "2.0.1")
    for metric, value, goal in (("rss_mb", rss, 45), ("cpu_pct", cpu_pct, 1), ("boot_s", boot_s, 1.0)):
        lines.append({"benchmark": "footprint", "metric": metric, "value": round(value, 3 if metric == "boot_s" else 2),
                      "variant": "ocpp201_no_bench_api", "goal": goal, "better": "lower"})
    # As in the field with the installer's page on and watched (issue 14: at most 12 MB more, a page <= 200 KB),
    # then the same with the page on every network and announced by mDNS (python-zeroconf's own cost on top).
    for variant, extra in (("web_page_no_bench_api", ()), ("web_page_mdns_no_bench_api", ("--web-bind", "0.0.0.0"))):
        rss, cpu_pct, boot_s, kb = await measure(idle_s, ("--bench-port", "0", *extra), web=True)
        for metric, value, goal in (("rss_mb", rss, None), ("web_rss_added_mb", rss - field_rss, 12 if not extra else None),
                                    ("cpu_pct", cpu_pct, 1), ("boot_s", boot_s, 1.0), ("page_kb", kb, 200)):
            line = {"benchmark": "footprint", "metric": metric, "value": round(value, 3 if metric == "boot_s" else 2),
                    "variant": variant, "better": "lower"}
            lines.append(line if goal is None else {**line, "goal": goal})
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    for line in asyncio.run(run(args.idle_seconds)):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
