"""Builds one Raspberry Pi board's devices from its config, releasing them on failure."""

from __future__ import annotations

from hal.hold import HardwareHold
from hal.interfaces import ConnectorHal, Hal
from hal.rpi import calibration
from hal.rpi.adc import Ads1115, Mcp3008
from hal.rpi.gpio import GpioContactor, GpioInput, GpioRcd
from hal.rpi.lock import GpioLock
from hal.rpi.pilot import LinearCal, PpDivider, RpiPilot
from hal.rpi.pwm import GpiozeroPwm, SysfsPwm
from hal.rpi.temperature import W1_ROOT, Ds18b20, NtcTemperature


class NoReader:
    """A board without a card reader: remote starts and free mode still work."""

    def poll(self):
        return None


class RpiBuilder:
    def __init__(self, board, wake, factory, state_dir, *, sysfs_root=None, smbus=None, w1_root=None,
                 serial_factory=None):
        self.board = board
        self.rpi = board.rpi
        self.wake = wake
        self.factory = factory
        self.state_dir = state_dir
        self.sysfs_root = sysfs_root or "/sys/class/pwm"
        self.smbus = smbus
        self.w1_root = w1_root or W1_ROOT
        self.serial_factory = serial_factory
        self.devices: list = []  # everything opened, to release on failure or close
        self.meters: dict = {}
        self.buses: dict = {}

    def _keep(self, dev):
        self.devices.append(dev)
        return dev

    def build(self) -> Hal:
        self._keep(HardwareHold.take())  # before any pin, and given back last
        adc = self._keep(self._adc())
        if self.board.buses:
            from hal.meters.factory import build_buses, build_meters

            self.buses = {name: self._keep(bus) for name, bus in build_buses(self.board).items()}
            self.meters = build_meters(self.board, self.buses)
        cals = calibration.load(self.state_dir, self.board.name)
        connectors = {c.id: (self._connector if c.kind == "ac" else self._dc_connector)(c, adc, cals.get(c.id, {}))
                      for c in self.board.connectors}
        hal = Hal(
            connectors=connectors,
            estop=self._input(self.rpi.estop_pin),
            temperature=self._temperature(adc),
            reader=self._reader(),
            power_fail=self._input(self.rpi.power_fail_pin),
            tamper=self._input(self.rpi.tamper_pin, wake=False),
            site_meter=self.meters.get(0),
            display=self._display(),
        )
        hal.close = self.release
        return hal

    def _adc(self):
        channels = [ch for c in self.board.connectors
                    for ch in (c.pins.cp_high_channel, c.pins.cp_low_channel, c.pins.pp_channel) if ch is not None]
        if self.rpi.temperature == "ntc":
            channels.append(self.rpi.ntc_channel)
        if self.rpi.adc == "mcp3008":
            return Mcp3008(channels, vref=self.rpi.adc_vref_v, device=self.rpi.adc_spi_device,
                           pin_factory=self.factory)
        return Ads1115(bus=self.rpi.adc_i2c_bus, address=self.rpi.adc_i2c_address, smbus=self.smbus)

    def _connector(self, c, adc, cal) -> ConnectorHal:
        p, rpi = c.pins, self.rpi
        pilot = self._pilot(c, adc, cal)
        contactor = self._keep(GpioContactor(p.contactor, p.contactor_feedback, pin_factory=self.factory,
                                             on_change=self.wake, coil_active_high=p.contactor_active_high))
        rcd = self._keep(GpioRcd(p.rcd, p.rcd_test, pin_factory=self.factory, on_change=self.wake,
                                 normally_closed=rpi.inputs_normally_closed))
        lock = None
        if p.lock is not None:
            lock = self._keep(GpioLock(p.lock, p.unlock, p.lock_feedback, pulse_s=rpi.lock_pulse_s,
                                       pin_factory=self.factory))
        return ConnectorHal(pilot=pilot, contactor=contactor, rcd=rcd, meter=self._meter(c.id), lock=lock)

    def _dc_connector(self, c, adc, cal):
        from hal.rpi.dc import build_dc_connector

        return build_dc_connector(self, c, self._pilot(c, adc, cal))

    def _pilot(self, c, adc, cal):
        p, rpi = c.pins, self.rpi
        nominal = LinearCal(rpi.cp_gain, rpi.cp_offset_v)
        if p.pwm == "sysfs":
            pwm = SysfsPwm(p.pwm_chip, p.pwm_channel, root=self.sysfs_root, inverted=p.pwm_inverted)
        else:
            pwm = GpiozeroPwm(p.pwm_pin, pin_factory=self.factory, inverted=p.pwm_inverted)
        return self._keep(RpiPilot(
            self._keep(pwm), adc, high_channel=p.cp_high_channel, low_channel=p.cp_low_channel,
            pp_channel=p.pp_channel, high_cal=cal.get("high", nominal), low_cal=cal.get("low", nominal),
            pp=PpDivider(rpi.pp_pullup_ohms, rpi.pp_vref_v), full_scale_v=rpi.adc_vref_v,
        ))

    def _meter(self, cid: int):
        meter = self.meters.get(cid)
        return meter if meter is not None else MissingMeter(cid)

    def _input(self, pin, wake: bool = True):
        if pin is None:
            return None
        return self._keep(GpioInput(pin, pin_factory=self.factory, on_change=self.wake if wake else None,
                                    normally_closed=self.rpi.inputs_normally_closed))

    def _temperature(self, adc):
        rpi = self.rpi
        if rpi.temperature == "ntc":
            return NtcTemperature(adc, rpi.ntc_channel, beta=rpi.ntc_beta, r25_ohms=rpi.ntc_r25_ohms,
                                  series_ohms=rpi.ntc_series_ohms, vref_v=rpi.adc_vref_v)
        return self._keep(Ds18b20(rpi.ds18b20_id, root=self.w1_root))

    def _display(self):
        if self.rpi.display == "none":
            return None
        from hal.rpi.display import CharacterLcd

        r = self.rpi
        return self._keep(CharacterLcd(bus=r.display_i2c_bus, address=r.display_i2c_address,
                                       columns=r.display_columns, rows=r.display_rows, smbus=self.smbus))

    def _reader(self):
        if self.rpi.reader == "none":
            return NoReader()
        from hal.rpi.reader import SerialCardReader

        kw = {} if self.serial_factory is None else {"serial_factory": self.serial_factory}
        return self._keep(SerialCardReader(self.rpi.reader_port, baud=self.rpi.reader_baud,
                                           fmt=self.rpi.reader_format, **kw))

    def release(self) -> None:
        while self.devices:
            dev = self.devices.pop()
            for name in ("release", "close"):
                if hasattr(dev, name):
                    try:
                        getattr(dev, name)()
                    except Exception:  # releasing what is left matters more than one error
                        pass
                    break


class MissingMeter:
    """A connector without a meter in the config: offline, so offline_policy decides."""

    def __init__(self, cid: int):
        self._cid = cid

    def read(self):
        from hal.errors import MeterError

        raise MeterError(f"connector {self._cid}: no meter in the board config")
