"""The Raspberry Pi drivers, one by one, on gpiozero's MockFactory and simulated buses."""

import threading
import time

import pytest

from hal.errors import HalError
from hal.rpi.adc import Ads1115, Mcp3008
from hal.rpi.gpio import GpioInput, GpioRcd
from hal.rpi.lock import GpioLock
from hal.rpi.pilot import LinearCal, PpDivider, RpiPilot
from hal.rpi.pwm import PERIOD_NS, SysfsPwm
from hal.rpi.temperature import Ds18b20, NtcTemperature
from pinbench import mock_pins, AnalogBoard, FrontEnd, SimAds1115Bus, SimMcp3008, fake_pwm_tree, ntc_volts


@pytest.fixture
def factory():
    yield from mock_pins()


def test_sysfs_pwm_runs_at_1_khz_and_writes_the_duty(tmp_path):
    fake_pwm_tree(tmp_path, 0, [0])
    pwm = SysfsPwm(0, 0, root=tmp_path)
    d = tmp_path / "pwmchip0" / "pwm0"
    assert (d / "period").read_text() == str(PERIOD_NS) == "1000000"
    assert (d / "enable").read_text() == "1"
    assert (d / "duty_cycle").read_text() == "1000000", "states x1 (steady +12 V) until told otherwise"
    pwm.set_duty(53.33)
    assert (d / "duty_cycle").read_text() == "533300"
    pwm.set_duty(10)
    assert (d / "duty_cycle").read_text() == "100000", "each write replaces the value"
    pwm.set_duty(0)
    assert (d / "duty_cycle").read_text() == "0"


def test_sysfs_pwm_exports_the_channel_and_waits_for_it(tmp_path):
    fake_pwm_tree(tmp_path, 2, [], exported=False)

    def kernel_exports():  # the kernel makes pwmN a moment after the export write
        while (tmp_path / "pwmchip2" / "export").read_text() != "3":
            time.sleep(0.005)
        time.sleep(0.05)
        fake_pwm_tree(tmp_path, 2, [3])

    threading.Thread(target=kernel_exports, daemon=True).start()
    SysfsPwm(2, 3, root=tmp_path)
    assert (tmp_path / "pwmchip2" / "pwm3" / "enable").read_text() == "1"


def test_sysfs_pwm_inverted_stage(tmp_path):
    fake_pwm_tree(tmp_path, 0, [1])
    SysfsPwm(0, 1, root=tmp_path, inverted=True).set_duty(25)
    assert (tmp_path / "pwmchip0" / "pwm1" / "duty_cycle").read_text() == "750000"


def test_sysfs_pwm_without_the_overlay_is_a_clear_error(tmp_path):
    with pytest.raises(HalError, match="pwm overlay"):
        SysfsPwm(0, 0, root=tmp_path)


def test_mcp3008_reads_each_channel_over_spi(factory):
    board = AnalogBoard({0: lambda: 2.85, 3: lambda: 0.45, 7: lambda: 3.3})
    SimMcp3008(board, factory)
    adc = Mcp3008([0, 3, 7], pin_factory=factory)
    assert adc.read_v(0) == pytest.approx(2.85, abs=0.004)  # 10 bits of 3.3 V
    assert adc.read_v(3) == pytest.approx(0.45, abs=0.004)
    assert adc.read_v(7) == pytest.approx(3.3, abs=0.004)


def test_ads1115_single_shot_conversions():
    board = AnalogBoard({0: lambda: 2.85, 2: lambda: 0.3})
    adc = Ads1115(smbus=SimAds1115Bus(board))
    assert adc.read_v(0) == pytest.approx(2.85, abs=0.001)
    assert adc.read_v(2) == pytest.approx(0.3, abs=0.001)
    board.broken = True
    with pytest.raises(HalError, match="0x48"):
        adc.read_v(0)


