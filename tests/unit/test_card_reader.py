"""The serial card reader on a real pty pair: text lines, RDM6300 frames, a reader unplugged."""

import os
import time

import pytest

from hal.errors import HalError
from hal.rpi.reader import SerialCardReader, parse_line, parse_rdm6300


def rdm6300_frame(data_hex: str) -> bytes:
    data = bytes.fromhex(data_hex)
    xor = 0
    for b in data:
        xor ^= b
    return b"\x02" + data_hex.upper().encode() + f"{xor:02X}".encode() + b"\x03"


def wait_card(reader, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        card = reader.poll()
        if card is not None:
            return card
        time.sleep(0.01)
    return None


@pytest.fixture
def pty():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def test_line_reader_gives_each_card_once(pty):
    master, port = pty
    reader = SerialCardReader(port, fmt="line")
    assert reader.opened.wait(3)
    try:
        os.write(master, b"04:a1:b2:c3\r\n")
        assert wait_card(reader).id_tag == "04A1B2C3"
        os.write(master, b"04A1B2C3\r\n")  # the same card still held at the reader
        assert wait_card(reader, 0.5) is None
        os.write(master, b"garbage!\r\nDEADBEEF\n")
        assert wait_card(reader).id_tag == "DEADBEEF", "a bad line is skipped, the next read"
    finally:
        reader.close()


def test_rdm6300_frames_with_checksum(pty):
    master, port = pty
    reader = SerialCardReader(port, fmt="rdm6300")
    assert reader.opened.wait(3)
    try:
        good = rdm6300_frame("0A00B1C2D3")
        bad = good[:-3] + b"00\x03"
        os.write(master, bad + good[:5])
        time.sleep(0.1)
        os.write(master, good[5:])  # a frame split across reads
        assert wait_card(reader).id_tag == "0A00B1C2D3"
        assert wait_card(reader, 0.3) is None, "the corrupted frame gave nothing"
    finally:
        reader.close()


def test_a_reader_that_disappears_is_a_failure(tmp_path):
    reader = SerialCardReader(str(tmp_path / "ttyUSB9"), fmt="line")
    try:
        deadline = time.monotonic() + 3
        with pytest.raises(HalError, match="ttyUSB9"):
            while time.monotonic() < deadline:
                reader.poll()
                time.sleep(0.01)
    finally:
        reader.close()


@pytest.mark.parametrize("raw, uid", [(b"04a1b2c3", "04A1B2C3"), (b" 04 A1 B2 C3 ", "04A1B2C3"),
                                      (b"xyz", None), (b"0", None), (b"A" * 21, None)])
def test_parse_line(raw, uid):
    assert parse_line(raw) == uid


def test_parse_rdm6300_rejects_a_bad_checksum():
    assert parse_rdm6300(rdm6300_frame("0A00B1C2D3")[1:-1]) == "0A00B1C2D3"
    assert parse_rdm6300(b"0A00B1C2D3FF") is None


def test_unplugging_the_reader_mid_use_is_seen(pty):
    master, port = pty
    reader = SerialCardReader(port, fmt="line")
    assert reader.opened.wait(3)
    try:
        os.write(master, b"CAFE01\n")
        assert wait_card(reader).id_tag == "CAFE01"
        os.close(master)  # the USB reader is pulled: the line hangs up
        deadline = time.monotonic() + 3
        with pytest.raises(HalError):
            while time.monotonic() < deadline:
                reader.poll()
                time.sleep(0.01)
    finally:
        reader.close()
