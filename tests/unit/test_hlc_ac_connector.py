"""An ISO 15118-2 AC connector in the charger model (firmware.ac.hlc_connector): 5 % from plug-in, the
offer told over the link, the contactor on state C as in basic charging, the EV held to what it was
told, a stop told to the EV, smart charging rounds reported as AC, and ISO 15118-3's fallback to
basic charging when SLAC fails. In process: a Station on board-configs/bench-ac-hlc.toml, the bench's
wire and an EV link port the test plays, an injected clock."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from firmware.ac.hlc_connector import EV_STOP_WAIT_S
from firmware.clock import SteppedClock
from firmware.config import load_board
from firmware.core import charger
from firmware.core.iec61851.pilot import DUTY_NO_PWM, DUTY_STATE_F, duty_for_current
from firmware.core.session import StopReason
from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.events import EvChargingNeeds
from firmware.station import Station
from hal.interfaces import ConnectorHal, Hal
from hal.mock.board import MockContactor, MockLock, MockPilot, MockRcd, MockReader, MockStationInput, MockTemperature
from hal.mock.ev import SimulatedEV
from hal.mock.meter import MockMeter
from hal.mock.wire import BenchWire, ConnectorWire
from hal.types import MeterReading

ROOT = Path(__file__).resolve().parents[2]
TICK_S = 0.02


class Link:
    """The EV link's port, played by the test: what the EV said, what the connector told it."""

    protocol = "ISO_15118_2"

    def __init__(self):
        self.request = EvRequest()
        self.told: dict = {}
        self.pilot_seen = None
        self.slac_state = "matched"

    def tell(self, status: dict) -> None:
        self.told = status

    def pilot(self, state: str, digital: bool) -> None:
        self.pilot_seen = (state, digital)

    def says(self, **fields) -> None:
        self.request = dataclasses.replace(self.request, **fields)


class Rig:
    def __init__(self):
        self.board = load_board(ROOT / "board-configs" / "bench-ac-hlc.toml")
        self.wall = SteppedClock()
        self.wire = ConnectorWire(1, 3, 230.0, SimulatedEV(hlc=True), 32, wake=lambda: None)
        self.bench = BenchWire(connectors={1: self.wire}, wake=lambda: None)
        w = self.wire
        conn_hal = ConnectorHal(pilot=MockPilot(w), contactor=MockContactor(w), rcd=MockRcd(w), meter=MockMeter(w),
                                lock=MockLock(w))
        hal = Hal(connectors={1: conn_hal}, estop=MockStationInput(self.bench, "estop"),
                  temperature=MockTemperature(self.bench), reader=MockReader(self.bench))
        self.events: list = []
        self.link = Link()
        self.reading: MeterReading | None = None  # the metering's latest fresh reading of connector 1
        self.station = Station(self.board, hal, SimpleNamespace(publish_threadsafe=self.events.append), self.wall,
                               readings=lambda cid: self.reading, ev_links={1: self.link})
        self.conn = self.station.connectors[1]

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            self.wall.advance(TICK_S)
            self.station.loop.tick_once(self.wall.monotonic())

    def plug(self) -> None:
        self.wire.set_ev(state="C")  # the driver's wish; at 5 % the car's controller sets the pilot
        self.tick(2)
        self.link.says(session=self.link.request.session + 1)  # its link reports a new EV session
        self.tick()

    def authorize(self) -> None:
        assert self.conn.grant("TAG", self.wall.monotonic())
        self.tick()
        self.conn.set_meter_start(self.conn.session.local_id, 0.0)
        self.tick()

    def car(self, state: str, draw_a: float = 0.0) -> None:
        """The car's controller: its pilot state and its draw (hal.mock.ac_hlc_bench puts them on the wire)."""
        self.wire.set_ev(digital={"state": state, "draw_a": draw_a})
        self.link.says(stage=ev_link.CHARGING_STATUS if state == "C" else ev_link.POWER_OFF)
        self.tick(2)


@pytest.fixture
def rig():
    return Rig()


def test_the_pilot_shows_5_percent_from_plug_in_and_the_offer_goes_over_the_link(rig):
    rig.tick()
    assert rig.conn.duty == DUTY_NO_PWM and rig.link.pilot_seen == ("A", False)
    rig.plug()
    assert rig.conn.duty == 5.0 and rig.link.pilot_seen == ("B", True)  # SLAC may match; the car waits in B
    assert rig.conn.state == charger.PREPARING and rig.conn.cp.value == "B"
    told = rig.link.told
    assert told["max_current_a"] == 32.0 and told["nominal_voltage_v"] == 230.0 and told["authorized"] is False
    assert told["state"] == "off" and told["cp"] == "B" and told["max_power_w"] == 32.0 * 230.0 * 3


