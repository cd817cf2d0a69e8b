"""The Iskra WM3M4C's signed transactions over Modbus (holding registers, the WM3M4 manual's
numbers less one, as EVerest's RsIskraMeter and Tinkerforge's evse-v2-bricklet drive them).

The charger writes the legal clock (UTC offset, Unix time, "synchronized"), the record's frame (an
OCMF payload with empty readings, in the order the manual demands) and then a command letter; the
meter adds its identity and readings, signs and hands back the payload and a DER signature (after
"B" of the begin reading alone, after "E" of both). Texts
and the key are packed two bytes per register, high byte first. Every call blocks for the bus and
the meter's signing (up to SIGN_TIMEOUT_S).
"""

from __future__ import annotations

import json
import logging
import threading
import time

from hal.errors import SigningError
from hal.meters.bus import ModbusBus, ModbusMeter
from hal.meters.ocmf import P256, p256_key_from_xy, record
from hal.meters.registers import RegisterMap
from hal.types import SignedRecord, SignedStart

log = logging.getLogger(__name__)

STATE = 7000  # 0 idle, 1 active, 2 active after a power failure, 3 active after a reset
COMMAND = 7051  # the OCMF TX letter in the high byte: "B" begins, "C" reads during it, "E" ends
SIGN_STATUS = 7052  # 15 signed; 0-2 working; 128 and up an error (STATUS below)
UTC_OFFSET_MIN, UNIX_TIME, TIME_STATUS = 7053, 7054, 7071  # TIME_STATUS 2: synchronized
FRAME_LENGTH, PAYLOAD_LENGTH, SIGNATURE_LENGTH = 7056, 7057, 7058  # in bytes
ALGORITHM = 7059  # 0: ECDSA over P-256 with SHA-256
FRAME, PAYLOAD, PUBLIC_KEY, SIGNATURE = 7100, 7612, 8124, 8188
IDLE, SIGNED, SYNCHRONIZED = 0, 15, 2
STATUS = {128: "invalid date and time", 129: "checksum error", 130: "invalid command", 131: "invalid state",
          132: "invalid measurement", 133: "test mode", 244: "signature state error", 250: "verify error",
          251: "public key error", 252: "invalid message format", 253: "invalid message size",
          254: "signature error", 255: "undefined error"}
CHUNK = 120  # registers per request, as the open drivers use
SIGN_TIMEOUT_S = 15.0


def pack(text: bytes) -> list[int]:
    text += b"\x00" * (len(text) % 2)
    return [text[i] << 8 | text[i + 1] for i in range(0, len(text), 2)]


def unpack(registers: list[int], length: int) -> bytes:
    return b"".join(r.to_bytes(2, "big") for r in registers)[:length]


class IskraSigningMeter(ModbusMeter):
    """hal.interfaces.SigningMeter for the WM3M4C; readings as any ModbusMeter."""

    def __init__(self, bus: ModbusBus, device_id: int, regmap: RegisterMap, wall=time.time):
        super().__init__(bus, device_id, regmap)
        self._wall = wall  # the legal clock the meter is set to (seconds since the epoch, UTC)
        # A command and the reading of its answer are one exchange: a periodic and a clock-aligned
        # signed reading asked at once must not interleave theirs.
        self._exchange = threading.Lock()

    def public_key(self) -> str:
        return p256_key_from_xy(unpack(self._read(PUBLIC_KEY, 32), 64))

    def begin_signed(self, start: SignedStart) -> SignedRecord | None:
        with self._exchange:
            return self._begin(start)

    def _begin(self, start: SignedStart) -> SignedRecord | None:
        if self._read(STATE, 1)[0] != IDLE:
            log.warning("meter %s: a signed transaction was still open; ending it unused", self.device_id)
            self._command("E")
        self._set_clock()
        self._write(ALGORITHM, [0])
        frame = json.dumps(_frame(start), separators=(",", ":")).encode()
        for at in range(0, len(frame), 2 * CHUNK):
            self._write(FRAME + at // 2, pack(frame[at: at + 2 * CHUNK]))
        self._write(FRAME_LENGTH, [len(frame)])
        self._command("B")
        return self._record() if self._read(PAYLOAD_LENGTH, 1)[0] else None

    def sign_reading(self, transaction_id: str) -> SignedRecord:
        return self._during("C", "read in")

    def end_signed(self, transaction_id: str) -> SignedRecord:
        return self._during("E", "end")

    def _during(self, letter: str, what: str) -> SignedRecord:
        with self._exchange:
            if self._read(STATE, 1)[0] == IDLE:
                raise SigningError("state", f"meter {self.device_id}: no signed transaction open to {what}")
            self._command(letter)
            return self._record()

    def _record(self) -> SignedRecord:
        """The payload and signature the last command left in the registers, as one OCMF record."""
        payload = self._text(PAYLOAD, PAYLOAD_LENGTH).decode("utf-8", "replace")
        signature = self._text(SIGNATURE, SIGNATURE_LENGTH)
        return SignedRecord(record(payload, signature), self.public_key(), P256)

    # ---- the registers ----------------------------------------------------------------------
    def _set_clock(self) -> None:
        now = int(self._wall())
        self._write(UTC_OFFSET_MIN, [0])
        self._write(UNIX_TIME, [now >> 16 & 0xFFFF, now & 0xFFFF])
        self._write(TIME_STATUS, [SYNCHRONIZED])
        if self._read(TIME_STATUS, 1)[0] != SYNCHRONIZED:
            raise SigningError("clock", f"meter {self.device_id}: its legal clock did not take the time")

    def _command(self, letter: str) -> None:
        self._write(COMMAND, [ord(letter) << 8])
        deadline = time.monotonic() + SIGN_TIMEOUT_S
        while True:
            status = self._read(SIGN_STATUS, 1)[0]
            if status == SIGNED:
                return
            if status >= 128:
                kind = "clock" if status == 128 else "state" if status == 131 else "signature"
                raise SigningError(kind, f"meter {self.device_id}: {letter!r} refused: "
                                         f"{STATUS.get(status, f'status {status}')}")
            if time.monotonic() > deadline:
                raise SigningError("signature", f"meter {self.device_id}: no signature after {SIGN_TIMEOUT_S:.0f} s")
            time.sleep(0.05)

    def _text(self, address: int, length_register: int) -> bytes:
        length = self._read(length_register, 1)[0]
        words = (length + 1) // 2
        registers: list[int] = []
        for at in range(0, words, CHUNK):
            registers += self._read(address + at, min(CHUNK, words - at))
        return unpack(registers, length)

    def _read(self, address: int, count: int) -> list[int]:
        return self.bus.read(self.device_id, "holding", address, count)

    def _write(self, address: int, values: list[int]) -> None:
        self.bus.write(self.device_id, address, values)


def _frame(start: SignedStart) -> dict:
    """The payload frame in the order the manual demands; the meter fills PG, the meter's fields and RD."""
    return {"FV": "1.0", "GI": "evse-controller", "GS": "", "PG": "", "MV": "", "MM": "", "MS": "", "MF": "",
            "IS": bool(start.id_token), "IF": list(start.flags)[:4], "IT": start.id_type,
            "ID": start.id_token.replace("|", " "), "CT": "CBIDC", "CI": start.charge_point.replace("|", " "),
            "RD": []}
