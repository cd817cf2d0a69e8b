"""The bench's digital link, run in a network namespace of its own: a veth pair as the pilot wire's
HomePlug link, the SECC child on one end and the bench EV on the other. No other network exists in
the namespace; the SECC reaches the controller through its Unix socket. A user namespace around it
(`--map-root-user`) lets it make the veth pair without root where the kernel allows user namespaces.

    unshare --map-root-user --net python -m hlc.bench_link --socket PATH --battery FILE [--protocol ISO_15118_2]
        [--ac-phases 1|3]   (an AC connector's SECC and an AC car)
        [--iso15118-20]   (the DC SECC offers ISO 15118-20 DC too)
        [--control-mode scheduled|dynamic]   (the one the bench EV picks under -20)
        [--demand-pause SECONDS]   (the bench EV's pause in its current demand loop)

Standard library only (it starts the two iso15118 processes). The bench EV starts when the bench
says the car is plugged in, is ended when it is unplugged, and after its session ends is not started
again until the next plug-in. Exits when the SECC does.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hlc.environment import child_path
from hlc.protocol import JAVA_OPTIONS

SECC_IF, EV_IF = "secc0", "ev0"
CAR_NICE = 5  # on top of the EV link's own (firmware/dc/hlc_bridge.py CHILD_NICE)


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def link_local_ready(iface: str) -> bool:
    """IPv6 link-local address present and past duplicate address detection."""
    out = subprocess.run(["ip", "-6", "addr", "show", "dev", iface], capture_output=True, text=True).stdout
    return "scope link" in out and "tentative" not in out


def _the_cars_process() -> None:
    """The bench EV is another machine: on the bench's shared cores it yields to the charger's processes."""
    _die_with_parent()
    os.nice(CAR_NICE)


def _die_with_parent() -> None:
    """In each child: when this link process goes, however it goes, its children go too (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def plug_state(battery_file: Path, last: tuple[bool, int, bool]) -> tuple[bool, int, bool]:
    """(whether the car is plugged in, which plug-in this is, whether its modem stays silent), as the
    bench writes them in the battery file ("plugged", "plugins", "slac_silent"; absent: plugged, the
    first, not silent); unreadable (mid-write): as it was."""
    try:
        state = json.loads(battery_file.read_text())
        return bool(state.get("plugged", True)), int(state.get("plugins", 0)), bool(state.get("slac_silent"))
    except (OSError, ValueError, AttributeError, TypeError):
        return last


def end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def slac_env(args, root: Path, env: dict) -> dict:
    """pyslac's processes import their own pins first, not iso15118's (hlc.environment)."""
    return {**env, "PYTHONPATH": child_path(args.slac_python, root)}


def start_slac(args, root: Path, env: dict) -> list[subprocess.Popen]:
    """The charger's SLAC process (the product's, hlc.slac_child) on the charger's end and the bench's
    modem on the car's (hlc.slac_sim); none without --slac-socket or without .venv-slac."""
    if not args.slac_socket:
        return []
    if not (args.slac_python and Path(args.slac_python).exists()):
        print(f"bench link: no SLAC: {args.slac_python} is missing (python3 -m venv .venv-slac && .venv-slac/bin/pip "
              "install -r hlc/slac-requirements.txt); the bench EV talks at once", flush=True)
        return []
    # The bench's modem takes a key at once; a real one needs pyslac's 10 s (hlc.slac_child --settle-s). A
    # car that never begins SLAC is given up after 20 s, the norm's shortest TT_EVSE_SLAC_init (the board: 50).
    env = slac_env(args, root, env)
    modem = subprocess.Popen([args.slac_python, "-m", "hlc.slac_sim", "--iface", EV_IF, "--modem"], cwd=root, env=env,
                             stdout=subprocess.PIPE, text=True, preexec_fn=_the_cars_process)
    # The modem listens before the charger's SLAC sends its key: a CM_SET_KEY.REQ it missed would leave
    # that process waiting out pyslac's whole SLAC_INIT_TIMEOUT for the confirmation (a real modem is there).
    if "ready" not in modem.stdout.readline():
        print("bench link: the bench's modem did not start; SLAC will not match", flush=True)
    charger = subprocess.Popen([args.slac_python, "-m", "hlc.slac_child", "--socket", args.slac_socket,
                                "--iface", SECC_IF, "--settle-s", "0.2", "--init-timeout-s", "20"],
                               cwd=root, env=env, preexec_fn=_die_with_parent)
    return [charger, modem]


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the controller's stop: end both children first
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--battery", required=True)
    parser.add_argument("--protocol", default="ISO_15118_2")
    parser.add_argument("--pnc", action="store_true", help="the bench EV uses Plug & Charge (PKI_PATH)")
    parser.add_argument("--install-contract", action="store_true", help="it asks for its contract first")
    parser.add_argument("--update-contract", action="store_true", help="it has its contract renewed first")
    parser.add_argument("--ac-phases", help="an ISO 15118-2 AC connector's SECC and car, on this many phases")
    parser.add_argument("--iso15118-20", action="store_true", help="the DC SECC offers ISO 15118-20 DC too")
    parser.add_argument("--control-mode", default="scheduled", help="the -20 control mode the bench EV picks")
    parser.add_argument("--demand-pause", help="the bench EV's pause between CurrentDemandReqs, seconds")
    parser.add_argument("--slac-python", help="with --slac-socket: .venv-slac's python (pyslac)")
    parser.add_argument("--slac-socket", help="the controller's SLAC socket: SLAC runs before each EV session")
    args = parser.parse_args()
    ip("link", "set", "lo", "up")
    ip("link", "add", SECC_IF, "type", "veth", "peer", "name", EV_IF)
    ip("link", "set", SECC_IF, "up")
    ip("link", "set", EV_IF, "up")
    for _ in range(100):
        if link_local_ready(SECC_IF) and link_local_ready(EV_IF):
            break
        time.sleep(0.1)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "JAVA_TOOL_OPTIONS": JAVA_OPTIONS}  # what the bridge gives the SECC on the board
    ac = ["--ac-phases", args.ac_phases] if args.ac_phases else []
    v20 = ["--iso15118-20"] if args.iso15118_20 else []
    secc = subprocess.Popen([sys.executable, "-m", "hlc.secc_child", "--socket", args.socket, "--iface", SECC_IF, *ac,
                             *v20],
                            cwd=root, env=env, preexec_fn=_die_with_parent)
    slac = start_slac(args, root, env)
    time.sleep(1.0)  # the SECC's UDP server listens before the EV's first SDP request
    ev_argv = [sys.executable, "-m", "hlc.ev_child", "--iface", EV_IF, "--battery", args.battery,
               "--protocol", args.protocol, "--control-mode", args.control_mode, *(["--pnc"] if args.pnc else []),
               *(["--install-contract"] if args.install_contract else []),
               *(["--update-contract"] if args.update_contract else []), *ac,
               *(["--demand-pause", args.demand_pause] if args.demand_pause else [])]
    if slac:  # the car's modem matches with the charger's first, then the car talks (ISO 15118-3)
        ev_argv = [args.slac_python, "-m", "hlc.slac_sim", "--iface", EV_IF, "--ev", "--then",
                   "env", f"PYTHONPATH={child_path(sys.executable, root)}", *ev_argv]  # from pyslac's to iso15118's
    ev, ev_plugin, state = None, None, (True, 0, False)  # ev_plugin: the plug-in the EV was started for
    try:
        while secc.poll() is None:
            state = plug_state(Path(args.battery), state)
            plugged, plugin, silent = state
            if ev is not None and (not plugged or plugin != ev_plugin):
                end(ev)  # unplugged (or unplugged and plugged again between two looks): that car is gone
                ev = None
            if plugged and ev is None and plugin != ev_plugin and silent and slac:
                ev_plugin = plugin  # a car whose modem never pairs: it never reaches the SECC either
                print("bench link: this car's modem stays silent (the bench's slac fault)", flush=True)
            elif plugged and ev is None and plugin != ev_plugin:
                ev, ev_plugin = subprocess.Popen(ev_argv, cwd=root, env=slac_env(args, root, env) if slac else env,
                                                 preexec_fn=_the_cars_process), plugin
            if ev is not None and ev.poll() is not None:
                ev = None  # its session ended: no other until the next plug-in
            time.sleep(0.2)
    finally:
        for proc in (ev, secc, *slac):
            if proc is not None:
                end(proc)
    return secc.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
