"""UUGreen modules simulated on a CAN bus (python-can's virtual bus, or vcan): they answer the
controller's frames as the real modules do (hal/dc/uugreen_protocol.py) and drive the bench's DC
bus physics (hal/mock/dc.py) with what they are told."""

from __future__ import annotations

import can

from hal.dc import uugreen_protocol as uu
from hal.mock.dc import DcBus, SimPowerModule


class SimUUGreenModules:
    def __init__(self, bus: can.BusABC, dc_bus: DcBus, addresses: list[int], controller: int = 1,
                 max_a: float = 30.0):
        self.bus, self.dc_bus, self.controller = bus, dc_bus, controller
        self.modules = {a: SimPowerModule(dc_bus, a, max_a=max_a) for a in addresses}
        self._set: dict[int, list[float]] = {a: [0.0, 0.0] for a in addresses}
        self.frames: list[can.Message] = []  # every frame the controller sent them, for the tests
        self.silent: set[int] = set()  # modules that stopped answering (a cut CAN wire)
        self._notifier = can.Notifier(bus, [self._on_frame], timeout=0.05)

    def _on_frame(self, msg: can.Message) -> None:
        protocol, controller, address = uu.parse_id(msg.arbitration_id)
        if not msg.is_extended_id or protocol != uu.PROTOCOL or controller != self.controller:
            return
        targets = list(self.modules) if address == 0 else [address] if address in self.modules else []
        message_type, command, value = uu.parse_payload(msg.data)
        if message_type not in (uu.SET_DATA, uu.READ_DATA):
            return  # another module's answer
        self.frames.append(msg)
        for a in targets:
            if a in self.silent:
                continue
            if message_type == uu.SET_DATA:
                self._apply(a, command, value)
                self._answer(a, uu.SET_DATA_RESPONSE, command, value)
            else:
                self._answer(a, uu.READ_DATA_RESPONSE, command, self._value(a, command))

    def _apply(self, a: int, command: int, value: int) -> None:
        m, setting = self.modules[a], self._set[a]
        if command == uu.VOUT_REFERENCE:
            setting[0] = value / 1000.0
        elif command == uu.IOUT_LIMIT:
            setting[1] = value / 1000.0
        elif command == uu.SHUTDOWN_DCDC:
            m.on() if value == 0 else m.off()
        m.set_output(*setting)

    def _value(self, a: int, command: int) -> int:
        if command == uu.VOUT:
            return round(self.dc_bus.voltage_v * 1000)
        if command == uu.IOUT_SLOW:
            return round(self.dc_bus.current_a / len(self.modules) * 1000)
        if command == uu.MODULE_STATUS:
            return uu.status_word(self.dc_bus.module_faults.get(a, set()))
        return 0

    def _answer(self, a: int, message_type: int, command: int, value: int) -> None:
        self.bus.send(can.Message(arbitration_id=uu.can_id(a, self.controller), is_extended_id=True,
                                  data=uu.payload(message_type, command, value)))

    def close(self) -> None:
        self._notifier.stop()
        self.bus.shutdown()
