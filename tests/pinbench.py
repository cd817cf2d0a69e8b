"""The real Raspberry Pi drivers on simulated hardware: a pin-level bench.

gpiozero's MockFactory stands in for the GPIO header, a temporary directory
for /sys/class/pwm, an MCP3008 answering on the mock SPI pins (or an ADS1115
on a simulated I2C bus) for the ADC. Behind them, `FrontEnd` is the interface
board of docs/hardware.md: it turns the PWM duty the driver wrote and the EV's
resistors into the detector voltages, with gains and offsets a little off
nominal, as a real unit's are (that is what `evse calibrate` is for).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from gpiozero.pins.mock import MockFactory, MockSPIDevice

# What the EV puts on the pilot (IEC 61851-1 Table A.4), as the EVSE sees it.
EV_HIGH_V = {"A": 12.0, "B": 9.0, "C": 6.0, "D": 3.0, "E": 0.0}
PP_OHMS = {13: 1500.0, 20: 680.0, 32: 220.0, 63: 100.0}


@dataclass
class FrontEnd:
    """One socket's analogue side. `gain`/`offset` are this unit's true values."""

    pwm_dir: Path
    gain: float = 0.104
    offset_v: float = 1.62
    ev: str = "A"
    diode: bool = True
    cable_a: int | None = 32
    pp_ohms: float | None = None  # a damaged plug's resistance, instead of the cable's
    pp_pullup: float = 1000.0
    vref: float = 3.3

    def duty(self) -> float:
        period = int((self.pwm_dir / "period").read_text() or 1)
        on = int((self.pwm_dir / "duty_cycle").read_text() or 0)
        enabled = (self.pwm_dir / "enable").read_text().strip() == "1"
        return 100.0 * on / period if enabled else 0.0

    def levels(self) -> tuple[float, float]:
        """(positive peak, negative peak) of the pilot in volts."""
        duty = self.duty()
        high = -12.0 if duty <= 0.0 else EV_HIGH_V[self.ev]
        if duty >= 100.0 or duty <= 0.0:
            return high, high
        low = -12.0 if self.diode or self.ev == "A" else -high
        return high, low

    def adc_volts(self, role: str) -> float:
        high, low = self.levels()
        if role == "high":
            return high * self.gain + self.offset_v
        if role == "low":
            return low * self.gain + self.offset_v
        if self.cable_a is None and self.pp_ohms is None:
            return self.vref
        ohms = self.pp_ohms if self.pp_ohms is not None else PP_OHMS[self.cable_a]
        return self.vref * ohms / (ohms + self.pp_pullup)


def ntc_volts(celsius: float, beta=3950.0, r25=10000.0, series=10000.0, vref=3.3) -> float:
    ohms = r25 * math.exp(beta * (1 / (celsius + 273.15) - 1 / 298.15))
    return vref * ohms / (ohms + series)


@dataclass
class AnalogBoard:
    """Channel -> voltage source, shared by the ADC simulators."""

    sources: dict[int, object] = field(default_factory=dict)
    broken: bool = False

    def volts(self, channel: int) -> float:
        source = self.sources.get(channel)
        return 0.0 if source is None else float(source())


class SimMcp3008(MockSPIDevice):
    """The MCP3008's side of SPI0 CE0: start bit, single/diff, 3 channel bits, then 10 result bits."""

    def __init__(self, board: AnalogBoard, factory: MockFactory, vref: float = 3.3):
        super().__init__(11, 10, 9, 8, pin_factory=factory)
        self.board = board
        self.vref = vref
        self.reads = 0

    def on_start(self):
        super().on_start()
        self._answered = False

    def on_bit(self):
        if self._answered or 1 not in self.rx_buf:
            return
        start = self.rx_buf.index(1)
        if len(self.rx_buf) < start + 5:
            return
        self._answered = True
        channel = int("".join(str(int(b)) for b in self.rx_buf[start + 2:start + 5]), 2)
        self.reads += 1
        if self.board.broken:
            self.tx_buf = [0] * 12  # a dead chip: MISO stuck low reads as 0 V
            return
        code = max(0, min(1023, round(self.board.volts(channel) / self.vref * 1023)))
        self.tx_buf = [0, 0]
        self.tx_word(code, 10)


class SimAds1115Bus:
    """An SMBus with an ADS1115 at one address: config register, single-shot conversions."""

    def __init__(self, board: AnalogBoard, address: int = 0x48):
        self.board = board
        self.address = address
        self._config = 0x8583
        self._result = 0

    def write_i2c_block_data(self, addr, register, data):
        self._check(addr)
        if register == 0x01:
            self._config = (data[0] << 8) | data[1]
            if self._config & 0x8000:
                channel = ((self._config >> 12) & 0x7) - 4
                volts = self.board.volts(channel)
                self._result = max(-32768, min(32767, round(volts / 4.096 * 32768)))

    def read_i2c_block_data(self, addr, register, length):
        self._check(addr)
        value = self._config | 0x8000 if register == 0x01 else self._result & 0xFFFF
        return [value >> 8, value & 0xFF]

    def _check(self, addr):
        if self.board.broken or addr != self.address:
            raise OSError(121, "Remote I/O error")

    def close(self):
        pass


def fake_pwm_tree(root: Path, chip: int, channels, exported: bool = True) -> None:
    chip_dir = root / f"pwmchip{chip}"
    chip_dir.mkdir(parents=True, exist_ok=True)
    (chip_dir / "export").write_text("")
    for ch in channels if exported else ():
        d = chip_dir / f"pwm{ch}"
        d.mkdir(exist_ok=True)
        for name, value in (("period", "0"), ("duty_cycle", "0"), ("enable", "0")):
            (d / name).write_text(value)


