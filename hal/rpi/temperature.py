"""Temperature sensors: an NTC on an ADC channel, or a DS18B20 on 1-wire.

An unreadable sensor raises HalError: the supervisor then trips
(temp_sensor), because charging blind to heat is not safe. The DS18B20 takes
750 ms per conversion, far too slow for the safety tick, so a thread reads it
and the tick gets the latest value, refused once it is stale.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

from hal.errors import HalError

log = logging.getLogger(__name__)

KELVIN = 273.15


class NtcTemperature:
    """NTC from the input to ground, series resistor from vref: v = vref * R / (R + series)."""

    def __init__(self, adc, channel: int, *, beta: float, r25_ohms: float, series_ohms: float, vref_v: float):
        self._adc = adc
        self._channel = channel
        self._beta = beta
        self._r25 = r25_ohms
        self._series = series_ohms
        self._vref = vref_v

    def read_c(self) -> float:
        v = self._adc.read_v(self._channel)
        if not 0.01 * self._vref < v < 0.99 * self._vref:
            raise HalError(f"NTC on channel {self._channel}: {v:.3f} V is a short or an open wire")
        ohms = self._series * v / (self._vref - v)
        return 1.0 / (1.0 / (25.0 + KELVIN) + math.log(ohms / self._r25) / self._beta) - KELVIN


W1_ROOT = Path("/sys/bus/w1/devices")
POWER_ON_VALUE_C = 85.0  # what a DS18B20 reports before its first conversion


class Ds18b20:
    def __init__(self, device_id: str | None = None, *, root: str | Path = W1_ROOT, period_s: float = 1.0,
                 stale_s: float = 5.0):
        self._root = Path(root)
        self._id = device_id
        self._period = period_s
        self._stale = stale_s
        self._value: float | None = None
        self._at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ds18b20", daemon=True)
        self._thread.start()

    def read_c(self) -> float:
        if self._value is None or time.monotonic() - self._at > self._stale:
            raise HalError(f"DS18B20 {self._id or '(first found)'}: no reading for {self._stale:.0f} s")
        return self._value

    def _device(self) -> Path:
        if self._id:
            return self._root / self._id
        found = sorted(self._root.glob("28-*"))
        if not found:
            raise FileNotFoundError(f"no DS18B20 under {self._root}")
        return found[0]

    def read_once(self) -> float:
        text = (self._device() / "w1_slave").read_text()
        lines = text.strip().splitlines()
        if len(lines) < 2 or not lines[0].endswith("YES") or "t=" not in lines[1]:
            raise ValueError(f"CRC failed: {text!r}")
        return int(lines[1].split("t=")[1]) / 1000.0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                value = self.read_once()
                if value != POWER_ON_VALUE_C or (self._value is not None and self._value > 75.0):
                    self._value, self._at = value, time.monotonic()
            except (OSError, ValueError) as exc:
                log.warning("DS18B20: %s", exc)
            self._stop.wait(self._period)

    def close(self) -> None:
        self._stop.set()