def test_the_contactor_closes_on_state_c_once_billed_and_opens_when_the_car_leaves_it(rig):
    rig.plug()
    rig.authorize()
    assert rig.link.told["authorized"] is True and not rig.conn.contactor_closed
    rig.car("C", 32.0)  # after its PowerDeliveryReq Start
    assert rig.conn.state == charger.CHARGING and rig.conn.contactor_closed
    assert rig.link.told["state"] == "charging" and rig.wire.draw_a() == 32.0
    assert rig.conn.own_values()["Current.Offered"] == (32.0, "A")
    rig.car("B")  # before its PowerDeliveryReq Stop
    assert not rig.conn.contactor_closed and rig.conn.state == charger.SUSPENDED_EV
    assert rig.link.told["state"] == "off"


def test_a_lower_limit_reaches_the_ev_over_the_link_and_holds_it_to_it(rig):
    rig.plug()
    rig.authorize()
    rig.car("C", 32.0)
    rig.conn.csms_limit_a = 10.0  # a charging profile (the load manager sets it)
    rig.tick()
    assert rig.link.told["max_current_a"] == 10.0 and rig.conn.duty == 5.0  # the duty stays: the link carries it
    assert rig.conn.own_values()["Current.Offered"] == (10.0, "A")  # what the supervision judges the draw by
    rig.conn.csms_limit_a = 0.0  # below 6 A: the session waits (SuspendedEVSE); the EV is told 0 A
    rig.tick(2)
    assert rig.conn.state == charger.SUSPENDED_EVSE and rig.link.told["max_current_a"] == 0.0 and rig.conn.duty == 5.0
    assert rig.conn.contactor_closed  # the EV ends its draw first (EV_STOP_WAIT_S)
    rig.car("C", 0.0)  # it followed the offer down to nothing and stays in C
    rig.tick(int(EV_STOP_WAIT_S / TICK_S))
    assert not rig.conn.contactor_closed and rig.wire.draw_a() == 0.0 and not rig.conn.trips


def test_a_stop_by_the_operator_is_told_to_the_ev_in_its_charging_loop(rig):
    rig.plug()
    rig.authorize()
    rig.car("C", 32.0)
    assert rig.link.told["stop"] is False
    assert rig.conn.end_session(StopReason.REMOTE)
    rig.tick(25)  # half a second: its next ChargingStatusRes carries the stop
    assert rig.conn.state == charger.FINISHING and rig.conn.contactor_closed  # not broken under 32 A
    assert rig.conn.hal.lock.is_locked()  # never a live socket with its plug free
    assert rig.link.told["stop"] is True and rig.link.told["authorized"] is False  # EVSENotification StopCharging
    rig.car("B")  # before its PowerDeliveryReq Stop, its draw ended
    assert not rig.conn.contactor_closed and not rig.conn.trips and not rig.conn.hal.lock.is_locked()
    assert rig.link.told["stop"] is False  # it stopped: nothing more to tell


def test_an_ev_that_ignores_the_stop_has_the_contactor_opened_after_its_wait(rig):
    rig.plug()
    rig.authorize()
    rig.car("C", 32.0)
    assert rig.conn.end_session(StopReason.REMOTE)
    rig.tick(int(EV_STOP_WAIT_S / TICK_S) - 5)
    assert rig.conn.contactor_closed and rig.link.told["stop"] is True
    rig.tick(10)
    assert not rig.conn.contactor_closed and rig.conn.state == charger.FINISHING
    assert not rig.conn.trips  # opened by the session, before the supervisor's 5 s for an EV to follow


def test_a_trip_or_an_unplug_opens_at_once_whatever_the_ev_was_told(rig):
    for cause in ("rcd", "unplug"):
        rig = Rig()
        rig.plug()
        rig.authorize()
        rig.car("C", 32.0)
        assert rig.conn.end_session(StopReason.REMOTE)
        rig.tick()
        assert rig.conn.contactor_closed  # waiting for the EV
        if cause == "rcd":
            rig.wire.set_fault("rcd", True)
        else:
            rig.wire.set_ev(state="A")
        rig.tick()
        assert not rig.conn.contactor_closed, cause


