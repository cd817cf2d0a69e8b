"""The hardware contract: one Protocol per device.

Real drivers (hal/rpi) and the bench (hal/mock) implement these; firmware/
depends on nothing else of the hardware. Reads are cheap and non-blocking
(they return the latest sampled value) so the safety loop can call them on
every tick; only `Meter.read` may block, and the safety loop never calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

from hal.types import (CardPresented, IsolationReading, MeterReading, ModuleReading, PilotSample, SignedRecord,
                       SignedStart)


@runtime_checkable
class PilotBoard(Protocol):
    """CP oscillator out, CP levels and PP resistance in."""

    def set_pwm(self, duty_pct: float) -> None:
        """100 = steady +12 V (no PWM), 0 = steady -12 V (state F), else 1 kHz PWM."""

    def read_pilot(self) -> PilotSample: ...

    def read_pp_ohms(self) -> float | None:
        """Resistance PP-PE in ohms; None when the PP line is open (no plug)."""


@runtime_checkable
class Contactor(Protocol):
    def close(self) -> None: ...

    def open(self) -> None: ...

    def feedback_closed(self) -> bool:
        """The auxiliary (mirror) contact: True when the main contacts are closed."""


@runtime_checkable
class BinaryInput(Protocol):
    """RCD/RCM trip, e-stop and similar latching inputs."""

    def active(self) -> bool: ...


@runtime_checkable
class TemperatureSensor(Protocol):
    def read_c(self) -> float: ...


@runtime_checkable
class ConnectorLock(Protocol):
    def lock(self) -> None: ...

    def unlock(self) -> None: ...

    def is_locked(self) -> bool: ...


@runtime_checkable
class RfidReader(Protocol):
    def poll(self) -> CardPresented | None:
        """A card presented since the last poll, or None."""


@runtime_checkable
class Display(Protocol):
    def show(self, text: str) -> None:
        """Replace what the charger's display shows (lines split by newlines); may block (I2C)."""


@runtime_checkable
class Meter(Protocol):
    def read(self) -> MeterReading:
        """May block (Modbus); raises hal.errors.MeterError when it cannot answer."""


@runtime_checkable
class SigningMeter(Meter, Protocol):
    """A meter that signs its readings for the calibration law (OCMF): it opens and closes a
    transaction of its own and hands out the signed record. Every call may block (the meter's bus),
    and raises hal.errors.SigningError when the meter refuses or fails, MeterError when it is gone."""

    def public_key(self) -> str:
        """The meter's signing key, hex DER SubjectPublicKeyInfo."""

    def begin_signed(self, start: SignedStart) -> SignedRecord | None:
        """Set the meter's legal clock and begin its transaction (OCMF TX "B"); the signed begin
        reading when the meter gives one at once (the Iskra does, the LEM only at the end)."""

    def sign_reading(self, transaction_id: str) -> SignedRecord | None:
        """A signed reading during the transaction (OCMF TX "C"); None from a meter that cannot."""

    def end_signed(self, transaction_id: str) -> SignedRecord:
        """End the meter's transaction (OCMF TX "E"), also one left open by a crash, and return its record."""


@runtime_checkable
class PowerModule(Protocol):
    """A DC power module, or several in parallel acting as one (hal.dc.stack.ModuleStack).

    Commands return at once (a CAN frame queued); `read` returns the latest sample the driver holds,
    so the safety loop may call it every tick. `off` must work whatever else has failed."""

    def set_output(self, voltage_v: float, current_a: float) -> None:
        """The voltage to regulate to and the current not to exceed, while on."""

    def on(self) -> None: ...

    def off(self) -> None: ...

    def read(self) -> ModuleReading: ...

    def limits(self) -> tuple[float, float, float]:
        """(max voltage V, max current A, max power W) this module (stack) can deliver."""


@runtime_checkable
class IsolationMonitor(Protocol):
    """An insulation monitoring device on the DC output (IEC 61557-8). Its alarm relay is wired to a
    BinaryInput of its own (DcConnectorHal.isolation_alarm), read like the RCD, so a trip never
    waits on the bus this protocol talks over."""

    def start(self, test_voltage_v: float) -> None:
        """Begin measuring continuously (the output at the test voltage)."""

    def stop(self) -> None: ...

    def self_test(self) -> None:
        """Begin a self test; its result arrives in `read().self_test`."""

    def read(self) -> IsolationReading: ...


@dataclass
class ConnectorHal:
    """Everything one charging point is wired to."""

    pilot: PilotBoard
    contactor: Contactor
    rcd: BinaryInput
    meter: Meter
    lock: ConnectorLock | None = None
    # An ISO 15118-2 AC connector's SECC as the controller's child (the bench's, hal.mock.ac_hlc_bench); as
    # on DC, None on a board (systemd/evse-secc@.service).
    ev_link_command: Callable[[str], list[str]] | None = None


@dataclass
class DcConnectorHal:
    """Everything one DC charging point (CCS) is wired to: the pilot (for the plug and the digital
    communication's carrier), the power modules, the DC contactors (DC+ and DC- together, with their
    auxiliary contacts), the insulation monitor and its alarm, a DC meter on the cable side."""

    pilot: PilotBoard
    stack: PowerModule
    contactor: Contactor
    isolation: IsolationMonitor
    isolation_alarm: BinaryInput
    meter: Meter
    lock: ConnectorLock | None = None
    # The command line that runs this connector's SECC (hlc/) as the controller's child, given the
    # controller's socket for it: the bench's SECC with the bench EV. None on a board, where the SECC is a
    # service of its own (systemd/evse-secc@.service) that connects to the socket.
    ev_link_command: Callable[[str], list[str]] | None = None


@dataclass
class Hal:
    connectors: dict[int, ConnectorHal]
    estop: BinaryInput
    temperature: TemperatureSensor
    reader: RfidReader
    site_meter: Meter | None = None  # the supply's meter, when the board has one
    power_fail: BinaryInput | None = None  # supply lost: the board runs on its hold-up for seconds
    tamper: BinaryInput | None = None  # enclosure opened
    display: Display | None = None  # a text display for drivers (OCPP 2.0.1 display messages)
    bench: object | None = field(default=None)  # the mock bench, when there is one

    def close(self) -> None:
        """Release devices; safe to call twice."""
