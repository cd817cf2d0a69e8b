"""One process at a time on the charger's hardware: an exclusive lock (flock) on a lock file.

Two processes driving the same contactor coil and pilot PWM would fight over them, so the real
HAL takes this hold before it opens a pin and gives it back last. Tools that want the hardware
(`evse witness --board`, `evse selftest`) ask who holds it first and tell the technician how to
stop the service. The kernel drops the lock when its holder dies, even by kill -9, so a crash
never leaves the hardware held. The path can be moved with EVSE_HARDWARE_LOCK (tests, or two
boards on one machine).
"""

from __future__ import annotations

import fcntl
import os

from hal.errors import HalError

DEFAULT_PATH = "/run/lock/evse-hardware.lock"


def lock_path() -> str:
    return os.environ.get("EVSE_HARDWARE_LOCK") or DEFAULT_PATH


class HardwareHeld(HalError):
    """Another process holds the hardware; `pid` is who, when it wrote itself down."""

    def __init__(self, path: str, pid: int | None):
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"the charger's hardware is in use by {who} (lock {path}); is the evse service "
                         "running? Stop it first: sudo systemctl stop evse")
        self.path, self.pid = path, pid


class HardwareHold:
    def __init__(self, fd: int, path: str):
        self._fd, self.path = fd, path

    @classmethod
    def take(cls, path: str | None = None) -> "HardwareHold":
        """The hold, or HardwareHeld naming who has it, or HalError when the lock file cannot be opened."""
        path = path or lock_path()
        fd = _open(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _pid_in(fd)
            os.close(fd)
            raise HardwareHeld(path, pid) from None
        _write_pid(fd)
        return cls(fd, path)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


def holder(path: str | None = None) -> HardwareHeld | None:
    """Who holds the hardware now (a HardwareHeld to print), or None when it is free."""
    try:
        HardwareHold.take(path).release()
    except HardwareHeld as held:
        return held
    return None


def _open(path: str) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:
        try:
            return os.open(path, os.O_RDONLY)  # another user's lock file: a read-only descriptor locks too
        except OSError as exc:
            raise HalError(f"the hardware lock {path} cannot be opened: {exc.strerror} "
                           "(set EVSE_HARDWARE_LOCK to a writable path)") from None
    except OSError as exc:
        raise HalError(f"the hardware lock {path} cannot be opened: {exc.strerror} "
                       "(set EVSE_HARDWARE_LOCK to a writable path)") from None
    try:
        os.fchmod(fd, 0o644)  # readable by every user despite the service's UMask: anyone may ask who holds it
    except OSError:
        pass  # not ours to change
    return fd


def _pid_in(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _write_pid(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # read-only descriptor: the lock holds, the pid is just not written down