def test_a_residual_current_trip_is_told_as_rcd(rig):
    rig.plug()
    rig.authorize()
    rig.car("C", 32.0)
    rig.wire.set_fault("rcd", True)
    rig.tick()
    assert not rig.conn.contactor_closed and rig.link.told["rcd"] is True and rig.link.told["state"] == "fault"


def test_the_evs_rounds_are_reported_as_ac_needs_and_a_new_limit_asks_for_a_renegotiation(rig):
    rig.plug()
    rig.authorize()
    rig.link.says(schedule_round=1, max_current_a=32.0, min_current_a=6.0, max_voltage_v=400.0,
                  energy_request_wh=20000.0)
    rig.tick()
    (needs,) = [e for e in rig.events if isinstance(e, EvChargingNeeds)]
    assert needs.energy_transfer == "AC_three_phase" and needs.min_current_a == 6.0 and needs.max_current_a == 32.0
    assert rig.conn.renegotiate_schedule() is False  # its round is not answered yet
    rig.conn.offer_schedule(1, [(0, 22080.0)])
    rig.tick()
    assert rig.link.told["schedule"] == {"round": 1, "periods": [[0, 22080.0]]}
    rig.car("C", 32.0)
    assert rig.conn.renegotiate_schedule() is True and rig.link.told.get("renegotiate") is None
    rig.tick()
    assert rig.link.told["renegotiate"] == 1  # EVSENotification ReNegotiation in its ChargingStatusRes


def test_an_ev_that_never_matches_falls_back_to_basic_charging_through_state_f(rig):
    rig.plug()
    rig.authorize()
    assert rig.conn.duty == 5.0
    rig.link.slac_state = "failed"
    rig.tick()
    assert rig.conn.duty == DUTY_STATE_F and rig.link.pilot_seen[1] is False
    rig.tick(int(3.9 / TICK_S))
    assert rig.conn.duty == DUTY_STATE_F  # T_step_EF: at least 4 s
    rig.tick(int(0.2 / TICK_S))
    assert rig.conn.duty == duty_for_current(32.0)  # basic charging: the duty carries the offer
    rig.tick(2)
    assert rig.conn.state == charger.CHARGING and rig.conn.contactor_closed  # the car wanted C all along
    assert rig.wire.draw_a() == pytest.approx(32.0, abs=0.1) and rig.conn.session is not None
    rig.wire.set_ev(state="A")
    rig.tick(2)
    rig.link.slac_state = "matching"
    rig.wire.set_ev(state="B")
    rig.tick(2)
    assert rig.conn.duty == 5.0  # the next plug-in tries the digital link again


def test_the_installers_page_shows_the_digital_link_or_the_fallback(rig):
    from firmware.web.views import hlc_view

    rig.plug()
    rig.authorize()
    rig.car("C", 32.0)
    assert hlc_view(rig.conn) == {"ev_stage": "charging_status", "protocol": "ISO_15118_2", "slac": "matched",
                                  "basic": False}
    rig.link.slac_state = "failed"
    rig.tick()
    assert hlc_view(rig.conn)["basic"] is True


def test_the_ev_is_told_the_meter_to_sign_and_its_receipts_belong_to_the_plug_ins_session(rig):
    """ISO 15118-2 MeteringReceipt: the meter's register in whole Wh and its name while a fresh reading
    is in, with how often a Plug & Charge EV is to sign it (the board's metering_receipt_s, 0 here); a
    receipt that comes after the stop belongs to the session it ended, until the cable is out."""
    rig.plug()
    assert rig.link.told["receipt_s"] == 0.0 and rig.link.told["meter_wh"] is None
    rig.authorize()
    local_id = rig.conn.session.local_id
    rig.car("C", 32.0)
    rig.reading = MeterReading(81234.6, 22080.0, (32.0,) * 3, (230.0,) * 3, rig.wall.monotonic(), serial=None)
    rig.tick()
    assert rig.link.told["meter_wh"] == 81235 and rig.link.told["meter_id"] == "BENCH-ACHLC-0001-1"  # no [[meters]]
    assert rig.conn.receipt_session == local_id
    assert rig.conn.end_session(StopReason.REMOTE)
    rig.tick(25)
    assert rig.conn.session is None and rig.conn.receipt_session == local_id  # the stop's receipt is this one's
    rig.car("B")
    rig.wire.set_ev(state="A")
    rig.tick(3)
    assert rig.conn.receipt_session is None
