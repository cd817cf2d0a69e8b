"""Metering scheduling and trust: silent meters, stale values, registers that lie."""

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from firmware.config import MeteringConfig
from firmware.metering import Metering
from hal.errors import MeterError
from hal.types import MeterReading


class Line:
    """A shared half-duplex line: one request at a time."""

    def __init__(self):
        self.lock = threading.Lock()


class FakeMeter:
    def __init__(self, bus, energy=1000.0, serial="A1", timeout_s=0.15):
        self.bus = bus
        self.energy = energy
        self.serial = serial
        self.silent = False
        self.reads = 0
        self.timeout_s = timeout_s

    def read(self):
        with self.bus.lock:
            self.reads += 1
            if self.silent:
                time.sleep(self.timeout_s)  # a silent meter costs the line a timeout
                raise MeterError("timeout")
            time.sleep(0.005)
            return MeterReading(self.energy, 0.0, (0.0,), (230.0,), time.monotonic(), serial=self.serial)


def metering(meters, **cfg):
    events, health = [], []
    bus = SimpleNamespace(publish=events.append)
    m = Metering(meters, bus, MeteringConfig(**{"poll_s": 0.05, "offline_retry_s": 1.0, **cfg}),
                 on_health=lambda cid, ok: health.append((cid, ok)))
    return m, events, health


async def run_for(m, seconds):
    task = asyncio.create_task(m.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_silent_meter_does_not_starve_the_others_on_its_line():
    line = Line()
    meters = {1: FakeMeter(line), 2: FakeMeter(line), 0: FakeMeter(line)}
    meters[2].silent = True
    m, _, health = metering(meters)
    await run_for(m, 1.5)
    assert meters[2].reads <= 3  # tried once, then only every offline_retry_s
    assert meters[1].reads >= 15 and meters[0].reads >= 15  # ~every 50 ms, not every 150 ms+
    assert m.online == {1: True, 2: False, 0: True}
    assert (2, False) in health


async def test_recovery_when_the_meter_answers_again():
    line = Line()
    meters = {1: FakeMeter(line)}
    meters[1].silent = True
    m, events, health = metering(meters, offline_retry_s=0.2)
    await run_for(m, 0.3)
    assert not m.online[1]
    meters[1].silent = False
    await run_for(m, 0.5)
    assert m.online[1] and health == [(1, False), (1, True)]


async def test_a_stale_value_is_never_fresh():
    line = Line()
    meters = {1: FakeMeter(line)}
    m, _, _ = metering(meters, stale_after_s=0.5)
    assert await m.read_now(1) is not None
    assert m.fresh(1) is not None
    meters[1].silent = True
    await asyncio.sleep(0.6)
    assert await m.read_now(1) is None
    assert m.fresh(1) is None and m.latest[1] is not None  # kept, with its age, but not current


async def test_a_register_running_backwards_is_flagged():
    line = Line()
    meters = {1: FakeMeter(line, energy=5000.0)}
    m, _, health = metering(meters)
    await m.read_now(1)
    meters[1].energy = 4990.0
    await m.read_now(1)
    assert "meter_backwards" in m.faults[1] and health == [(1, False)]
    meters[1].energy = 5000.5  # even if it recovers: latched, the data was not trustworthy
    await m.read_now(1)
    assert "meter_backwards" in m.faults[1]


async def test_small_float_rounding_is_not_backwards():
    line = Line()
    meters = {1: FakeMeter(line, energy=5000.0)}
    m, _, _ = metering(meters)
    await m.read_now(1)
    meters[1].energy = 4999.5
    await m.read_now(1)
    assert not m.faults[1]


class CrossingMeter:
    """A meter whose first read is held until released, so a later read can finish before it."""

    def __init__(self):
        self.energy = 300.0
        self.held = threading.Event()
        self.first = True

    def read(self):
        reading = MeterReading(self.energy, 0.0, (0.0,), (230.0,), time.monotonic())
        if self.first:
            self.first = False
            self.held.wait(5)
        return reading


async def test_a_read_finishing_after_a_newer_one_does_not_replace_it():
    meter = CrossingMeter()
    m, _, _ = metering({1: meter})
    poll = asyncio.create_task(m.read_now(1))  # taken at 300 Wh, held in its thread
    await asyncio.sleep(0.05)
    meter.energy = 300.6
    stop = await m.read_now(1)  # the billing read at stop, newer
    meter.held.set()
    await poll
    assert m.latest[1] is stop and m.latest[1].energy_wh == 300.6
    assert not m.faults[1]


async def test_a_changed_serial_number_is_flagged():
    line = Line()
    meters = {1: FakeMeter(line, serial="A1")}
    m, _, _ = metering(meters)
    await m.read_now(1)
    meters[1].serial = "B2"
    await m.read_now(1)
    assert "meter_replaced" in m.faults[1]


@pytest.mark.parametrize("policy, held", [("stop", True), ("continue", False)])
def test_offline_policy_holds_the_offer(policy, held):
    from rig import Rig

    rig = Rig()
    rig.charge()
    if policy == "stop":
        rig.conn().holds.add("meter")  # what app._meter_health does under "stop"
    rig.tick()
    assert (rig.conn().state == "suspended_evse") == held
    assert rig.wire().contactor_cmd != held
