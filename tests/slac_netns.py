"""A SLAC rig for the tests, run in .venv-slac inside `unshare --map-root-user --net`: a veth pair, the
product's SLAC process (hlc.slac_child) on the charger's end, the bench's modem (hlc.slac_sim) on the
car's. Commands on stdin, one per line: "ev GIVE_UP_S" runs the bench EV's SLAC once and prints
"ev EXIT MS" (MS: its first CM_SLAC_PARM.REQ to the match, "-" without one); end of input ends it all. Prints "ready EV_MAC" first."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _die_with_parent() -> None:
    """A rig that fails half-way (or is killed) leaves no SLAC process behind (Linux PDEATHSIG)."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--iface", default="secc0", help="the charger's interface (another: no modem there)")
    parser.add_argument("--no-modem", action="store_true", help="nothing answers the charger's CM_SET_KEY")
    parser.add_argument("--init-timeout-s", default="50")
    args = parser.parse_args()
    ip = lambda *a: subprocess.run(["ip", *a], check=True)  # noqa: E731
    ip("link", "add", "secc0", "type", "veth", "peer", "name", "ev0")
    ip("link", "set", "secc0", "up")
    ip("link", "set", "ev0", "up")
    run = [sys.executable, "-m"]
    procs = []
    if not args.no_modem:  # listening before the charger's SLAC sends its key (hlc.bench_link does the same)
        procs.append(subprocess.Popen([*run, "hlc.slac_sim", "--iface", "ev0", "--modem"], cwd=ROOT,
                                      stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent))
        procs[0].stdout.readline()
    procs.append(subprocess.Popen([*run, "hlc.slac_child", "--socket", args.socket, "--iface", args.iface,
                                   "--settle-s", "0.1", "--init-timeout-s", args.init_timeout_s], cwd=ROOT,
                                  preexec_fn=_die_with_parent))
    shown = subprocess.run(["ip", "-o", "link", "show", "dev", "ev0"], capture_output=True, text=True).stdout.split()
    print("ready", shown[shown.index("link/ether") + 1], flush=True)  # (/sys shows the host's interfaces)
    try:
        for line in sys.stdin:
            if line.startswith("ev "):
                done = subprocess.run([*run, "hlc.slac_sim", "--iface", "ev0", "--ev", "--give-up-s",
                                       line.split()[1]], cwd=ROOT, capture_output=True, text=True)
                sys.stderr.write(done.stdout + done.stderr)
                took = done.stdout.rsplit(" in ", 1)[-1].split()[0] if " ms" in done.stdout else "-"
                print("ev", done.returncode, took, flush=True)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
