"""`evse selftest` and `evse calibrate` through the real Raspberry Pi drivers on simulated pins,
and the selftest on the bench."""

import time
from pathlib import Path

import pytest

from firmware.core.iec61851.pilot import CPState, classify
from firmware.selftest import FAIL, PASS, SKIP, SelfTest, format_table
from hal.commissioning import calibrate
from pinbench import PinBoard, mock_pins
from rig import Rig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def factory():
    yield from mock_pins()


def results(rows):
    return {(r.where, r.check): r.result for r in rows}


def run_selftest(pins):
    def sleep(s):  # the physical parts answer while the test waits
        pins.step()
        time.sleep(min(s, 0.002))

    return SelfTest(pins.board, pins.hal, sleep=sleep).run()


def test_selftest_passes_on_a_healthy_board(tmp_path, factory):
    pins = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
    pins.fronts[1].cable_a = None
    pins.fronts[1].gain, pins.fronts[1].offset_v = 0.1, 1.65
    rows = run_selftest(pins)
    got = results(rows)
    for check in ("no vehicle", "pilot -12 V (state F)", "pilot +12 V (state A)", "pilot 1 kHz, both detectors",
                  "contactor closes", "contactor opens", "RCD test", "lock"):
        assert got[("connector 1", check)] == PASS, format_table(rows)
    assert got[("station", "e-stop released")] == PASS
    assert got[("station", "temperature")] == PASS
    assert got[("connector 1", "meter")] == FAIL, "no RS-485 line here: the meter must not pass"
    assert "checks," in format_table(rows)
    assert not pins.coil(1), "the contactor is left open"
    pins.hal.close()


@pytest.mark.parametrize("jam, check, detail", [
    ("stuck_open", "contactor closes", "no feedback"),
    ("welded", "contactor opens", "welded"),
    ("rcd_dead", "RCD test", "did not trip"),
    ("lock_jammed", "lock", "did not lock"),
])
def test_selftest_names_what_failed(tmp_path, factory, jam, check, detail):
    pins = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
    pins.fronts[1].cable_a = None
    getattr(pins, jam).add(1)
    pins.step()
    rows = run_selftest(pins)
    row = next(r for r in rows if r.check == check)
    assert row.result == FAIL and detail in row.detail, format_table(rows)
    pins.hal.close()


def test_selftest_refuses_with_a_vehicle_plugged(tmp_path, factory):
    pins = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
    pins.fronts[1].ev = "B"
    rows = run_selftest(pins)
    assert results(rows)[("connector 1", "no vehicle")] == FAIL
    assert not any(r.check.startswith("contactor") for r in rows), "nothing moves with a vehicle there"
    pins.hal.close()


def test_selftest_on_the_bench_skips_the_contactor_with_a_cable_in():
    rig = Rig()
    rows = SelfTest(rig.board, rig.hal, sleep=lambda s: None).run()
    assert results(rows)[("connector 1", "contactor")] == SKIP
    rig.wire().update(cable_rating_a=None)
    rows = SelfTest(rig.board, rig.hal, sleep=lambda s: None).run()
    assert results(rows)[("connector 1", "contactor closes")] == PASS
    assert not any(r.result == FAIL for r in rows), format_table(rows)


def test_calibration_corrects_a_unit_off_nominal(tmp_path, factory):
    pins = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
    fe = pins.fronts[1]
    fe.cable_a, fe.gain, fe.offset_v = None, 0.09, 1.62  # 10 % low gain: +12 V reads 10.5 V
    pilot = pins.hal.connectors[1].pilot
    assert classify(pilot.read_pilot().high_v) == CPState.INVALID, "uncalibrated, state A is not recognised"
    rows = calibrate(pins.board, pins.hal, tmp_path)
    assert all(r.result == PASS for r in rows), format_table(rows)
    assert (tmp_path / "calibration.json").exists()
    pins.hal.close()
    rebuilt = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)  # the next start loads it
    fe = rebuilt.fronts[1]
    fe.gain, fe.offset_v = 0.09, 1.62
    pilot = rebuilt.hal.connectors[1].pilot
    assert pilot.read_pilot().high_v == pytest.approx(12.0, abs=0.05)
    fe.ev = "C"
    pilot.set_pwm(50)
    sample = pilot.read_pilot()
    assert sample.high_v == pytest.approx(6.0, abs=0.05) and sample.low_v == pytest.approx(-12.0, abs=0.05)
    rebuilt.hal.close()


@pytest.mark.parametrize("setup, message", [
    (lambda fe: setattr(fe, "ev", "C"), "unplug the vehicle"),
    (lambda fe: setattr(fe, "gain", 0.125), "check the wiring"),
])
def test_calibration_refuses_and_stores_nothing(tmp_path, factory, setup, message):
    pins = PinBoard("rpi4-1x1ph-32a.toml", tmp_path, factory, ROOT)
    fe = pins.fronts[1]
    fe.cable_a = None
    setup(fe)
    rows = calibrate(pins.board, pins.hal, tmp_path)
    assert rows[0].result == FAIL and message in rows[0].detail, format_table(rows)
    assert not (tmp_path / "calibration.json").exists()
    pins.hal.close()


def test_install_arms_the_hardware_watchdog_on_a_raspberry_pi_only(tmp_path):
    from firmware.ota.install import enable_hardware_watchdog

    pi, laptop = tmp_path / "pi", tmp_path / "laptop"
    (pi / "proc" / "device-tree").mkdir(parents=True)
    (pi / "proc" / "device-tree" / "model").write_text("Raspberry Pi 5 Model B Rev 1.0\x00")
    drop_in = enable_hardware_watchdog(pi)
    assert drop_in == pi / "etc/systemd/system.conf.d/evse-watchdog.conf"
    lines = drop_in.read_text().splitlines()
    assert "[Manager]" in lines and "RuntimeWatchdogSec=15s" in lines
    assert enable_hardware_watchdog(laptop) is None and not (laptop / "etc").exists()
