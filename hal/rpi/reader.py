"""Card readers on a serial line: a hex UID per line, or RDM6300 frames.

Most USB and UART RFID readers either type the card's UID as a text line
(CDC serial) or, like the 125 kHz RDM6300, send a framed ASCII record. A
thread reads the port so that `poll` never blocks; a port that fails (a
reader unplugged) makes `poll` raise HalError, reported as ReaderFailure,
and the thread keeps reopening it.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time

import serial

from hal.errors import HalError
from hal.types import CardPresented

log = logging.getLogger(__name__)

UID = re.compile(r"^[0-9A-F]{4,20}$")
STX, ETX = 0x02, 0x03
RDM6300_BODY = 12  # 10 hex digits of data, 2 of checksum
REPEAT_S = 2.0  # a card held at the reader is one presentation
REOPEN_S = 2.0


def parse_line(line: bytes) -> str | None:
    text = line.decode("ascii", "replace").strip().upper()
    text = re.sub(r"[\s:\-]", "", text)
    return text if UID.match(text) else None


def parse_rdm6300(body: bytes) -> str | None:
    """10 hex data digits and 2 hex checksum digits: the XOR of the five data bytes."""
    try:
        text = body.decode("ascii").upper()
        data = bytes.fromhex(text[:10])
        checksum = int(text[10:12], 16)
    except (UnicodeDecodeError, ValueError):
        return None
    xor = 0
    for byte in data:
        xor ^= byte
    return text[:10] if xor == checksum else None


class SerialCardReader:
    def __init__(self, port: str, *, baud: int = 9600, fmt: str = "line", serial_factory=serial.Serial):
        self._port = port
        self._baud = baud
        self._fmt = fmt
        self._open = serial_factory
        self._cards: queue.SimpleQueue = queue.SimpleQueue()
        self._error: str | None = None
        self._last: tuple[str, float] = ("", 0.0)
        self._stop = threading.Event()
        self.opened = threading.Event()  # the port is open and being read
        self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
        self._thread.start()

    def poll(self) -> CardPresented | None:
        try:
            return self._cards.get_nowait()
        except queue.Empty:
            pass
        if self._error is not None:
            raise HalError(f"card reader {self._port}: {self._error}")
        return None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._open(self._port, self._baud, timeout=0.2) as line:
                    self._error = None
                    self.opened.set()
                    self._read(line)
            except (serial.SerialException, OSError) as exc:
                self.opened.clear()
                if self._error is None:
                    log.error("card reader %s: %s", self._port, exc)
                self._error = str(exc)
                self._stop.wait(REOPEN_S)

    def _read(self, line) -> None:
        buffer = b""
        while not self._stop.is_set():
            chunk = line.read(64)
            if not chunk:
                continue
            buffer += chunk
            buffer = self._frames(buffer) if self._fmt == "rdm6300" else self._lines(buffer)

    def _lines(self, buffer: bytes) -> bytes:
        *complete, rest = re.split(rb"[\r\n]+", buffer)
        for raw in complete:
            self._offer(parse_line(raw))
        return rest[-256:]

    def _frames(self, buffer: bytes) -> bytes:
        while True:
            start = buffer.find(bytes([STX]))
            if start < 0:
                return b""
            end = buffer.find(bytes([ETX]), start)
            if end < 0:
                return buffer[start:][-256:]
            body = buffer[start + 1:end]
            self._offer(parse_rdm6300(body) if len(body) == RDM6300_BODY else None)
            buffer = buffer[end + 1:]

    def _offer(self, uid: str | None) -> None:
        if uid is None:
            log.warning("card reader %s: unreadable record ignored", self._port)
            return
        now = time.monotonic()
        if uid == self._last[0] and now - self._last[1] < REPEAT_S:
            self._last = (uid, now)
            return
        self._last = (uid, now)
        self._cards.put(CardPresented(uid))

    def close(self) -> None:
        self._stop.set()
