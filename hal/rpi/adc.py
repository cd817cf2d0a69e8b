"""ADCs for the pilot, proximity and NTC levels: MCP3008 (SPI) and ADS1115 (I2C).

Both answer `read_v(channel)` in volts at the ADC pin and raise HalError when
the bus fails, so a dead converter becomes a fault (state F), never a crash
or a made-up level. The MCP3008 is gpiozero's own device; the ADS1115 is
driven over smbus2 in single-shot mode, one channel per conversion.
"""

from __future__ import annotations

import time

from hal.errors import HalError
from hal.rpi.i2c import open_smbus


class Mcp3008:
    CHANNELS = 8

    def __init__(self, channels, *, vref: float = 3.3, device: int = 0, pin_factory=None):
        from gpiozero import MCP3008

        try:
            self._ch = {ch: MCP3008(channel=ch, device=device, max_voltage=vref, pin_factory=pin_factory)
                        for ch in sorted(set(channels))}
        except Exception as exc:  # gpiozero raises its own hierarchy per factory
            raise HalError(f"MCP3008 on SPI0 CE{device}: {exc}") from exc

    def read_v(self, channel: int) -> float:
        try:
            return self._ch[channel].voltage
        except Exception as exc:
            raise HalError(f"MCP3008 channel {channel}: {exc}") from exc

    def close(self) -> None:
        for dev in self._ch.values():
            dev.close()


# ADS1115 datasheet (TI SBAS444), section 8.6: registers and config bits.
REG_CONVERSION = 0x00
REG_CONFIG = 0x01
OS_START = 0x8000  # write: start a single conversion; read: 1 = idle (conversion done)
MUX_SINGLE = (0x4000, 0x5000, 0x6000, 0x7000)  # AINx against GND
PGA_4_096 = 0x0200  # +-4.096 V full scale
MODE_SINGLE = 0x0100
DR_860 = 0x00E0  # 860 samples/s: 1.2 ms per conversion
COMP_OFF = 0x0003
FULL_SCALE_V = 4.096
CONVERSION_TIMEOUT_S = 0.01


class Ads1115:
    CHANNELS = 4

    def __init__(self, *, bus: int = 1, address: int = 0x48, smbus=None):
        self.address = address
        self._bus = smbus if smbus is not None else open_smbus(bus, "ADS1115")

    def read_v(self, channel: int) -> float:
        config = OS_START | MUX_SINGLE[channel] | PGA_4_096 | MODE_SINGLE | DR_860 | COMP_OFF
        try:
            self._bus.write_i2c_block_data(self.address, REG_CONFIG, [config >> 8, config & 0xFF])
            self._await_conversion()
            hi, lo = self._bus.read_i2c_block_data(self.address, REG_CONVERSION, 2)
        except OSError as exc:
            raise HalError(f"ADS1115 at 0x{self.address:02x}: {exc}") from exc
        raw = int.from_bytes(bytes((hi, lo)), "big", signed=True)
        return raw * FULL_SCALE_V / 32768

    def _await_conversion(self) -> None:
        deadline = time.monotonic() + CONVERSION_TIMEOUT_S
        while True:
            hi, _ = self._bus.read_i2c_block_data(self.address, REG_CONFIG, 2)
            if hi & (OS_START >> 8):
                return
            if time.monotonic() > deadline:
                raise HalError(f"ADS1115 at 0x{self.address:02x}: conversion did not finish")
            time.sleep(0.0002)

    def close(self) -> None:
        close = getattr(self._bus, "close", None)
        if close is not None:
            close()