def _last_high(pin) -> float:
    highs = [s.timestamp for s in pin.states if s.state]
    return highs[-1] if highs else -1.0


def mock_pins():
    """A MockFactory that is also gpiozero's default, as its software SPI bus insists
    (gpiozero's own tests do the same); restored afterwards."""
    import gc

    from gpiozero import Device

    # gpiozero keeps shared buses (the software SPI) in a class-wide table of weak references: a
    # board of an earlier test that only the cyclic collector frees could still hold one. Collect now.
    gc.collect()
    factory = MockFactory()
    previous = Device.pin_factory
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        gc.collect()
        factory.reset()
        Device.pin_factory = previous


class PinBoard:
    """A whole board config on simulated hardware, built by the real `create_rpi_hal`.

    `step()` plays the physical parts that answer the outputs (contactor
    auxiliary contacts following the coil, the lock's switch following its
    motor), unless a test jams them (`welded`, `stuck_open`, `lock_jammed`).
    """

    def __init__(self, config: str, tmp_path: Path, factory: MockFactory, root: Path):
        from firmware.config import load_board
        from hal.rpi import create_rpi_hal

        self.board = load_board(root / "board-configs" / config)
        self.factory = factory
        self.analog = AnalogBoard()
        self.fronts: dict[int, FrontEnd] = {}
        self.temperature_c = 25.0
        self.welded: set[int] = set()
        self.stuck_open: set[int] = set()
        self.lock_jammed: set[int] = set()
        self.rcd_dead: set[int] = set()  # RCM modules that ignore their test input
        sysfs = tmp_path / "pwm"
        rpi = self.board.rpi
        for c in self.board.connectors:
            p = c.pins
            fake_pwm_tree(sysfs, p.pwm_chip, [p.pwm_channel])
            fe = FrontEnd(sysfs / f"pwmchip{p.pwm_chip}" / f"pwm{p.pwm_channel}")
            self.fronts[c.id] = fe
            self.analog.sources[p.cp_high_channel] = lambda fe=fe: fe.adc_volts("high")
            self.analog.sources[p.cp_low_channel] = lambda fe=fe: fe.adc_volts("low")
            if p.pp_channel is not None:
                self.analog.sources[p.pp_channel] = lambda fe=fe: fe.adc_volts("pp")
        if rpi.temperature == "ntc":
            self.analog.sources[rpi.ntc_channel] = lambda: ntc_volts(self.temperature_c)
        smbus = None
        if rpi.adc == "mcp3008":
            self.adc = SimMcp3008(self.analog, factory)
        else:
            smbus = self.adc = SimAds1115Bus(self.analog, rpi.adc_i2c_address)
        self.w1 = tmp_path / "w1"
        self.w1.mkdir(exist_ok=True)
        self.set_w1(25.0)
        self.hal = create_rpi_hal(self.board, wake=lambda: None, state_dir=tmp_path, pin_factory=factory,
                                  sysfs_root=sysfs, smbus=smbus, w1_root=self.w1,
                                  serial_factory=self._no_serial)
        self._healthy_inputs()  # after the drivers set their pulls, which move undriven mock pins
        self.step()

    @staticmethod
    def _no_serial(port, baud, timeout):
        import serial

        raise serial.SerialException(f"could not open port {port}: simulated board has no reader")

    def set_w1(self, celsius: float) -> None:
        dev = self.w1 / "28-00000a1b2c3d"
        dev.mkdir(exist_ok=True)
        raw = round(celsius * 1000)
        (dev / "w1_slave").write_text(f"50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t={raw}\n")

    def _healthy_inputs(self) -> None:
        """Normally-closed safety inputs: closed (low) while healthy."""
        rpi = self.board.rpi
        alarms = [c.dc.isolation_alarm_pin for c in self.board.connectors if c.kind == "dc"]
        for pin in (rpi.estop_pin, rpi.power_fail_pin, rpi.tamper_pin, *(c.pins.rcd for c in self.board.connectors),
                    *alarms):
            if pin is not None:
                self.factory.pin(pin).drive_low()
        for c in self.board.connectors:
            self.factory.pin(c.pins.contactor_feedback).drive_high()  # aux contact open
            if c.pins.lock_feedback is not None:
                self.factory.pin(c.pins.lock_feedback).drive_high()  # unlocked

    def trip(self, pin: int, tripped: bool = True) -> None:
        """Open (tripped) or close a normally-closed input contact."""
        (self.factory.pin(pin).drive_high if tripped else self.factory.pin(pin).drive_low)()

    def step(self) -> None:
        for c in self.board.connectors:
            p = c.pins
            if p.rcd_test is not None and c.id not in self.rcd_dead:
                testing = self.factory.pin(p.rcd_test).state == 1
                if testing or getattr(self, "_testing", {}).get(c.id):
                    self.trip(p.rcd, testing)  # the module trips on its test current and resets after
                self.__dict__.setdefault("_testing", {})[c.id] = testing
            coil = self.factory.pin(p.contactor).state == (1 if p.contactor_active_high else 0)
            closed = (coil and c.id not in self.stuck_open) or c.id in self.welded
            (self.factory.pin(p.contactor_feedback).drive_low if closed else
             self.factory.pin(p.contactor_feedback).drive_high)()
            if p.lock is None or c.id in self.lock_jammed:
                continue
            # The motor pulse runs in gpiozero's blink thread: judge by the pins' histories.
            time.sleep(0.001)
            locked = _last_high(self.factory.pin(p.lock)) > _last_high(self.factory.pin(p.unlock))
            (self.factory.pin(p.lock_feedback).drive_low if locked else
             self.factory.pin(p.lock_feedback).drive_high)()

    def coil(self, cid: int) -> bool:
        p = self.board.connector(cid).pins
        return self.factory.pin(p.contactor).state == (1 if p.contactor_active_high else 0)
