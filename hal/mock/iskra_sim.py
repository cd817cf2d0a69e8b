"""The signing side of a simulated Iskra WM3M4C (hal.meters.iskra_signing drives the real one).

It keeps the holding registers the charger writes, and on a command letter does what the meter
does: "B" signs the begin reading, "E" (and the other end letters) both readings, each added with
the meter's identity to the charger's frame; it signs the payload's bytes with its key (ECDSA P-256,
SHA-256) and hands back payload and signature. Faults a test or the bench can set: the clock that
does not take the time, a signature that fails, a new key.
"""

from __future__ import annotations

import json
import logging
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hal.meters import iskra_signing as reg
from hal.meters.iskra_signing import pack, unpack

log = logging.getLogger(__name__)

BEGIN, DURING, ENDS = "B", "CT", "ELRAPr"  # OCMF TX letters; "r" as EVerest's driver sends it
FIRST, LAST = 7000, 8250  # the holding registers served


class IskraSigner:
    def __init__(self, key: ec.EllipticCurvePrivateKey | None = None, serial: str = "0"):
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.serial = serial
        self.regs: dict[int, int] = {reg.STATE: reg.IDLE, reg.SIGN_STATUS: 1}
        self.page = 0
        self.begin: dict | None = None
        self.refuse_clock = False
        self.fail_signature = False
        self._store_key()

    function = "holding"  # where its block lives (the meter's measurements are input registers)

    @staticmethod
    def serves(address: int, count: int) -> bool:
        """Whether a request stays inside the signing block this signer answers."""
        return FIRST <= address <= address + count <= LAST

    def new_key(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self._store_key()

    def public_key_hex(self) -> str:
        return self.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex().upper()

    def _store_key(self) -> None:
        xy = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)[1:]
        self.regs.update(zip(range(reg.PUBLIC_KEY, reg.PUBLIC_KEY + 32), pack(xy)))

    def write(self, address: int, values: list[int], energy_wh: float) -> None:
        if address == reg.TIME_STATUS and self.refuse_clock:
            values = [0]
        self.regs.update(zip(range(address, address + len(values)), values))
        if address == reg.COMMAND:
            self._command(chr(values[0] >> 8), energy_wh)

    def _command(self, letter: str, energy_wh: float) -> None:
        active = self.regs[reg.STATE] != reg.IDLE
        if letter == BEGIN and not active and self.regs.get(reg.TIME_STATUS) != reg.SYNCHRONIZED:
            self.regs[reg.SIGN_STATUS] = 128  # invalid date and time
        elif (letter == BEGIN) == active or letter not in BEGIN + DURING + ENDS:
            self.regs[reg.SIGN_STATUS] = 131 if letter in BEGIN + DURING + ENDS else 130
        elif letter == BEGIN:
            self.begin = self._reading("B", energy_wh)
            self.regs[reg.STATE] = 1
            self._sign([self.begin])
        elif letter in DURING:
            self._sign([self._reading(letter, energy_wh)])
        else:
            self.regs[reg.STATE] = reg.IDLE
            self._sign([self.begin, self._reading(letter.upper(), energy_wh)])

    def _reading(self, letter: str, energy_wh: float) -> dict:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ",000+0000 S"
        return {"TM": stamp, "TX": letter, "RV": round(energy_wh / 1000.0, 3), "RI": "1-b:1.8.0", "RU": "kWh",
                "RT": "AC", "EF": "", "ST": "G"}

    def _sign(self, readings: list[dict]) -> None:
        try:
            frame = json.loads(unpack(self._words(reg.FRAME, self.regs.get(reg.FRAME_LENGTH, 0)),
                                      self.regs.get(reg.FRAME_LENGTH, 0)))
        except ValueError:
            self.regs[reg.SIGN_STATUS] = 252  # invalid message format
            return
        self.page += 1
        frame.update(PG=f"T{self.page}", MV="Iskra", MM="WM3M4C", MS=self.serial, MF="1.14", RD=readings)
        payload = json.dumps(frame, separators=(",", ":")).encode()
        signature = self.key.sign(payload, ec.ECDSA(hashes.SHA256()))
        if self.fail_signature:
            self.regs[reg.SIGN_STATUS] = 254
            return
        self._put(reg.PAYLOAD, reg.PAYLOAD_LENGTH, payload)
        self._put(reg.SIGNATURE, reg.SIGNATURE_LENGTH, signature)
        self.regs[reg.SIGN_STATUS] = reg.SIGNED

    def _put(self, address: int, length_register: int, data: bytes) -> None:
        self.regs[length_register] = len(data)
        self.regs.update(zip(range(address, address + (len(data) + 1) // 2), pack(data)))

    def _words(self, address: int, length: int) -> list[int]:
        return [self.regs.get(a, 0) for a in range(address, address + (length + 1) // 2)]

    def status(self) -> dict:
        return {"public_key": self.public_key_hex(), "transaction_open": self.regs[reg.STATE] != reg.IDLE,
                "records": self.page, "refuse_clock": self.refuse_clock, "fail_signature": self.fail_signature}
