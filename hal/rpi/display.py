"""A character LCD (HD44780) behind a PCF8574 I2C backpack: the common 16x2 or 20x4 module.

The backpack drives the LCD in 4-bit mode: P0 RS, P1 RW, P2 E, P3 backlight,
P4-P7 D4-D7 (the wiring of nearly every backpack sold). The text is written
whole, line by line, padded to the width, so a shorter text never leaves old
characters behind; what the LCD's ROM cannot show becomes '?'.
"""

from __future__ import annotations

import time

from hal.errors import HalError
from hal.rpi.i2c import open_smbus

RS, ENABLE, BACKLIGHT = 0x01, 0x04, 0x08
CLEAR, ENTRY_LEFT, DISPLAY_ON, FUNCTION_4BIT_2LINE, SET_DDRAM = 0x01, 0x06, 0x0C, 0x28, 0x80
ROW_OFFSETS = (0x00, 0x40, 0x14, 0x54)  # HD44780 datasheet, DDRAM addresses of the rows of a 20x4


class CharacterLcd:
    def __init__(self, *, bus: int = 1, address: int = 0x27, columns: int = 16, rows: int = 2, smbus=None,
                 sleep=time.sleep):
        self.address, self.columns, self.rows = address, columns, rows
        self._sleep = sleep
        self._bus = smbus if smbus is not None else open_smbus(bus, "LCD")
        self._init()

    def _init(self) -> None:
        """The datasheet's 4-bit initialisation by instruction (figure 24)."""
        self._sleep(0.05)
        for _ in range(3):
            self._nibble(0x30, 0)
            self._sleep(0.005)
        self._nibble(0x20, 0)
        for command in (FUNCTION_4BIT_2LINE, DISPLAY_ON, CLEAR, ENTRY_LEFT):
            self._write(command, 0)
        self._sleep(0.002)

    def show(self, text: str) -> None:
        lines = text.split("\n")[: self.rows]
        try:
            for row in range(self.rows):
                line = lines[row] if row < len(lines) else ""
                self._write(SET_DDRAM | ROW_OFFSETS[row], 0)
                for ch in line[: self.columns].ljust(self.columns):
                    self._write(ord(ch) if 0x20 <= ord(ch) < 0x7F else ord("?"), RS)
        except OSError as exc:
            raise HalError(f"LCD at 0x{self.address:02x}: {exc}") from exc

    def _write(self, value: int, mode: int) -> None:
        self._nibble(value & 0xF0, mode)
        self._nibble((value << 4) & 0xF0, mode)

    def _nibble(self, high_bits: int, mode: int) -> None:
        byte = high_bits | mode | BACKLIGHT
        self._bus.write_byte(self.address, byte | ENABLE)  # the LCD latches on E's falling edge
        self._bus.write_byte(self.address, byte)

    def close(self) -> None:
        close = getattr(self._bus, "close", None)
        if close is not None:
            close()
