"""gpiozero-backed contactor relay and safety inputs.

Every class takes `pin_factory=` like gpiozero's own devices, so tests run them
on gpiozero's MockFactory and a board can pick lgpio, RPi.GPIO or pigpio.
Input edges call `on_change` (the control loop's wake) from gpiozero's thread,
so a trip is handled at once rather than at the next tick.
"""

from __future__ import annotations

from typing import Callable

from gpiozero import DigitalInputDevice, DigitalOutputDevice


class GpioContactor:
    """A relay driving the contactor coil, and the contactor's auxiliary contact."""

    def __init__(self, coil_pin, feedback_pin, *, pin_factory=None, on_change: Callable | None = None,
                 coil_active_high: bool = True, feedback_pull_up: bool = True):
        self._coil = DigitalOutputDevice(
            coil_pin, active_high=coil_active_high, initial_value=False, pin_factory=pin_factory
        )
        # With a pull-up, a closed auxiliary contact pulls the pin to ground:
        # gpiozero then reports it active, which is what "closed" means here.
        self._feedback = DigitalInputDevice(feedback_pin, pull_up=feedback_pull_up, pin_factory=pin_factory)
        if on_change is not None:
            self._feedback.when_activated = lambda: on_change()
            self._feedback.when_deactivated = lambda: on_change()

    def close(self) -> None:
        self._coil.on()

    def open(self) -> None:
        self._coil.off()

    def feedback_closed(self) -> bool:
        return bool(self._feedback.is_active)

    def release(self) -> None:
        self._coil.off()
        self._coil.close()
        self._feedback.close()


class GpioInput:
    """An RCD/RCM trip, e-stop or similar input; `active()` means tripped."""

    def __init__(self, pin, *, pin_factory=None, pull_up: bool = True, on_change: Callable | None = None,
                 bounce_time: float | None = None):
        self._dev = DigitalInputDevice(pin, pull_up=pull_up, bounce_time=bounce_time, pin_factory=pin_factory)
        if on_change is not None:
            self._dev.when_activated = lambda: on_change()
            self._dev.when_deactivated = lambda: on_change()

    def active(self) -> bool:
        return bool(self._dev.is_active)

    def release(self) -> None:
        self._dev.close()
