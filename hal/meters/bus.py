"""One Modbus line (RS-485 through pyserial, or TCP) and the meters on it.

A bus is used by one thread at a time (its lock): RTU is half-duplex, and even
over TCP a gateway serves one request at a time. Timeouts and retries are the
bus's, from the board config. Every failure is a MeterError naming the meter.
"""

from __future__ import annotations

import threading
import time

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ModbusException

from hal.errors import MeterError
from hal.meters.registers import RegisterMap, decode, decode_block
from hal.types import MeterReading


class ModbusBus:
    def __init__(self, name: str, *, port: str | None = None, host: str | None = None, tcp_port: int = 502,
                 baud: int = 9600, parity: str = "N", stopbits: int = 1, timeout_s: float = 0.3, retries: int = 1,
                 trace_packet=None):
        self.name = name
        if port is not None:
            self.client = ModbusSerialClient(
                port, baudrate=baud, parity=parity, stopbits=stopbits, bytesize=8, timeout=timeout_s, retries=retries,
                trace_packet=trace_packet,
            )
        else:
            self.client = ModbusTcpClient(host, port=tcp_port, timeout=timeout_s, retries=retries)
        self.lock = threading.Lock()

    def read(self, device_id: int, function: str, address: int, count: int) -> list[int]:
        with self.lock:
            try:
                if not self.client.connected and not self.client.connect():
                    raise MeterError(f"bus {self.name}: cannot open the line")
                reader = self.client.read_input_registers if function == "input" else self.client.read_holding_registers
                answer = reader(address, count=count, device_id=device_id)
            except ModbusException as exc:
                raise MeterError(f"bus {self.name}, meter {device_id}: {exc}") from None
        if answer.isError():
            raise MeterError(f"bus {self.name}, meter {device_id}: exception answer {answer}")
        if len(answer.registers) < count:
            raise MeterError(f"bus {self.name}, meter {device_id}: short answer")
        return list(answer.registers[:count])

    def write(self, device_id: int, address: int, values: list[int]) -> None:
        """Holding registers from `address` on (function 16), for devices that take commands."""
        with self.lock:
            try:
                if not self.client.connected and not self.client.connect():
                    raise MeterError(f"bus {self.name}: cannot open the line")
                answer = self.client.write_registers(address, values, device_id=device_id)
            except ModbusException as exc:
                raise MeterError(f"bus {self.name}, device {device_id}: {exc}") from None
        if answer.isError():
            raise MeterError(f"bus {self.name}, device {device_id}: exception answer {answer}")

    def close(self) -> None:
        self.client.close()


SERIAL_CHECK_EVERY = 30  # reads between serial-number checks (and after every failure)


class ModbusMeter:
    """hal.interfaces.Meter over a register map; `read` blocks for the bus."""

    def __init__(self, bus: ModbusBus, device_id: int, regmap: RegisterMap):
        self.bus = bus
        self.device_id = device_id
        self.map = regmap
        self._blocks = regmap.blocks()  # the map never changes: its requests are worked out once
        self._serial: str | None = None
        self._reads = 0

    def read(self) -> MeterReading:
        try:
            if self._reads % SERIAL_CHECK_EVERY == 0:
                self._serial = self.read_serial()
            values: dict[str, float] = {}
            for start, count, fields in self._blocks:
                registers = self.bus.read(self.device_id, self.map.function, start, count)
                values.update(decode_block(fields, start, registers, self.map.word_order))
        except MeterError:
            self._reads = 0  # a meter that comes back may be another one: check its serial
            raise
        self._reads += 1
        return to_reading(values, self.map.phases, time.monotonic(), self._serial, dc=self.map.current == "dc")

    def read_serial(self) -> str | None:
        f = self.map.serial
        if f is None:
            return None
        registers = self.bus.read(self.device_id, self.map.serial_function, f.address, f.words)
        value = decode(f, registers, self.map.word_order)
        return str(int(value)) if isinstance(value, float) else value


def to_reading(values: dict[str, float], phases: int, taken_at: float, serial: str | None,
               dc: bool = False) -> MeterReading:
    lines = ("l1", "l2", "l3")[:phases]
    phase_powers = tuple(values[f"power_{p}_w"] for p in lines if f"power_{p}_w" in values)
    power = values.get("power_w", sum(phase_powers))
    return MeterReading(
        energy_wh=values["energy_import_wh"],
        power_w=power,
        currents_a=tuple(values.get(f"current_{p}_a", 0.0) for p in lines),
        voltages_v=tuple(values.get(f"voltage_{p}_v", 0.0) for p in lines),
        taken_at=taken_at,
        frequency_hz=values.get("frequency_hz"),
        phase_powers_w=phase_powers,
        power_factor=values.get("power_factor"),
        serial=serial,
        dc=dc,
    )
