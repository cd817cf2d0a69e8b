"""One process at a time on the real hardware (hal/hold.py): a second holder is refused with who
holds it and how to stop the service; the hold comes back on release and when its holder dies,
even by kill -9; the Raspberry Pi HAL takes it before any pin and gives it back on close."""

import os
import signal
import subprocess
import sys

import pytest

from hal.errors import HalError
from hal.hold import HardwareHeld, HardwareHold, holder
from pinbench import PinBoard, mock_pins
from controller import ROOT


def test_a_second_holder_is_refused_naming_the_first_and_the_service(tmp_path):
    path = str(tmp_path / "hw.lock")
    first = HardwareHold.take(path)
    with pytest.raises(HardwareHeld) as refused:
        HardwareHold.take(path)
    assert refused.value.pid == os.getpid()
    assert "sudo systemctl stop evse" in str(refused.value)
    assert holder(path) is not None
    first.release()
    assert holder(path) is None
    HardwareHold.take(path).release()


def test_the_hold_comes_back_when_its_holder_is_killed(tmp_path):
    path = str(tmp_path / "hw.lock")
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; from hal.hold import HardwareHold; "
                              f"HardwareHold.take({path!r}); print('held', flush=True); time.sleep(60)"],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        held = holder(path)
        assert held is not None and held.pid == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert holder(path) is None


def test_a_lock_file_that_cannot_be_opened_is_a_clear_error(tmp_path):
    with pytest.raises(HalError, match="EVSE_HARDWARE_LOCK"):
        HardwareHold.take(str(tmp_path / "no such folder" / "hw.lock"))


def test_the_pi_hal_holds_the_hardware_while_open(tmp_path):
    for factory in mock_pins():
        board = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
        held = holder()
        assert held is not None and held.pid == os.getpid()
        with pytest.raises(HalError, match="in use by process"):
            PinBoard("rpi4-1x1ph-32a.toml", tmp_path / "second", factory, ROOT)
        board.hal.close()
        assert holder() is None


def test_the_lock_file_is_readable_by_others_under_the_services_umask(tmp_path):
    """The service runs with UMask=0077; a witness run by another user must still be able to ask."""
    path = tmp_path / "hw.lock"
    old = os.umask(0o077)
    try:
        hold = HardwareHold.take(str(path))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert path.read_text().strip() == str(os.getpid())
    hold.release()
