"""Board config: what the hardware is, read once from TOML, checked on load.

Every value is bounds-checked, and an unknown or misspelt key is an error that
names the key, the section and the file (Klipper's rule: a typo must never be
silently ignored on a machine that switches 400 V).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from hal.meters.models import HTTP_MODELS, MODEL_NAMES


class ConfigError(ValueError):
    pass


def _f(default=dataclasses.MISSING, *, lo=None, hi=None, choices=None, doc=""):
    meta = {"lo": lo, "hi": hi, "choices": choices, "doc": doc}
    if default is dataclasses.MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


BCM = {"lo": 0, "hi": 27}
ADC_CHANNEL = {"lo": 0, "hi": 7}


@dataclass(frozen=True)
class RpiPins:
    """One connector's wiring on a Raspberry Pi board: BCM pin numbers and ADC channels."""

    contactor: int = _f(**BCM, doc="relay driving the contactor coil")
    contactor_feedback: int = _f(**BCM, doc="the contactor's auxiliary (mirror) contact")
    rcd: int = _f(**BCM, doc="RCD/RCM trip output")
    pwm_pin: int = _f(**BCM, doc="the pin the CP oscillator leaves on")
    cp_high_channel: int = _f(**ADC_CHANNEL, doc="ADC channel of the CP positive-peak detector")
    cp_low_channel: int = _f(**ADC_CHANNEL, doc="ADC channel of the CP negative-peak detector")
    contactor_active_high: bool = _f(True)
    rcd_test: int | None = _f(None, **BCM, doc="RCM test input, pulsed by `evse selftest`")
    pwm: str = _f("sysfs", choices=("sysfs", "gpiozero"), doc="kernel hardware PWM, or gpiozero's pin factory")
    pwm_chip: int = _f(0, lo=0, hi=9, doc="sysfs: /sys/class/pwm/pwmchipN")
    pwm_channel: int = _f(0, lo=0, hi=3, doc="sysfs: channel of that chip")
    pwm_inverted: bool = _f(False, doc="the CP driver stage inverts")
    pp_channel: int | None = _f(None, **ADC_CHANNEL, doc="ADC channel of the PP divider (sockets)")
    lock: int | None = _f(None, **BCM, doc="lock motor: drive to lock")
    unlock: int | None = _f(None, **BCM, doc="lock motor: drive to unlock")
    lock_feedback: int | None = _f(None, **BCM, doc="lock position switch, closed when locked")


@dataclass(frozen=True)
class DcConfig:
    """A DC (CCS) connector's power stage: identical modules in parallel."""

    modules: int = _f(2, lo=1, hi=12, doc="power modules in parallel behind this connector")
    module_max_v: float = _f(1000.0, lo=200.0, hi=1500.0, doc="a module's rated output voltage")
    module_max_a: float = _f(100.0, lo=5.0, hi=500.0, doc="a module's rated output current")
    module_max_w: float = _f(30000.0, lo=1000.0, hi=200000.0, doc="a module's rated output power")
    # The board's wiring (hal 'rpi'): UUGreen modules on a CAN bus, a Bender isoCHA on a Modbus line.
    can_interface: str = _f("socketcan", choices=("socketcan", "virtual"),
                            doc="python-can interface: socketcan on the board (virtual: python-can's, for tests)")
    can_channel: str = _f("can0", doc="the CAN interface the modules are on (ip link set can0 up type can "
                                      "bitrate 125000)")
    first_module_address: int = _f(1, lo=1, hi=127, doc="the modules' CAN addresses: this one and up")
    isolation_bus: str | None = _f(None, doc="the [[buses]] line of the insulation monitor (Modbus RTU)")
    isolation_address: int = _f(3, lo=1, hi=247, doc="the insulation monitor's Modbus address")
    isolation_alarm_pin: int | None = _f(None, lo=0, hi=27, doc="BCM pin of the insulation monitor's alarm "
                                                                 "relay (read like the RCD)")
    modem_iface: str = _f("eth1", doc="the network interface of the HomePlug Green PHY modem: the SECC's")
    iso15118_20: bool = _f(False, doc="offer ISO 15118-20 DC beside ISO 15118-2 and DIN SPEC 70121 (External "
                           "Identification only: no Plug & Charge under -20 yet); an EV that speaks it prefers it")


