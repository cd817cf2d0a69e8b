"""The socket's cable lock: a motor driven one way or the other, and a switch that says locked.

A motor lock takes a short pulse per move; it is started in gpiozero's
background thread, so the safety tick never waits for it. Whether it worked
is read from the feedback switch only: the connector turns a lock that does
not report locked in time into ConnectorLockFailure.
"""

from __future__ import annotations

from gpiozero import DigitalInputDevice, DigitalOutputDevice


class GpioLock:
    def __init__(self, lock_pin, unlock_pin, feedback_pin, *, pulse_s: float = 0.3, pin_factory=None):
        self._lock = DigitalOutputDevice(lock_pin, initial_value=False, pin_factory=pin_factory)
        self._unlock = DigitalOutputDevice(unlock_pin, initial_value=False, pin_factory=pin_factory)
        self._feedback = DigitalInputDevice(feedback_pin, pull_up=True, pin_factory=pin_factory)
        self._pulse_s = pulse_s

    def lock(self) -> None:
        self._drive(self._lock, self._unlock)

    def unlock(self) -> None:
        self._drive(self._unlock, self._lock)

    def _drive(self, on: DigitalOutputDevice, off: DigitalOutputDevice) -> None:
        off.off()  # never both halves of the bridge at once
        on.blink(on_time=self._pulse_s, off_time=0.0, n=1, background=True)

    def is_locked(self) -> bool:
        return bool(self._feedback.is_active)

    def release(self) -> None:
        for dev in (self._lock, self._unlock, self._feedback):
            dev.close()
