"""The systemd side: sd_notify on a real NOTIFY_SOCKET, and the unit files checked by systemd-analyze."""

import asyncio
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from controller import ROOT, ControllerProcess


class NotifySocket:
    """What systemd listens on: an AF_UNIX datagram socket."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.messages: list[tuple[float, str]] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.messages.append((time.monotonic(), self.sock.recv(4096).decode()))
            except BlockingIOError:
                return [m for _, m in self.messages]

    async def wait_for(self, text: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in m for m in self.drain()):
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no {text!r}; got {self.drain()}")

    def count_since(self, text: str, since: float) -> int:
        self.drain()
        return sum(1 for t, m in self.messages if t >= since and text in m)


async def test_ready_and_watchdog_only_while_the_safety_loop_ticks(csms, tmp_path):
    notify = NotifySocket(tmp_path / "notify")
    ctl = ControllerProcess(csms.url, tmp_path / "data",
                            env={"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "1000000"})
    try:
        await ctl.start()
        await notify.wait_for("READY=1")
        notify.drain()
        start = time.monotonic()
        await asyncio.sleep(2.2)
        assert notify.count_since("WATCHDOG=1", start) >= 3  # every 0.5 s
        assert (await ctl.post("/fault", {"connector": 1, "kind": "adc_hang", "active": True}))[0] == 200
        await asyncio.sleep(1.5)  # the stall is recognised within STALL_S
        notify.drain()
        hung = time.monotonic()
        await asyncio.sleep(2.0)
        assert notify.count_since("WATCHDOG=1", hung) == 0  # systemd would now restart us
        assert (await ctl.status())["ocpp"]["connected"]  # although the event loop is fine
        await ctl.post("/fault", {"connector": 1, "kind": "adc_hang", "active": False})
        notify.drain()
        resumed = time.monotonic()
        await asyncio.sleep(1.5)
        assert notify.count_since("WATCHDOG=1", resumed) >= 1
        assert await ctl.stop(signal.SIGTERM) == 0
        await notify.wait_for("STOPPING=1")
    finally:
        await ctl.close()


def unit_for_test(tmp_path: Path, name: str) -> Path:
    """The unit as shipped, its ExecStart pointed at this checkout's evse (verify checks it exists)."""
    text = (ROOT / "systemd" / name).read_text()
    evse = shutil.which("evse") or str(ROOT / ".venv" / "bin" / "evse")
    text = text.replace("/opt/evse/current/bin/evse", evse)
    text = text.replace("/opt/evse/bin/evse-health", f"{sys.executable} {ROOT}/firmware/ota/health.py")
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_verifies_and_is_sandboxed(tmp_path):
    unit = unit_for_test(tmp_path, "evse.service")
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in verify.stderr.splitlines() if "evse.service" in line]
    assert verify.returncode == 0 and not problems, verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=true", str(unit)],
                              capture_output=True, text=True)
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout).group(1))
    print(f"systemd-analyze security exposure: {exposure}")
    assert exposure <= 2.5, security.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_slac_unit_verifies_and_holds_the_one_capability(tmp_path):
    """SLAC's raw socket needs CAP_NET_RAW: its unit has that and nothing else; the controller's has none."""
    unit = unit_for_test(tmp_path, "evse-slac@.service").rename(tmp_path / "evse-slac@1.service")
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in verify.stderr.splitlines() if "evse-slac@" in line]
    assert verify.returncode == 0 and not problems, verify.stderr
    text = unit.read_text()
    assert "AmbientCapabilities=CAP_NET_RAW\n" in text and "CapabilityBoundingSet=CAP_NET_RAW\n" in text
    assert "AF_PACKET" in text and "--connector %i" in text
    controller = (ROOT / "systemd" / "evse.service").read_text()
    assert "CAP_NET_RAW" not in controller and "AF_PACKET" not in controller
    security = subprocess.run(["systemd-analyze", "security", "--offline=true", str(unit)],
                              capture_output=True, text=True)
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout).group(1))
    print(f"systemd-analyze security exposure of the SLAC unit: {exposure}")
    assert exposure <= 2.5, security.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_secc_unit_verifies_and_lets_its_jvm_run_what_the_controller_may_not(tmp_path):
    """The SECC's JVM writes code and runs it (JIT): its unit allows that, the controller's does not, and
    the controller starts no SECC of its own on a board (hal/rpi/dc.py)."""
    unit = unit_for_test(tmp_path, "evse-secc@.service").rename(tmp_path / "evse-secc@1.service")
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in verify.stderr.splitlines() if "evse-secc@" in line]
    assert verify.returncode == 0 and not problems, verify.stderr
    text = unit.read_text()
    assert not re.search(r"^MemoryDenyWriteExecute=", text, re.M)
    assert "secc --config /etc/evse/evse.toml --connector %i" in text and "Nice=5\n" in text
    assert "CapabilityBoundingSet=\n" in text and "AF_PACKET" not in text
    controller = (ROOT / "systemd" / "evse.service").read_text()
    assert "MemoryDenyWriteExecute=yes" in controller and "SystemCallFilter=~@privileged @resources" in controller
    security = subprocess.run(["systemd-analyze", "security", "--offline=true", str(unit)],
                              capture_output=True, text=True)
    exposure = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout).group(1))
    print(f"systemd-analyze security exposure of the SECC unit: {exposure}")
    assert exposure <= 2.5, security.stdout