@dataclass(frozen=True)
class ConnectorConfig:
    id: int = _f(lo=1, hi=8)
    max_current_a: float = _f(lo=6.0, hi=600.0,
                              doc="AC: rating of the circuit behind this socket (at most 80); DC: the cable's rating")
    kind: str = _f("ac", choices=("ac", "dc"), doc="ac: IEC 61851-1 Mode 3; dc: a CCS connector (IEC 61851-23)")
    dc: DcConfig | None = _f(None, doc="kind = dc: its power stage")
    hlc_iface: str | None = _f(None, doc="kind = ac: the network interface of a HomePlug Green PHY modem on this "
                               "pilot: ISO 15118-2 AC charging (5 % duty, the offer over the digital link); "
                               "unset: basic charging")
    cable: str = _f("socket", choices=("socket", "tethered"))
    cable_rating_a: int | None = _f(None, choices=(13, 20, 32, 63), doc="tethered cables only")
    priority: int = _f(0, lo=0, hi=9, doc="site load management: a higher priority is served first")
    metering_receipt_s: float = _f(0.0, lo=0.0, hi=3600.0, doc="an EV link's Plug & Charge EV (ISO 15118-2) signs "
                                   "the meter's reading this often while charging and with the stop; 0: never")
    pins: RpiPins | None = _f(None)


