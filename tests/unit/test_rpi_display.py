"""The I2C character LCD driver against a simulated PCF8574 + HD44780 (the bytes on the bus, decoded)."""

import pytest

from hal.errors import HalError
from hal.rpi.display import ROW_OFFSETS, CharacterLcd


class SimLcd:
    """What the module does with each byte the Pi writes to the backpack: E's falling edge latches a nibble."""

    def __init__(self, address=0x27, columns=16, rows=2):
        self.address, self.columns, self.rows = address, columns, rows
        self.ddram = {}
        self.cursor = 0
        self.eight_bit = True  # until the function set puts it in 4-bit mode
        self.pending = None
        self.last = 0
        self.fail = False

    def write_byte(self, addr, value):
        if self.fail:
            raise OSError(121, "Remote I/O error")
        assert addr == self.address
        if self.last & 0x04 and not value & 0x04:
            self._latch(value & 0xF0, value & 0x01)
        self.last = value

    def _latch(self, nibble, rs):
        if self.eight_bit:
            if nibble == 0x20:
                self.eight_bit = False
            return
        if self.pending is None:
            self.pending = nibble
            return
        byte, self.pending = self.pending | (nibble >> 4), None
        if rs:
            self.ddram[self.cursor] = chr(byte)
            self.cursor += 1
        elif byte & 0x80:
            self.cursor = byte & 0x7F
        elif byte == 0x01:
            self.ddram, self.cursor = {}, 0

    def text(self) -> list[str]:
        return ["".join(self.ddram.get(ROW_OFFSETS[r] + c, " ") for c in range(self.columns)).rstrip()
                for r in range(self.rows)]


def test_lines_are_written_whole_and_padded():
    bus = SimLcd()
    lcd = CharacterLcd(smbus=bus, sleep=lambda s: None)
    lcd.show("1: charging 12.50 EUR\n2: ready")
    assert bus.text() == ["1: charging 12.5", "2: ready"]  # cut at 16 columns
    lcd.show("Welcome")
    assert bus.text() == ["Welcome", ""]  # nothing of the longer text is left
    lcd.show("Prix: 3 €\nline 2\nline 3")
    assert bus.text() == ["Prix: 3 ?", "line 2"]  # what the ROM cannot show, and lines beyond the rows


def test_a_20x4_module_uses_its_four_rows():
    bus = SimLcd(address=0x3F, columns=20, rows=4)
    lcd = CharacterLcd(address=0x3F, columns=20, rows=4, smbus=bus, sleep=lambda s: None)
    lcd.show("a\nb\nc\nd")
    assert bus.text() == ["a", "b", "c", "d"]


def test_a_bus_error_is_a_hal_error():
    bus = SimLcd()
    lcd = CharacterLcd(smbus=bus, sleep=lambda s: None)
    bus.fail = True
    with pytest.raises(HalError, match="LCD at 0x27"):
        lcd.show("x")
