"""A Bender isoCHA425HV insulation monitor (ISOMETER class, IEC 61557-8) over Modbus RTU.

Register facts as established by EVerest's Bender_isoCHA425HV driver (a public open-source driver of
this device), not from Bender's manual:

- a measured channel is four holding registers: a float32 (high word first), then a word whose high
  byte holds the alarm (bits 0-2: 0 none, 1 pre-warning, 2 device error, 4 warning, 5 alarm) and the
  test in progress (bits 6-7: 1 internal, 2 external), and whose low byte holds the unit (bits 0-4: 2
  ohm, 4 volt) and the validity (bits 6-7: 3 invalid), then the channel's description code;
- insulation resistance rF at 1000, the DC voltage Un at 1008;
- writing 0x5445 to 8005 starts a self test; 3026 switches measuring on (1) or off (0); 3005 and 3007
  hold the pre-alarm and alarm thresholds in kOhm.

Modbus blocks, so a thread polls the device once a second and `read()` returns what it last saw.
The alarm relay is wired to a digital input of its own (DcConnectorHal.isolation_alarm): a trip never
waits on this bus.
"""

from __future__ import annotations

import logging
import struct
import threading
import time

from hal.errors import HalError
from hal.types import IsolationReading

log = logging.getLogger(__name__)

REG_RF, REG_UN = 1000, 1008
REG_PREALARM_KOHM, REG_ALARM_KOHM, REG_MEASURING = 3005, 3007, 3026
REG_SELF_TEST, SELF_TEST_WORD = 8005, 0x5445
ALARM_DEVICE_ERROR = 2
SELF_TEST_S = 30.0


def decode_channel(regs: list[int]) -> dict:
    """One measured channel: value, alarm, test in progress, validity."""
    value = struct.unpack(">f", struct.pack(">HH", regs[0], regs[1]))[0]
    flags, unit = regs[2] >> 8, regs[2] & 0xFF
    return {"value": value, "alarm": flags & 0x07, "testing": (flags >> 6) != 0, "valid": (unit >> 6) != 3,
            "unit": unit & 0x1F, "description": regs[3]}


def encode_channel(value: float, alarm: int = 0, test: int = 0, unit: int = 2, valid: bool = True,
                   description: int = 71) -> list[int]:
    """The inverse, for the simulated device."""
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo, ((test & 0x03) << 14) | ((alarm & 0x07) << 8) | ((0 if valid else 3) << 6) | (unit & 0x1F),
            description]


class IsoCha425:
    def __init__(self, bus, device_id: int, *, prealarm_kohm: int = 500, alarm_kohm: int = 100,
                 poll_s: float = 1.0, clock=time.monotonic):
        self.bus, self.device_id, self.poll_s, self.clock = bus, device_id, poll_s, clock
        self._measuring = False
        self._resistance: float | None = None
        self._taken_at = 0.0
        self._self_test: bool | None = None
        self._test_began: float | None = None
        self._test_seen = False
        self._stop = threading.Event()
        self.bus.write(device_id, REG_PREALARM_KOHM, [prealarm_kohm])
        self.bus.write(device_id, REG_ALARM_KOHM, [alarm_kohm])
        self._thread = threading.Thread(target=self._run, name=f"isometer {device_id}", daemon=True)
        self._thread.start()

    def start(self, test_voltage_v: float) -> None:
        self._resistance = None  # only a measurement made from now on counts
        self.bus.write(self.device_id, REG_MEASURING, [1])
        self._measuring = True

    def stop(self) -> None:
        self._measuring = False

    def self_test(self) -> None:
        self._self_test, self._test_seen, self._test_began = None, False, self.clock()
        self.bus.write(self.device_id, REG_SELF_TEST, [SELF_TEST_WORD])

    def read(self) -> IsolationReading:
        return IsolationReading(resistance_ohm=self._resistance, self_test=self._self_test, taken_at=self._taken_at)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self._poll()
            except HalError as exc:
                log.warning("insulation monitor %s: %s", self.device_id, exc)

    def _poll(self) -> None:
        rf = decode_channel(self.bus.read(self.device_id, "holding", REG_RF, 4))
        now = self.clock()
        if self._test_began is not None:
            self._follow_self_test(rf, now)
        if self._measuring and rf["valid"] and not rf["testing"] and rf["alarm"] != ALARM_DEVICE_ERROR:
            self._resistance, self._taken_at = rf["value"], now

    def _follow_self_test(self, rf: dict, now: float) -> None:
        """The test shows in the test bits while it runs; it passed if it ended without a device error."""
        if rf["testing"]:
            self._test_seen = True
        elif self._test_seen:
            self._self_test, self._test_began = rf["alarm"] != ALARM_DEVICE_ERROR, None
            log.info("insulation monitor %s: self test %s", self.device_id, "passed" if self._self_test else "failed")
        elif now - self._test_began > SELF_TEST_S:
            self._self_test, self._test_began = False, None
            log.error("insulation monitor %s: no self test seen within %.0f s", self.device_id, SELF_TEST_S)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