@dataclass(frozen=True)
class BusConfig:
    """One Modbus line: a serial port (RTU) or a TCP host."""

    name: str = _f()
    port: str | None = _f(None, doc="serial device, e.g. /dev/ttyAMA0")
    host: str | None = _f(None, doc="Modbus TCP host")
    tcp_port: int = _f(502, lo=1, hi=65535)
    baud: int = _f(9600, choices=(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    parity: str = _f("N", choices=("N", "E", "O"))
    stopbits: int = _f(1, choices=(1, 2))
    timeout_s: float = _f(0.3, lo=0.02, hi=5.0)
    retries: int = _f(1, lo=0, hi=5)


@dataclass(frozen=True)
class MeterConfig:
    name: str = _f()
    model: str = _f(choices=MODEL_NAMES + HTTP_MODELS)
    measures: int = _f(lo=0, hi=8, doc="connector id, or 0 for the site supply")
    bus: str = _f("", doc="the [[buses]] line of a Modbus meter")
    address: int = _f(1, lo=1, hi=247, doc="a Modbus meter's address on its line")
    url: str | None = _f(None, doc="an HTTP meter's API (lem_dcbm), e.g. http://192.168.10.20")


@dataclass(frozen=True)
class MeteringConfig:
    poll_s: float = _f(1.0, lo=0.1, hi=60.0)
    offline_policy: str = _f("stop", choices=("stop", "continue"), doc="what charging does while a meter is offline")
    offline_retry_s: float = _f(5.0, lo=0.5, hi=300.0, doc="how often an offline meter is tried again")
    stale_after_s: float = _f(5.0, lo=0.5, hi=600.0, doc="a reading older than this is never reported as current")


@dataclass(frozen=True)
class SiteConfig:
    """The supply the connectors share (amps per phase)."""

    max_current_a: float | None = _f(None, lo=6.0, hi=2000.0, doc="fixed limit for all connectors together")
    grid_limit_a: float | None = _f(None, lo=6.0, hi=4000.0,
                                    doc="main fuse: a dynamic limit from the site meter (measures = 0)")
    grid_margin_a: float = _f(2.0, lo=0.0, hi=200.0, doc="kept free under grid_limit_a")
    fallback_current_a: float = _f(6.0, lo=0.0, hi=2000.0, doc="the budget while the site meter is offline")


@dataclass(frozen=True)
class OtaConfig:
    installer: str = _f("releases", choices=("releases", "rauc", "swupdate"),
                        doc="Python releases side by side, or hand the bundle to an OS updater")


@dataclass(frozen=True)
class MockConfig:
    cable_rating_a: int = _f(32, choices=(13, 20, 32, 63))
    ev_max_current_a: float = _f(32.0, lo=0.0, hi=80.0)
    # The bench's DC EV (kind = dc connectors): its battery and the protocol it speaks.
    ev_protocol: str = _f("ISO_15118_2", choices=("ISO_15118_2", "DIN_SPEC_70121", "ISO_15118_20_DC"),
                          doc="ISO_15118_20_DC needs [connectors.dc] iso15118_20 = true")
    ev_control_mode: str = _f("scheduled", choices=("scheduled", "dynamic"),
                              doc="ISO_15118_20_DC: the EV sends its targets, or its limits and the charger decides")
    ev_battery_kwh: float = _f(60.0, lo=0.1, hi=200.0, doc="the bench EV's battery; a small one makes a short demo")
    ev_soc_pct: float = _f(20.0, lo=0.0, hi=100.0, doc="the state of charge it arrives with")
    ev_stop_at_pct: float = _f(80.0, lo=1.0, hi=100.0, doc="where it ends charging")
    ev_max_dc_current_a: float = _f(200.0, lo=1.0, hi=600.0)
    ev_pnc: bool = _f(False, doc="Plug & Charge (ISO 15118-2 over TLS): certificates in the PKI_PATH environment")
    ev_pnc_install: bool = _f(False, doc="with ev_pnc: the EV first asks the CSMS for its contract "
                              "(CertificateInstallationReq)")
    ev_pnc_update: bool = _f(False, doc="with ev_pnc: the EV first has the CSMS renew its contract "
                             "(CertificateUpdateReq)")
    ev_slac: bool = _f(True, doc="the bench EV's modem and the charger's SLAC process (pyslac in .venv-slac) "
                       "match first (ISO 15118-3), as in the field; false: the link is up from the start")


@dataclass(frozen=True)
class RpiConfig:
    """The controller board around the Pi: ADC, sensors, charger-wide inputs, reader."""

    model: str = _f(choices=("pi4", "pi5"))
    estop_pin: int = _f(**BCM)
    pin_factory: str | None = _f(None, choices=("lgpio", "rpigpio", "pigpio", "native", "mock"))
    inputs_normally_closed: bool = _f(True, doc="safety inputs are closed when healthy: a cut wire trips")
    power_fail_pin: int | None = _f(None, **BCM, doc="supply monitor: open when the mains is gone")
    tamper_pin: int | None = _f(None, **BCM, doc="enclosure switch: open when the door is open")
    adc: str = _f("mcp3008", choices=("mcp3008", "ads1115"))
    adc_spi_device: int = _f(0, choices=(0, 1), doc="MCP3008: chip select CE0 or CE1")
    adc_i2c_bus: int = _f(1, lo=0, hi=9, doc="ADS1115: /dev/i2c-N")
    adc_i2c_address: int = _f(0x48, choices=(0x48, 0x49, 0x4A, 0x4B), doc="ADS1115: ADDR strap")
    adc_vref_v: float = _f(3.3, lo=1.0, hi=5.5, doc="ADC full scale")
    cp_gain: float = _f(0.1, lo=0.01, hi=1.0, doc="front end: ADC volts per CP volt")
    cp_offset_v: float = _f(1.65, lo=0.0, hi=5.0, doc="front end: ADC volts at CP 0 V")
    pp_pullup_ohms: float = _f(1000.0, lo=100.0, hi=100000.0, doc="PP divider: pull-up to pp_vref_v")
    pp_vref_v: float = _f(3.3, lo=1.0, hi=5.5)
    temperature: str = _f("ntc", choices=("ntc", "ds18b20"))
    ntc_channel: int | None = _f(None, **ADC_CHANNEL)
    ntc_beta: float = _f(3950.0, lo=1000.0, hi=10000.0)
    ntc_r25_ohms: float = _f(10000.0, lo=100.0, hi=1000000.0)
    ntc_series_ohms: float = _f(10000.0, lo=100.0, hi=1000000.0, doc="from ADC vref to the NTC")
    ds18b20_id: str | None = _f(None, doc="1-wire id, e.g. 28-0316a2795aff; the first one found if unset")
    display: str = _f("none", choices=("none", "lcd_i2c"), doc="a character LCD behind a PCF8574 I2C backpack")
    display_i2c_bus: int = _f(1, lo=0, hi=9, doc="lcd_i2c: /dev/i2c-N")
    display_i2c_address: int = _f(0x27, choices=tuple(range(0x20, 0x28)) + tuple(range(0x38, 0x40)),
                                  doc="lcd_i2c: the backpack's address (PCF8574 0x20-0x27, PCF8574A 0x38-0x3F)")
    display_columns: int = _f(16, choices=(16, 20), doc="lcd_i2c: characters per line")
    display_rows: int = _f(2, choices=(2, 4), doc="lcd_i2c: lines")
    reader: str = _f("none", choices=("none", "serial"))
    reader_port: str | None = _f(None, doc="serial: e.g. /dev/ttyUSB0 or /dev/serial0")
    reader_baud: int = _f(9600, choices=(9600, 19200, 38400, 57600, 115200))
    reader_format: str = _f("line", choices=("line", "rdm6300"), doc="a hex UID per line, or RDM6300 frames")
    lock_pulse_s: float = _f(0.3, lo=0.05, hi=2.0, doc="how long the lock motor is driven")


@dataclass(frozen=True)
class BoardConfig:
    name: str = _f(doc="what this board is, for the log")
    hal: str = _f(choices=("mock", "rpi"), doc="mock: the simulated bench; rpi: a Raspberry Pi board")
    vendor: str = _f("OpenChargeController", doc="BootNotification vendor")
    model: str = _f("EVSE", doc="BootNotification model")
    serial: str = _f("0000", doc="serial number: BootNotification, the certificate's CN")
    phases: int = _f(3, choices=(1, 3), doc="phases wired to the connectors")
    voltage_v: float = _f(230.0, lo=100.0, hi=480.0, doc="nominal phase voltage")
    tick_ms: float = _f(20.0, lo=1.0, hi=50.0, doc="safety loop period while a contactor may be closed")
    idle_tick_ms: float = _f(100.0, lo=5.0, hi=200.0, doc="period while every contactor is open and no session runs")
    max_temperature_c: float = _f(80.0, lo=40.0, hi=120.0, doc="over-temperature trip")
    weld_detect_s: float = _f(0.2, lo=0.02, hi=2.0, doc="aux contact still closed after open")
    close_detect_s: float = _f(0.5, lo=0.02, hi=5.0, doc="aux contact still open after close")
    temp_hysteresis_c: float = _f(5.0, lo=1.0, hi=20.0, doc="an over-temperature trip clears this far below the limit")
    derate_from_c: float = _f(70.0, lo=30.0, hi=110.0, doc="current falls linearly from here to 6 A at the limit")
    rcd_retry_s: float = _f(30.0, lo=1.0, hi=3600.0, doc="wait after an RCD trip clears before charging again")
    overcurrent_retry_s: float = _f(60.0, lo=1.0, hi=3600.0, doc="wait after an over-current trip")
    retry_limit: int = _f(3, lo=0, hi=10, doc="retries within an hour before a fault latches until reset")
    lock_detect_s: float = _f(1.0, lo=0.1, hi=10.0, doc="lock feedback must show locked this soon")
    over_voltage_pct: float = _f(10.0, lo=2.0, hi=30.0, doc="trip above nominal voltage by this much")
    under_voltage_pct: float = _f(15.0, lo=2.0, hi=50.0, doc="trip below nominal voltage by this much")
    connectors: tuple[ConnectorConfig, ...] = _f(())
    buses: tuple[BusConfig, ...] = _f(())
    meters: tuple[MeterConfig, ...] = _f(())
    metering: MeteringConfig = _f(MeteringConfig())
    site: SiteConfig = _f(SiteConfig())
    ota: OtaConfig = _f(OtaConfig())
    mock: MockConfig | None = _f(None)
    rpi: RpiConfig | None = _f(None)

    def connector(self, cid: int) -> ConnectorConfig:
        return next(c for c in self.connectors if c.id == cid)


TOP_SECTIONS = ("connectors", "buses", "meters", "metering", "site", "ota", "mock", "rpi")


def load_board(path: str | Path) -> BoardConfig:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such board config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if set(raw) - {"board", *TOP_SECTIONS}:
        bad = sorted(set(raw) - {"board", *TOP_SECTIONS})
        raise ConfigError(f"{path}: unknown section(s) {bad}; allowed: board, {', '.join(TOP_SECTIONS)}")
    table = dict(raw.get("board", {}))
    for key in TOP_SECTIONS:
        if key in raw:
            table[key] = raw[key]
    board = _build(BoardConfig, table, path, "board")
    _check_board(board, path)
    return board


def _check_board(board: BoardConfig, path: Path) -> None:
    if not board.connectors:
        raise ConfigError(f"{path}: [[connectors]] needs at least one connector")
    ids = [c.id for c in board.connectors]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: connectors.id must be unique, got {ids}")
    for c in board.connectors:
        if c.kind == "ac" and c.cable == "tethered" and c.cable_rating_a is None:
            raise ConfigError(f"{path}: connector {c.id}: a tethered cable needs cable_rating_a")
        _check_kind(c, board, path)
    if board.derate_from_c >= board.max_temperature_c:
        raise ConfigError(f"{path}: board.derate_from_c = {board.derate_from_c} must be below "
                          f"board.max_temperature_c = {board.max_temperature_c}")
    _check_meters(board, path)
    for name, limit in (("vendor", 20), ("model", 20), ("serial", 25)):  # OCPP 1.6 BootNotification's CiStrings
        if len(getattr(board, name)) > limit:
            raise ConfigError(f"{path}: board.{name} = {getattr(board, name)!r} is longer than the {limit} "
                              f"characters BootNotification allows")
    if board.site.grid_limit_a is not None and not any(m.measures == 0 for m in board.meters):
        raise ConfigError(f"{path}: site.grid_limit_a needs a site meter ([[meters]] with measures = 0)")
    if board.hal == "mock" and board.mock is None:
        raise ConfigError(f"{path}: hal 'mock' needs a [mock] section")
    if board.mock is not None:
        from firmware.config_mock import check_mock

        check_mock(board, path)
    if board.hal == "rpi" and board.rpi is None:
        raise ConfigError(f"{path}: hal 'rpi' needs an [rpi] section")
    if board.hal == "rpi":
        from firmware.config_rpi import check_rpi

        check_rpi(board, path)


def _check_kind(c: ConnectorConfig, board: BoardConfig, path: Path) -> None:
    if c.kind == "ac":
        if c.max_current_a > 80.0:
            raise ConfigError(f"{path}: connectors[{board.connectors.index(c)}].max_current_a = {c.max_current_a} "
                              "is out of range [6.0, 80.0] for an AC connector (IEC 61851-1 Table A.8 ends at 80 A)")
        if c.dc is not None:
            raise ConfigError(f"{path}: connector {c.id}: [connectors.dc] belongs to kind = \"dc\"")
        if c.hlc_iface is not None and not c.hlc_iface.strip():
            raise ConfigError(f"{path}: connector {c.id}: hlc_iface is empty (leave it out for basic charging)")
        if c.metering_receipt_s and c.hlc_iface is None:
            raise ConfigError(f"{path}: connector {c.id}: metering_receipt_s needs an EV link (hlc_iface)")
        if board.hal == "rpi" and c.pins is None:
            raise ConfigError(f"{path}: connector {c.id}: hal 'rpi' needs [connectors.pins]")
        return
    if c.dc is None:
        raise ConfigError(f"{path}: connector {c.id}: kind = \"dc\" needs [connectors.dc]")
    if c.hlc_iface is not None:
        raise ConfigError(f"{path}: connector {c.id}: a DC connector's modem is [connectors.dc] modem_iface, "
                          "not hlc_iface")
    if c.cable != "tethered":
        raise ConfigError(f"{path}: connector {c.id}: a DC connector's cable is tethered (IEC 61851-23 6.3.1)")
    if board.hal == "rpi":
        dc, where = c.dc, f"connectors[{board.connectors.index(c)}].dc"
        if c.pins is None:
            raise ConfigError(f"{path}: connector {c.id}: hal 'rpi' needs [connectors.pins] (pilot, DC contactors)")
        if dc.isolation_bus not in {b.name for b in board.buses}:
            raise ConfigError(f"{path}: {where}.isolation_bus = {dc.isolation_bus!r} names no [[buses]] line: the "
                              "insulation monitor is required (IEC 61851-23 6.3.1.105)")
        if dc.isolation_alarm_pin is None:
            raise ConfigError(f"{path}: {where}.isolation_alarm_pin is required: its alarm relay trips without "
                              "waiting on the bus")


def _check_meters(board: BoardConfig, path: Path) -> None:
    buses = {b.name for b in board.buses}
    if len(buses) != len(board.buses):
        raise ConfigError(f"{path}: buses.name must be unique")
    for b in board.buses:
        if (b.port is None) == (b.host is None):
            raise ConfigError(f"{path}: bus {b.name!r} needs exactly one of port (serial) or host (TCP)")
    connectors = {c.id for c in board.connectors} | {0}
    seen = set()
    for m in board.meters:
        if (m.model in HTTP_MODELS) != (m.url is not None):
            raise ConfigError(f"{path}: meter {m.name!r}: url is for HTTP meters ({', '.join(HTTP_MODELS)}), "
                              f"and they need one")
        if m.url is not None:
            if m.measures in {x.measures for x in board.meters if x is not m}:
                raise ConfigError(f"{path}: meter {m.name!r}: two meters share a measuring point")
            if m.measures not in connectors:
                raise ConfigError(f"{path}: meter {m.name!r}: measures = {m.measures} is no connector (0 = site)")
            continue
        if m.bus not in buses:
            raise ConfigError(f"{path}: meter {m.name!r}: bus {m.bus!r} is not one of {sorted(buses)}")
        if m.measures not in connectors:
            raise ConfigError(f"{path}: meter {m.name!r}: measures = {m.measures} is no connector (0 = site)")
        if (m.bus, m.address) in seen or m.measures in {x.measures for x in board.meters if x is not m}:
            raise ConfigError(f"{path}: meter {m.name!r}: two meters share an address or a measuring point")
        seen.add((m.bus, m.address))


def build_table(cls, table: Any, path: Path, where: str):
    """A checked dataclass from one TOML table: the board config's rules for any other file (evse.toml)."""
    return _build(cls, table, path, where)


def _build(cls, table: Any, path: Path, where: str):
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{where}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = get_type_hints(cls)
    unknown = sorted(set(table) - set(fields))
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"{path}: unknown key {prefix}{unknown[0]}; allowed keys: {', '.join(sorted(fields))}"
        )
    values = {}
    for name, f in fields.items():
        # [[connectors]], [mock] and [rpi] are sections of their own in the file.
        key = name if (cls is BoardConfig and name in TOP_SECTIONS) or not where else f"{where}.{name}"
        if name not in table:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{path}: missing key {key}")
            continue
        values[name] = _value(hints[name], table[name], f.metadata, path, key)
    return cls(**values)


def _value(hint, raw, meta, path: Path, key: str):
    args = [a for a in get_args(hint) if a is not type(None)]
    if get_origin(hint) is tuple:
        if not isinstance(raw, list):
            raise ConfigError(f"{path}: {key} must be a list of tables")
        return tuple(_build(args[0], item, path, f"{key}[{i}]") for i, item in enumerate(raw))
    base = args[0] if args else hint
    if dataclasses.is_dataclass(base):
        return _build(base, raw, path, key)
    if base is float and isinstance(raw, int) and not isinstance(raw, bool):
        raw = float(raw)
    if not isinstance(raw, base) or (base is int and isinstance(raw, bool)):
        raise ConfigError(f"{path}: {key} must be {base.__name__}, got {raw!r}")
    if meta.get("choices") and raw not in meta["choices"]:
        raise ConfigError(f"{path}: {key} = {raw!r} is not one of {list(meta['choices'])}")
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and raw < lo) or (hi is not None and raw > hi):
        raise ConfigError(f"{path}: {key} = {raw!r} is out of range [{lo}, {hi}]")
    return raw
