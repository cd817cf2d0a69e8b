"""The pilot front end: PWM out, CP peak levels and PP resistance in through an ADC.

The interface board (docs/hardware.md) scales the +-12 V pilot into the ADC's
range as adc_v = cp_v * gain + offset, once through a positive-peak detector
(the high level) and once through a negative-peak detector (the low level).
`evse calibrate` measures gain and offset of each detector against the two
levels the EVSE itself drives (+12 V and -12 V, nothing plugged) and stores
them per board; until then the nominal values of the board config are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.errors import HalError
from hal.types import PilotSample

# The detectors sit mid-range (CP +-12 V -> about 0.45..2.85 V at nominal gain):
# a reading this close to 0 V or full scale means a dead ADC (an SPI chip
# that stopped answering reads all zeros), or an unpowered front end.
RAIL_MARGIN = 0.02


@dataclass(frozen=True)
class LinearCal:
    """adc_v = cp_v * gain + offset_v, per detector."""

    gain: float
    offset_v: float

    def cp_volts(self, adc_v: float) -> float:
        return (adc_v - self.offset_v) / self.gain

    @classmethod
    def from_points(cls, cp_a: float, adc_a: float, cp_b: float, adc_b: float) -> "LinearCal":
        gain = (adc_b - adc_a) / (cp_b - cp_a)
        return cls(gain, adc_a - cp_a * gain)


@dataclass(frozen=True)
class PpDivider:
    """PP-PE resistor of the cable under a pull-up to vref: v = vref * R / (R + pullup)."""

    pullup_ohms: float
    vref_v: float
    open_fraction: float = 0.95  # above this share of vref nothing is plugged

    def ohms(self, adc_v: float) -> float | None:
        if adc_v >= self.vref_v * self.open_fraction:
            return None
        adc_v = max(adc_v, 0.0)
        return self.pullup_ohms * adc_v / (self.vref_v - adc_v)


class RpiPilot:
    def __init__(self, pwm, adc, *, high_channel: int, low_channel: int, pp_channel: int | None,
                 high_cal: LinearCal, low_cal: LinearCal, pp: PpDivider, full_scale_v: float = 3.3):
        self._pwm = pwm
        self._adc = adc
        self._high = (high_channel, high_cal)
        self._low = (low_channel, low_cal)
        self._pp_channel = pp_channel
        self._pp = pp
        self._full_scale = full_scale_v
        self._duty = 100.0

    def set_pwm(self, duty_pct: float) -> None:
        self._pwm.set_duty(duty_pct)
        self._duty = duty_pct

    def read_pilot(self) -> PilotSample:
        high = self._level(*self._high)
        low = None
        if 0.0 < self._duty < 100.0:  # a negative half-wave exists only while oscillating
            low = self._level(*self._low)
        return PilotSample(high, low)

    def _level(self, channel: int, cal: LinearCal) -> float:
        adc_v = self._adc.read_v(channel)
        margin = RAIL_MARGIN * self._full_scale
        if not margin < adc_v < self._full_scale - margin:
            raise HalError(f"pilot detector on ADC channel {channel} reads {adc_v:.3f} V, at a rail")
        return cal.cp_volts(adc_v)

    def read_pp_ohms(self) -> float | None:
        if self._pp_channel is None:
            return None
        return self._pp.ohms(self._adc.read_v(self._pp_channel))

    def read_raw(self) -> tuple[float, float]:
        """ADC volts of both detectors, for calibration."""
        return self._adc.read_v(self._high[0]), self._adc.read_v(self._low[0])

    def close(self) -> None:
        self._pwm.close()
