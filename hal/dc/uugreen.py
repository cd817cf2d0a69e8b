"""UUGreen power modules on a CAN bus (python-can: socketcan on the board, the virtual bus in tests).

One `UUGreenBus` owns the bus: a python-can Notifier thread files every answer with its module, and a
poller asks each module for its output voltage, current and status every `poll_s`. A module is a
PowerModule of its own (the ModuleStack puts them in parallel). Commands are sent from the caller's
thread at once, so `off()` from the safety tick goes out without waiting on the poller. A module
that has not answered for SILENT_S reports that as a fault: the power path stops rather than drive
an output it cannot see.
"""

from __future__ import annotations

import logging
import threading
import time

import can

from hal.dc import uugreen_protocol as uu
from hal.errors import HalError
from hal.types import ModuleReading

log = logging.getLogger(__name__)

SILENT_S = 1.0


class UUGreenBus:
    def __init__(self, bus: can.BusABC, controller: int = 1, poll_s: float = 0.1, clock=time.monotonic):
        self.bus, self.controller, self.poll_s, self.clock = bus, controller, poll_s, clock
        self.modules: dict[int, UUGreenModule] = {}
        self._stop = threading.Event()
        self._notifier = can.Notifier(bus, [self._on_frame], timeout=0.05)
        self._poller = threading.Thread(target=self._poll, name="uugreen poll", daemon=True)
        self._poller.start()

    def module(self, address: int, max_v: float = 1000.0, max_a: float = 30.0, max_w: float = 30000.0):
        if not 1 <= address <= 0x7F:
            raise HalError(f"UUGreen module address {address}: must be 1 to 127")
        self.modules[address] = UUGreenModule(self, address, max_v, max_a, max_w)
        return self.modules[address]

    def send(self, address: int, message_type: int, command: int, value: int = 0) -> None:
        msg = can.Message(arbitration_id=uu.can_id(address, self.controller), is_extended_id=True,
                          data=uu.payload(message_type, command, value))
        try:
            self.bus.send(msg, timeout=0.05)
        except can.CanError as exc:
            raise HalError(f"CAN: module {address} not reached: {exc}") from exc

    def _on_frame(self, msg: can.Message) -> None:
        if not msg.is_extended_id:
            return
        protocol, controller, address = uu.parse_id(msg.arbitration_id)
        module = self.modules.get(address)
        if protocol != uu.PROTOCOL or controller != self.controller or module is None:
            return
        try:
            message_type, command, value = uu.parse_payload(msg.data)
        except ValueError as exc:
            log.warning("UUGreen module %s: a frame we cannot read (%s)", address, exc)
            return
        if message_type == uu.READ_DATA_RESPONSE:
            module.heard(command, value, self.clock())

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            for address in list(self.modules):
                for command in (uu.VOUT, uu.IOUT_SLOW, uu.MODULE_STATUS):
                    try:
                        self.send(address, uu.READ_DATA, command)
                    except HalError as exc:
                        log.debug("%s", exc)  # its silence becomes a fault after SILENT_S

    def close(self) -> None:
        self._stop.set()
        self._poller.join(timeout=1.0)
        self._notifier.stop()
        self.bus.shutdown()


class UUGreenModule:
    def __init__(self, link: UUGreenBus, address: int, max_v: float, max_a: float, max_w: float):
        self.link, self.address = link, address
        self.max_v, self.max_a, self.max_w = max_v, max_a, max_w
        self.voltage_v = self.current_a = 0.0
        self.status: frozenset[str] = frozenset()
        self.commanded_on = False
        self._heard_at = link.clock()  # a grace of SILENT_S from the start
        self._sampled_at = link.clock()

    def heard(self, command: int, value: int, now: float) -> None:
        self._heard_at = now
        if command == uu.VOUT:
            self.voltage_v, self._sampled_at = value / 1000.0, now
        elif command == uu.IOUT_SLOW:
            self.current_a = value / 1000.0
        elif command == uu.MODULE_STATUS:
            self.status = uu.status_faults(value)

    def set_output(self, voltage_v: float, current_a: float) -> None:
        v = max(0.0, min(voltage_v, self.max_v))
        a = max(0.0, min(current_a, self.max_a, self.max_w / max(v, 1.0)))
        self.link.send(self.address, uu.SET_DATA, uu.VOUT_REFERENCE, round(v * 1000))
        self.link.send(self.address, uu.SET_DATA, uu.IOUT_LIMIT, round(a * 1000))

    def on(self) -> None:
        self.link.send(self.address, uu.SET_DATA, uu.SHUTDOWN_DCDC, 0)
        self.commanded_on = True

    def off(self) -> None:
        self.commanded_on = False
        self.link.send(self.address, uu.SET_DATA, uu.SHUTDOWN_DCDC, 1)

    def read(self) -> ModuleReading:
        now = self.link.clock()
        faults = set(self.status)
        if now - self._heard_at > SILENT_S:
            faults.add(f"not answering on CAN for {now - self._heard_at:.1f} s")
        return ModuleReading(voltage_v=self.voltage_v, current_a=self.current_a, temperature_c=None,
                             on=self.commanded_on and not faults, faults=frozenset(faults),
                             taken_at=self._sampled_at)

    def limits(self) -> tuple[float, float, float]:
        return self.max_v, self.max_a, self.max_w
