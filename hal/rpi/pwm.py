"""The CP oscillator: 1 kHz PWM from the kernel's hardware PWM, or gpiozero.

IEC 61851-1 Annex A asks for a 1 kHz square wave whose duty carries the offer;
100 % is the steady +12 V of states x1, 0 % the steady -12 V of state F (the
op-amp stage after the pin makes +-12 V of 3.3 V logic). Sysfs hardware PWM
is exact and needs no daemon, and it is the only hardware PWM the Pi 5 (RP1)
offers; gpiozero's factories (pigpio's DMA timing on a Pi 4, lgpio) serve
boards whose CP pin has no PWM channel.
"""

from __future__ import annotations

import time
from pathlib import Path

from hal.errors import HalError

FREQUENCY_HZ = 1000
PERIOD_NS = 1_000_000_000 // FREQUENCY_HZ
EXPORT_WAIT_S = 2.0  # udev makes the exported channel writable a moment after it appears


class SysfsPwm:
    """One channel of /sys/class/pwm/pwmchipN."""

    def __init__(self, chip: int, channel: int, *, root: str | Path = "/sys/class/pwm", inverted: bool = False):
        self.inverted = inverted
        chip_dir = Path(root) / f"pwmchip{chip}"
        self._dir = chip_dir / f"pwm{channel}"
        try:
            if not self._dir.exists():
                (chip_dir / "export").write_text(str(channel))
            self._await_export()
            # duty 0 first: the kernel refuses a period shorter than the duty in force
            (self._dir / "duty_cycle").write_text("0")
            (self._dir / "period").write_text(str(PERIOD_NS))
            self.set_duty(100.0)  # states x1 until the controller says otherwise
            (self._dir / "enable").write_text("1")
        except OSError as exc:
            raise HalError(f"PWM {self._dir}: {exc.strerror or exc} (is the pwm overlay enabled in config.txt?)") from exc

    def _await_export(self) -> None:
        deadline = time.monotonic() + EXPORT_WAIT_S
        while True:
            try:
                with open(self._dir / "period", "w"):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def set_duty(self, duty_pct: float) -> None:
        high = duty_pct / 100.0
        if self.inverted:
            high = 1.0 - high
        try:  # one open-write-close per change: a sysfs attribute takes one value per write
            (self._dir / "duty_cycle").write_text(str(round(PERIOD_NS * high)))
        except OSError as exc:
            raise HalError(f"PWM {self._dir}: {exc}") from exc

    def close(self) -> None:
        try:
            self.set_duty(100.0)
        except HalError:
            pass


class GpiozeroPwm:
    """PWM through a gpiozero pin factory (software or DMA timed, depending on the factory)."""

    def __init__(self, pin: int, *, pin_factory=None, inverted: bool = False):
        from gpiozero import PWMOutputDevice

        self._dev = PWMOutputDevice(pin, active_high=not inverted, initial_value=1.0, frequency=FREQUENCY_HZ,
                                    pin_factory=pin_factory)

    def set_duty(self, duty_pct: float) -> None:
        self._dev.value = max(0.0, min(1.0, duty_pct / 100.0))

    def close(self) -> None:
        self._dev.value = 1.0
        self._dev.close()
