"""Each Raspberry Pi board config, built by the real drivers on simulated pins,
runs a session and trips on every fault its hardware can show."""

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from firmware.core import charger
from firmware.clock import WallClock
from firmware.station import Station
from hal.errors import HalError
from pinbench import PinBoard, mock_pins

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ["rpi4-1x1ph-32a.toml", "rpi4-2x3ph-32a.toml", "rpi5-1x1ph-32a.toml", "rpi5-2x3ph-16a.toml"]


class PinRig:
    def __init__(self, config, tmp_path, factory):
        self.pins = PinBoard(config, tmp_path, factory, ROOT)
        self.events = []
        bus = SimpleNamespace(publish_threadsafe=self.events.append, publish=self.events.append)
        self.station = Station(self.pins.board, self.pins.hal, bus, WallClock())
        self.now = 1000.0

    def tick(self, n=1, dt=0.02):
        for _ in range(n):
            self.now += dt
            self.pins.step()
            self.station.loop.tick_once(self.now)
        self.pins.step()

    def conn(self, cid=1):
        return self.station.connectors[cid]

    def start_session(self, cid=1):
        """Plugged, authorized, meter start read, the EV asking for energy."""
        fe = self.pins.fronts[cid]
        fe.ev = "B"
        self.tick(2)
        assert self.conn(cid).grant("TAG", self.now)
        self.tick()
        self.conn(cid).set_meter_start(self.conn(cid).session.local_id, 0.0)
        fe.ev = "C"

    def charge(self, cid=1):
        self.start_session(cid)
        self.tick(3)
        assert self.conn(cid).state == charger.CHARGING, (self.conn(cid).state, self.conn(cid).trips)
        assert self.pins.coil(cid), "the contactor coil must be driven"


@pytest.fixture
def factory():
    yield from mock_pins()


@pytest.fixture
def rig_for(tmp_path, factory):
    rigs = []

    def make(config):
        rig = PinRig(config, tmp_path, factory)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.pins.hal.close()


@pytest.mark.parametrize("config", BOARDS)
def test_a_session_on_each_board(rig_for, config):
    rig = rig_for(config)
    for cid in rig.station.connectors:
        assert rig.conn(cid).state == charger.AVAILABLE, rig.conn(cid).trips
        rig.charge(cid)
        duty = rig.pins.fronts[cid].duty()
        assert duty == pytest.approx(rig.conn(cid).cfg.max_current_a / 0.6, abs=0.01)
        rig.pins.fronts[cid].ev = "B"
        rig.tick()
        assert not rig.pins.coil(cid) and rig.conn(cid).state == charger.SUSPENDED_EV


def trip_rcd(rig):
    rig.pins.trip(rig.pins.board.connector(1).pins.rcd)


def trip_estop(rig):
    rig.pins.trip(rig.pins.board.rpi.estop_pin)


def trip_power(rig):
    rig.pins.trip(rig.pins.board.rpi.power_fail_pin)


def overheat(rig):
    rig.pins.temperature_c = 95.0


def cut_ntc(rig):
    rig.pins.analog.sources[rig.pins.board.rpi.ntc_channel] = lambda: 3.3


def kill_adc(rig):
    rig.pins.analog.broken = True


def lose_diode(rig):
    rig.pins.fronts[1].diode = False


def short_pilot(rig):
    rig.pins.fronts[1].ev = "E"


def bad_plug(rig):
    rig.pins.fronts[1].pp_ohms = 30.0


def weld(rig):
    rig.pins.welded.add(1)
    rig.pins.fronts[1].ev = "B"


# fault -> (how, ticks until due, pilot duty while active)
PIN_FAULTS = {
    "rcd": (trip_rcd, 1, 0.0),
    "estop": (trip_estop, 1, 0.0),
    "power_fail": (trip_power, 1, 0.0),
    "overtemp": (overheat, 1, 0.0),
    "temp_sensor": (cut_ntc, 1, 0.0),
    "pilot_adc": (kill_adc, 1, 0.0),
    "diode": (lose_diode, 1, 100.0),
    "pilot_short": (short_pilot, 5, 100.0),
    "weld": (weld, 15, 0.0),
    "pp_invalid": (bad_plug, 1, 100.0),
}


@pytest.mark.parametrize("fault", sorted(PIN_FAULTS))
def test_faults_through_the_real_drivers(rig_for, fault):
    how, due, duty = PIN_FAULTS[fault]
    rig = rig_for("rpi4-1x1ph-32a.toml")
    rig.charge()
    how(rig)
    rig.tick()
    assert not rig.pins.coil(1), f"{fault}: the coil must drop in the tick that sees it"
    rig.tick(due)
    assert fault in rig.conn().trips, rig.conn().trips
    rig.tick()
    assert rig.pins.fronts[1].duty() == duty


def test_a_dead_i2c_adc_is_a_fault_not_a_crash(rig_for):
    rig = rig_for("rpi5-1x1ph-32a.toml")  # the ADS1115 board: a dead bus raises instead of reading 0 V
    rig.charge()
    rig.pins.analog.broken = True
    rig.tick()
    assert not rig.pins.coil(1) and "pilot_adc" in rig.conn().trips
    rig.tick(2)
    assert rig.pins.fronts[1].duty() == 0.0, "state F"
    rig.pins.analog.broken = False
    rig.tick(3)
    assert rig.conn().state != charger.FAULTED


def test_stuck_open_contactor(rig_for):
    rig = rig_for("rpi4-1x1ph-32a.toml")
    rig.pins.stuck_open.add(1)
    rig.start_session()
    rig.tick(30)  # 0.6 s > close_detect_s
    assert "contactor_stuck_open" in rig.conn().trips and not rig.pins.coil(1)


def test_jammed_lock(rig_for):
    rig = rig_for("rpi4-1x1ph-32a.toml")
    rig.pins.lock_jammed.add(1)
    rig.start_session()
    rig.tick(10)
    assert not rig.pins.coil(1), "no energy before the lock reports locked"
    rig.tick(50)
    assert "lock_failure" in rig.conn().trips
    rig.pins.fronts[1].ev = "A"
    rig.tick(2)
    assert rig.conn().state == charger.AVAILABLE


def test_a_missing_reader_fails_its_polls_but_not_charging(rig_for):
    rig = rig_for("rpi4-1x1ph-32a.toml")
    deadline = time.monotonic() + 3
    with pytest.raises(HalError, match="/dev/ttyUSB0"):
        while time.monotonic() < deadline:  # the reader thread reports the port it could not open
            rig.pins.hal.reader.poll()
            time.sleep(0.01)
    rig.charge()  # a reader is not a safety device: charging goes on (ReaderFailure is only reported)
