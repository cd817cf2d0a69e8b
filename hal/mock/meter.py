"""A simulated energy meter reading the bench wire's integrated energy."""

from __future__ import annotations

import time

from hal.errors import MeterError
from hal.mock.wire import ConnectorWire
from hal.types import MeterReading


class MockMeter:
    def __init__(self, wire: ConnectorWire):
        self._wire = wire

    def read(self) -> MeterReading:
        wire = self._wire
        if "meter_offline" in wire.faults:
            raise MeterError(f"meter of connector {wire.connector_id} does not answer")
        energy_wh, power_w = wire.read_energy()
        amps = wire.draw_a()
        volts = wire.supply_v()
        return MeterReading(
            energy_wh=energy_wh,
            power_w=power_w,
            currents_a=(amps,) * wire.phases,
            voltages_v=(volts,) * wire.phases,
            taken_at=time.monotonic(),
            frequency_hz=50.0,
            phase_powers_w=(amps * volts,) * wire.phases,
            power_factor=1.0,
            serial=f"MOCK-{wire.connector_id}",
        )
