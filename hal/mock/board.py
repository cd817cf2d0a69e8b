"""Mock devices over the bench wire; they obey hal.interfaces like real ones."""

from __future__ import annotations

import time

from hal.errors import HalError
from hal.mock.wire import OVERTEMP_C, PP_OHMS_BY_RATING, BenchWire, ConnectorWire
from hal.types import CardPresented, PilotSample

EVSE_DRIVE_V = 12.0


class MockPilot:
    def __init__(self, wire: ConnectorWire):
        self._wire = wire

    def set_pwm(self, duty_pct: float) -> None:
        if duty_pct != self._wire.duty_pct:
            self._wire.update(duty_pct=duty_pct)

    def read_pilot(self) -> PilotSample:
        wire = self._wire
        while "adc_hang" in wire.faults:
            time.sleep(0.05)
        if "adc" in wire.faults:
            raise HalError(f"connector {wire.connector_id}: pilot ADC does not answer")
        duty = wire.duty_pct
        running = 0.0 < duty < 100.0
        if "pilot_short" in wire.faults:
            return PilotSample(0.0, 0.0 if running else None)
        if duty <= 0.0:
            return PilotSample(-EVSE_DRIVE_V, None)
        high = wire.ev.pilot_high_v(duty)
        if not running:
            return PilotSample(high, None)
        # Without the EV's diode the negative half is loaded by the same
        # resistors as the positive one, so it no longer reaches -12 V.
        diode_ok = wire.ev.state == "A" or (wire.ev.diode_ok and "diode" not in wire.faults)
        return PilotSample(high, -EVSE_DRIVE_V if diode_ok else -high)

    def read_pp_ohms(self) -> float | None:
        if "pp_invalid" in self._wire.faults:
            return 20.0  # a PP shorted to PE: no cable has that
        rating = self._wire.cable_rating_a
        return None if rating is None else PP_OHMS_BY_RATING[rating]


class MockContactor:
    """Records when open() was called, so the reaction benchmark can measure it."""

    def __init__(self, wire: ConnectorWire):
        self._wire = wire
        self.last_open_call = 0.0

    def close(self) -> None:
        if not self._wire.contactor_cmd:
            self._wire.update(contactor_cmd=True)

    def open(self) -> None:
        self.last_open_call = time.perf_counter()
        if self._wire.contactor_cmd:
            self._wire.update(contactor_cmd=False)

    def feedback_closed(self) -> bool:
        return self._wire.contacts_closed


class MockRcd:
    """The bench RCM; its test input trips it like the real module's does."""

    testable = True

    def __init__(self, wire: ConnectorWire):
        self._wire = wire
        self._testing = False

    def active(self) -> bool:
        return self._testing or "rcd" in self._wire.faults

    def press_test(self, on: bool) -> None:
        self._testing = on
        self._wire.wake()


class MockLock:
    def __init__(self, wire: ConnectorWire):
        self._wire = wire

    def lock(self) -> None:
        if "lock" not in self._wire.faults:  # a jammed lock does not move
            self._wire.locked = True

    def unlock(self) -> None:
        if "lock" not in self._wire.faults:
            self._wire.locked = False

    def is_locked(self) -> bool:
        return self._wire.locked


class MockStationInput:
    """A charger-wide input (e-stop, power-fail, tamper): on while its bench switch is."""

    def __init__(self, bench: BenchWire, kind: str):
        self._bench = bench
        self._kind = kind

    def active(self) -> bool:
        return self._kind in self._bench.faults


class MockTemperature:
    """The bench's temperature, 95 degC while the overtemp switch is on."""

    def __init__(self, bench: BenchWire):
        self._bench = bench

    def read_c(self) -> float:
        if "temp_sensor" in self._bench.faults:
            raise HalError("temperature sensor does not answer")
        return OVERTEMP_C if "overtemp" in self._bench.faults else self._bench.temperature_c


class MockReader:
    def __init__(self, bench: BenchWire):
        self._bench = bench

    def present(self, id_tag: str, connector: int | None) -> None:
        self._bench.cards.append(CardPresented(id_tag, connector))
        self._bench.wake()

    def poll(self) -> CardPresented | None:
        if "reader" in self._bench.faults:
            raise HalError("card reader does not answer")
        return self._bench.cards.pop(0) if self._bench.cards else None
