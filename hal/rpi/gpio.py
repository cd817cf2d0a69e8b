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
    """An RCD/RCM trip, e-stop or similar input; `active()` means tripped.

    The contact pulls the pin to ground against the pull-up. `normally_closed`
    (the fail-safe wiring) means the contact is closed while healthy, so a cut
    wire or a lost connector reads as tripped.
    """

    def __init__(self, pin, *, pin_factory=None, pull_up: bool = True, on_change: Callable | None = None,
                 bounce_time: float | None = None, normally_closed: bool = False):
        self._dev = DigitalInputDevice(pin, pull_up=pull_up, bounce_time=bounce_time, pin_factory=pin_factory)
        self._inverted = normally_closed
        if on_change is not None:
            self._dev.when_activated = lambda: on_change()
            self._dev.when_deactivated = lambda: on_change()

    def active(self) -> bool:
        return bool(self._dev.is_active) != self._inverted

    def release(self) -> None:
        self._dev.close()


class GpioRcd(GpioInput):
    """An RCM module's trip output, and its test input when wired."""

    def __init__(self, pin, test_pin=None, *, pin_factory=None, **kw):
        super().__init__(pin, pin_factory=pin_factory, **kw)
        self._test = None
        if test_pin is not None:
            self._test = DigitalOutputDevice(test_pin, initial_value=False, pin_factory=pin_factory)

    @property
    def testable(self) -> bool:
        return self._test is not None

    def press_test(self, on: bool) -> None:
        """Drive the module's test input (it injects a residual current and must trip)."""
        if self._test is None:
            raise RuntimeError("this RCD has no test input wired")
        self._test.value = on

    def release(self) -> None:
        if self._test is not None:
            self._test.close()
        super().release()
