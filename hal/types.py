"""Plain values that cross the hardware boundary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PilotSample:
    """One control-pilot measurement.

    `high_v` is the level during the positive half of the PWM (or the steady
    level when the oscillator is off). `low_v` is the level during the negative
    half, None when the oscillator is not running: it only exists with PWM, and
    it is what proves the EV's diode.
    """

    high_v: float
    low_v: float | None


@dataclass(frozen=True, slots=True)
class MeterReading:
    """A meter's answer, with the monotonic time it was taken.

    Currents and voltages are per phase (L1, L2, L3); a 1-phase meter gives one.
    """

    energy_wh: float
    power_w: float
    currents_a: tuple[float, ...]
    voltages_v: tuple[float, ...]
    taken_at: float
    frequency_hz: float | None = None
    phase_powers_w: tuple[float, ...] = ()
    power_factor: float | None = None
    serial: str | None = None
    dc: bool = False  # a DC meter: one current and one voltage, no phases


@dataclass(frozen=True, slots=True)
class CardPresented:
    """A card read; `connector` is set by readers that sit at one socket."""

    id_tag: str
    connector: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One row of a commissioning report (`evse selftest`, `evse calibrate`)."""

    where: str  # "station" or "connector 1"
    check: str
    result: str  # PASS, FAIL or SKIP
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ModuleReading:
    """What a DC power module (or a stack of them) measures at its own output, before the DC contactors.

    `faults` names what the module itself reports (its status bits, as words of hal/dc/faults); empty
    when healthy. `taken_at` is the monotonic time of the sample, so a stale one can be told.
    """

    voltage_v: float
    current_a: float
    temperature_c: float | None
    on: bool
    faults: frozenset[str]
    taken_at: float


@dataclass(frozen=True, slots=True)
class IsolationReading:
    """An insulation monitor's latest result: resistance to earth of the DC output (IEC 61557-8).

    `resistance_ohm` is None while no measurement has completed since `start`; `self_test` is None
    until a self test has ended, then whether it passed."""

    resistance_ohm: float | None
    self_test: bool | None
    taken_at: float


@dataclass(frozen=True, slots=True)
class SignedStart:
    """What a signing meter records about who charges (OCMF "user assignment", SAFE e.V. OCMF
    tables 4, 13-17) when its transaction begins."""

    transaction_id: str  # ours; a meter that keeps transactions by id (LEM DCBM) files it under this
    id_token: str
    id_type: str  # OCMF IT: ISO14443, EMAID, CENTRAL, LOCAL, NONE
    flags: tuple[str, ...]  # OCMF IF: RFID_PLAIN, OCPP_AUTH, OCPP_CACHE, ISO15118_PNC ...
    charge_point: str  # OCMF CI with CT "CBIDC": "<charge point id> <connector>", what the meter measures


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A meter's signed transaction record as the meter gave it, to be passed on untouched."""

    data: str  # OCMF|<payload>|<signature>
    public_key: str  # hex, DER SubjectPublicKeyInfo (what the transparency software takes)
    signing_method: str  # OCMF SA, e.g. ECDSA-secp256r1-SHA256
    encoding: str = "OCMF"