def test_pilot_levels_through_the_front_end(factory, tmp_path):
    fake_pwm_tree(tmp_path, 0, [0])
    fe = FrontEnd(tmp_path / "pwmchip0" / "pwm0", gain=0.1, offset_v=1.65)
    board = AnalogBoard({0: lambda: fe.adc_volts("high"), 1: lambda: fe.adc_volts("low"), 2: lambda: fe.adc_volts("pp")})
    SimMcp3008(board, factory)
    nominal = LinearCal(0.1, 1.65)
    pilot = RpiPilot(SysfsPwm(0, 0, root=tmp_path), Mcp3008([0, 1, 2], pin_factory=factory), high_channel=0,
                     low_channel=1, pp_channel=2, high_cal=nominal, low_cal=nominal, pp=PpDivider(1000.0, 3.3))
    sample = pilot.read_pilot()
    assert sample.high_v == pytest.approx(12.0, abs=0.05) and sample.low_v is None
    fe.ev = "C"
    pilot.set_pwm(53.33)
    sample = pilot.read_pilot()
    assert sample.high_v == pytest.approx(6.0, abs=0.05) and sample.low_v == pytest.approx(-12.0, abs=0.05)
    fe.diode = False
    assert pilot.read_pilot().low_v == pytest.approx(-6.0, abs=0.05)
    assert pilot.read_pp_ohms() == pytest.approx(220.0, rel=0.02)
    fe.cable_a = None
    assert pilot.read_pp_ohms() is None
    pilot.set_pwm(0)
    assert pilot.read_pilot().high_v == pytest.approx(-12.0, abs=0.05), "state F"


def test_linear_calibration_from_two_points():
    cal = LinearCal.from_points(12.0, 2.868, -12.0, 0.372)
    assert cal.gain == pytest.approx(0.104) and cal.offset_v == pytest.approx(1.62)
    assert cal.cp_volts(2.868) == pytest.approx(12.0)


def test_ntc_temperature(factory):
    board = AnalogBoard({3: lambda: ntc_volts(60.0)})
    SimMcp3008(board, factory)
    ntc = NtcTemperature(Mcp3008([3], pin_factory=factory), 3, beta=3950, r25_ohms=10000, series_ohms=10000,
                         vref_v=3.3)
    assert ntc.read_c() == pytest.approx(60.0, abs=0.5)
    board.sources[3] = lambda: 3.3  # open wire
    with pytest.raises(HalError, match="open wire"):
        ntc.read_c()


def test_ds18b20_is_read_in_the_background_and_refused_when_stale(tmp_path):
    dev = tmp_path / "28-0316a2795aff"
    dev.mkdir()
    (dev / "w1_slave").write_text("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
    sensor = Ds18b20(root=tmp_path, period_s=0.02, stale_s=0.3)
    deadline = time.monotonic() + 2
    while True:
        try:
            assert sensor.read_c() == pytest.approx(23.125)
            break
        except HalError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    (dev / "w1_slave").write_text("72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=99999\n")
    time.sleep(0.5)
    with pytest.raises(HalError, match="no reading"):
        sensor.read_c()
    sensor.close()


def test_normally_closed_inputs_trip_on_a_cut_wire(factory):
    estop = GpioInput(5, pin_factory=factory, normally_closed=True)
    pin = factory.pin(5)
    pin.drive_low()  # contact closed: healthy
    assert not estop.active()
    pin.drive_high()  # contact open, or the wire cut: the pull-up wins
    assert estop.active()


def test_rcd_test_input_is_driven(factory):
    rcd = GpioRcd(22, 23, pin_factory=factory)
    assert rcd.testable and factory.pin(23).state == 0
    rcd.press_test(True)
    assert factory.pin(23).state == 1
    rcd.press_test(False)
    assert factory.pin(23).state == 0


def test_lock_pulses_the_motor_and_reads_the_switch(factory):
    lock = GpioLock(24, 25, 16, pulse_s=0.05, pin_factory=factory)
    lock.lock()
    time.sleep(0.01)
    assert factory.pin(24).state == 1 and factory.pin(25).state == 0
    time.sleep(0.1)
    assert factory.pin(24).state == 0, "one pulse, then the motor rests"
    assert not lock.is_locked()
    factory.pin(16).drive_low()  # the position switch closes
    assert lock.is_locked()
    lock.unlock()
    time.sleep(0.01)
    assert factory.pin(25).state == 1 and factory.pin(24).state == 0
    lock.release()


def test_gpiozero_pwm_on_a_pwm_capable_mock_pin(factory):
    from gpiozero.pins.mock import MockPWMPin

    from hal.rpi.pwm import FREQUENCY_HZ, GpiozeroPwm

    factory.pin_class = MockPWMPin  # a factory whose pins can do PWM, as pigpio's and lgpio's
    pwm = GpiozeroPwm(12, pin_factory=factory)
    pin = factory.pin(12)
    assert pin.frequency == FREQUENCY_HZ and pin.state == 1.0, "steady +12 V until told otherwise"
    pwm.set_duty(53.33)
    assert pin.state == pytest.approx(0.5333)
    pwm.set_duty(0)
    assert pin.state == 0.0
    pwm.close()
