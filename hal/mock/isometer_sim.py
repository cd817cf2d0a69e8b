"""A Bender isoCHA425HV simulated on a Modbus RTU line (pymodbus's server on one end of a pty pair):
the insulation it reports is the bench DC bus's, a self test shows in the test bits for a few
seconds and ends as the bench says (`self_test_ok`), and it takes the writes the driver makes."""

from __future__ import annotations

import time

from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

from hal.dc import isometer as iso
from hal.mock.dc import DcBus

SIM_SELF_TEST_S = 2.0
SPAN = (iso.REG_RF, iso.REG_SELF_TEST + 1 - iso.REG_RF)  # one block over every register it uses


class SimIsoCha:
    def __init__(self, dc_bus: DcBus, device_id: int = 3, clock=time.monotonic):
        self.dc_bus, self.device_id, self.clock = dc_bus, device_id, clock
        self.written: dict[int, int] = {}
        self.test_began: float | None = None
        self.silent = False  # pulled off the line: no answer at all

    def holding(self) -> dict[int, int]:
        testing = self.test_began is not None and self.clock() - self.test_began < SIM_SELF_TEST_S
        ended_bad = self.test_began is not None and not testing and not self.dc_bus.imd_self_test_ok
        alarm = iso.ALARM_DEVICE_ERROR if ended_bad else (5 if self.dc_bus.insulation_ohm < 100e3 else 0)
        rf = iso.encode_channel(self.dc_bus.insulation_ohm, alarm=alarm, test=1 if testing else 0)
        un = iso.encode_channel(self.dc_bus.voltage_v, unit=4, description=76)
        image = {iso.REG_RF + i: v for i, v in enumerate(rf)} | {iso.REG_UN + i: v for i, v in enumerate(un)}
        return image | self.written

    async def action(self, function_code, start, address, count, registers, set_values):
        if self.silent:
            raise NoSuchIdException(self.device_id)  # with ignore_missing_devices: no answer
        if function_code in (6, 16) and set_values:
            for i, v in enumerate(set_values):
                self.written[address + i] = v
            if address == iso.REG_SELF_TEST and set_values[0] == iso.SELF_TEST_WORD:
                self.test_began = self.clock()
            return None
        image = self.holding()
        for i in range(address - start, address - start + count):
            registers[i] = image.get(start + i, 0)
        return None


def build_server(sim: SimIsoCha, port: str) -> ModbusSerialServer:
    block = [SimData(SPAN[0], count=SPAN[1], datatype=DataType.REGISTERS)]
    bits = [SimData(0, count=1, datatype=DataType.BITS)]
    device = SimDevice(id=sim.device_id, simdata=(bits, bits, block, block), action=sim.action)
    return ModbusSerialServer([device], framer=FramerType.RTU, port=port, baudrate=19200, bytesize=8, stopbits=1,
                              parity="N", ignore_missing_devices=True)
