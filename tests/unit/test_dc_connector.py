"""A DC connector in the charger model (firmware.dc.connector): the session table, authorization and
the meter start before the EV may charge, statuses, faults through the fault matrix, operator stops,
limits in DC amps. In process, with an injected clock, the bench's DC bus and an EV at the neutral
level (tests/dc_rig.py)."""

from firmware.core import charger
from firmware.core.session import StopReason
from firmware.dc.power_path import CHARGING, DONE, FAULT, OFF, STOPPING
from firmware.events import SessionEnded
from hal.mock.dc import Battery

from dc_rig import DcStationRig


def ended(rig):
    return [e.session for e in rig.events if isinstance(e, SessionEnded)]


def test_a_whole_session_follows_the_table_and_the_ev_charges_only_once_billed():
    rig = DcStationRig()
    rig.plug()
    assert rig.conn.state == charger.PREPARING and rig.conn.duty == 5.0  # digital communication required
    rig.tick(50)
    assert rig.link.pilot_seen == ("B", True)  # SLAC (ISO 15118-3) may match the EV: B at 5 %
    assert rig.conn.path.state == OFF and rig.link.told["authorized"] is False  # no card: the EV waits
    assert rig.conn.grant("TAG", rig.clock())
    rig.tick(5)
    assert rig.conn.state == charger.SUSPENDED_EV and rig.link.told["authorized"] is False  # no meter start yet
    rig.conn.set_meter_start(rig.conn.session.local_id, 0.0)
    assert rig.until(lambda: rig.conn.state == charger.CHARGING, 30)
    assert rig.conn.path.state == CHARGING and rig.until(lambda: rig.bus.current_a > 10, 2)
    assert rig.until(lambda: rig.conn.path.state == DONE, 200)
    assert rig.conn.state == charger.SUSPENDED_EV and rig.bus.battery.soc_pct >= 80 and rig.output_off()
    rig.plug("A")
    rig.tick(2)
    assert rig.conn.state == charger.AVAILABLE and rig.link.pilot_seen == ("A", False)
    assert rig.statuses() == [charger.PREPARING, charger.SUSPENDED_EV, charger.CHARGING, charger.SUSPENDED_EV,
                              charger.AVAILABLE]
    (session,) = ended(rig)
    assert session.stop_reason == StopReason.EV_DISCONNECTED and session.id_tag == "TAG"


def test_emergency_stop_switches_the_output_off_in_the_tick_that_sees_it():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    rig.bench.faults.add("estop")
    rig.tick()
    assert rig.output_off() and rig.conn.path.state == FAULT and rig.conn.state == charger.FAULTED
    assert "estop" in rig.conn.trips and rig.conn.duty == 0.0  # state F: the EVSE is not available
    assert ended(rig)[0].stop_reason == StopReason.EMERGENCY_STOP


def test_an_insulation_fault_faults_the_connector_until_the_ev_is_unplugged():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    rig.bus.insulation_ohm = 50e3  # below 100 kOhm: the monitor's alarm relay
    assert rig.until(lambda: rig.conn.state == charger.FAULTED, 3)
    assert rig.output_off() and "isolation" in rig.conn.trips and rig.conn.path.fault_kind == "isolation"
    rig.bus.insulation_ohm = 5e6
    rig.tick(100)
    assert rig.conn.state == charger.FAULTED  # the fault matrix: isolation clears on unplug
    rig.plug("A")
    assert rig.until(lambda: rig.conn.state == charger.AVAILABLE, 2)
    assert rig.conn.path.state == OFF


def test_a_stop_from_the_csms_ramps_down_and_tells_the_ev_to_stop():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    assert rig.conn.end_session(StopReason.REMOTE)
    rig.tick()
    assert rig.conn.path.state == STOPPING and rig.link.told["stop"] is True and not rig.link.told["authorized"]
    assert rig.until(lambda: rig.conn.path.state == DONE, 10)
    assert rig.output_off() and rig.conn.state == charger.FINISHING
    assert ended(rig)[0].stop_reason == StopReason.REMOTE


def test_unplugging_with_the_output_live_is_a_trip_not_a_ramp():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    rig.plug("A")
    assert rig.output_off() and rig.conn.path.fault_kind == "ev_error"
    assert rig.until(lambda: rig.conn.state == charger.AVAILABLE, 2)  # ev_error clears with the unplug


def test_a_schedule_in_amps_per_phase_limits_the_dc_current_by_the_power_it_allows():
    rig = DcStationRig(Battery(capacity_kwh=5.0))
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    rig.conn.csms_limit_a, rig.conn.limit_details = 16.0, ("TxProfile 1", "", "site_share")
    rig.tick(100)
    volts = rig.conn.path.reading.voltage_v
    assert abs(rig.conn.offered_a - 16.0 * 3 * 230.0 / volts) < 16.0 * 3 * 230.0 / volts * 0.05
    assert abs(rig.bus.current_a - rig.conn.offered_a) < 2.0
    sources = {s.source: s.limit_a for s in rig.conn.limit_sources}
    assert sources["board"] == 200.0 and sources["power_modules"] == 200.0 and "csms_schedule" in sources
    own = rig.conn.own_values()
    assert own["SoC"][1] == "Percent" and 20.0 <= own["SoC"][0] < 80.0
    assert abs(own["Power.Offered"][0] - 16.0 * 3 * 230.0) < 16.0 * 3 * 230.0 * 0.05


def test_a_module_fault_trips_and_clears_once_the_ev_ends_its_session():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    rig.bus.module_faults[1] = {"over-temperature"}
    rig.tick()
    assert rig.output_off() and rig.conn.state == charger.FAULTED and "power_module" in rig.conn.trips
    rig.bus.module_faults.clear()
    rig.link.ecu.request.stage = "ended"  # the EV ends its session on the emergency shutdown
    assert rig.until(lambda: rig.conn.state != charger.FAULTED, 3)  # auto: the cause is gone


def test_the_evs_needs_are_told_once_per_session():
    from firmware.events import EvChargingNeeds

    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    rig.tick(50)
    (needs,) = [e for e in rig.events if isinstance(e, EvChargingNeeds)]
    assert needs.max_voltage_v == 420.0 and needs.max_current_a == 200.0 and needs.soc_pct == 20.0


def test_the_load_manager_sees_a_dc_connector_in_supply_amps():
    from types import SimpleNamespace

    from firmware.smart_charging.manager import LoadManager
    from hal.types import MeterReading

    rig = DcStationRig()
    assert abs(rig.conn.supply_rating_a() - 60000.0 / (230.0 * 3)) < 0.01  # two 30 kW modules
    board = SimpleNamespace(voltage_v=230.0, phases=3)
    dc = MeterReading(energy_wh=0.0, power_w=34500.0, currents_a=(90.0,), voltages_v=(383.3,), taken_at=0.0, dc=True)
    assert LoadManager._supply_currents(SimpleNamespace(board=board), dc) == (50.0, 50.0, 50.0)
    ac = MeterReading(energy_wh=0.0, power_w=0.0, currents_a=(10.0, 11.0, 12.0), voltages_v=(230.0,) * 3, taken_at=0.0)
    assert LoadManager._supply_currents(SimpleNamespace(board=board), ac) == (10.0, 11.0, 12.0)


def test_a_stalled_tick_switches_the_dc_modules_off_from_the_guard_thread():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    loop = rig.station.loop
    assert loop.guard.check(loop.last_tick + 10 * loop.tick_s)  # no tick for ten periods
    assert rig.output_off() and rig.wire.duty_pct == 0.0  # the pilot at state F, set by the guard itself


def test_the_installers_page_shows_the_dc_side():
    from firmware.web.views import dc_view

    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    view = dc_view(rig.conn)
    assert view["state"] == "charging" and view["protocol"] == "ISO_15118_2" and 20 <= view["ev_soc_pct"] < 80
    assert view["present_current_a"] > 10 and view["insulation_ohm"] == 5e6


def test_the_ev_waits_for_its_schedule_and_gets_the_chargers_own_when_nobody_answers():
    """ISO 15118 smart charging (K15): the round is held (the EV hears Ongoing) until the OCPP layer
    offers a schedule; unanswered for schedule_rounds.WAIT_S, the charger's own ceiling."""
    from firmware.dc import schedule_rounds
    from firmware.dc.power_path import OFF as PATH_OFF

    rig = DcStationRig()
    rig.offer_at_once = False
    rig.start()
    rig.tick(int((schedule_rounds.WAIT_S - 1) / 0.02))
    assert rig.link.told["schedule"] is None and rig.conn.path.state == PATH_OFF  # still asking
    assert rig.until(lambda: rig.link.told["schedule"] is not None, 2)
    assert rig.link.told["schedule"] == {"round": 1, "periods": [[0, 60000.0]]}  # two 30 kW modules
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)


def test_an_offer_for_another_round_is_not_the_evs_and_the_chosen_profile_is_told_once():
    from firmware.dc.ev_link import EvProfile
    from firmware.events import EvChargingNeeds, EvChargingSchedule

    rig = DcStationRig()
    rig.offer_at_once = False
    rig.start()
    rig.tick(3)
    (needs,) = [e for e in rig.events if isinstance(e, EvChargingNeeds)]
    rig.conn.offer_schedule(needs.round + 1, [(0, 1000.0)])  # a stale or future round: ignored
    rig.tick(3)
    assert rig.link.told["schedule"] is None
    rig.conn.offer_schedule(needs.round, [(0, 30000.0), (3600, 11000.0)])
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    assert rig.link.told["schedule"]["periods"] == [[0, 30000.0], [3600, 11000.0]]
    rig.link.ecu.request.ev_profile = EvProfile(1, ((0, 30000.0), (3600, 11000.0), (86400, 0.0)))
    rig.tick(10)
    (chosen,) = [e for e in rig.events if isinstance(e, EvChargingSchedule)]
    assert chosen.entries == ((0, 30000.0), (3600, 11000.0), (86400, 0.0)) and chosen.connector_id == 1



def test_a_power_profile_on_a_dc_connector_counts_every_supply_phase():
    """A profile in W on a DC connector: its meter has one line, but the power comes from the three
    phases of the supply, so 20 kW is 29 A per phase at 230 V, not 87 A on one."""
    from types import SimpleNamespace

    from firmware.smart_charging.manager import LoadManager
    from hal.types import MeterReading

    dc = MeterReading(energy_wh=0.0, power_w=20000.0, currents_a=(50.0,), voltages_v=(400.0,), taken_at=0.0, dc=True)
    manager = SimpleNamespace(board=SimpleNamespace(phases=3), metering=SimpleNamespace(latest={1: dc},
                                                                                        fresh=lambda cid: dc))
    assert LoadManager._phases(manager, SimpleNamespace(kind="dc", id=1)) == 3
    assert LoadManager._phases(manager, SimpleNamespace(kind="ac", id=1)) == 1  # AC: the lines that draw


def test_a_dc_ev_drawing_well_under_its_offer_leaves_the_rest_of_the_site_to_the_others():
    """A DC EV tapering near full takes a fraction of its offer: after the settle time the load manager
    counts its need (in supply amps, from the DC meter's power) instead of its whole rating."""
    from types import SimpleNamespace

    from firmware.events import EventBus
    from firmware.smart_charging import manager as manager_module
    from firmware.smart_charging.manager import LoadManager
    from hal.types import MeterReading

    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    readings = {}
    lm = LoadManager(rig.board, rig.station, SimpleNamespace(latest=readings, fresh=readings.get), None, rig.wall,
                     EventBus(), transaction_id=lambda s: None, online=lambda: True, failsafe_a=lambda: 0)
    supply = rig.board.voltage_v * rig.board.phases
    offer_supply_a = rig.conn.offered_a * 400.0 / supply

    def drawing(watts: float) -> float | None:
        readings[1] = MeterReading(energy_wh=0.0, power_w=watts, currents_a=(watts / 400.0,), voltages_v=(400.0,),
                                   taken_at=rig.wall.monotonic(), dc=True)
        return lm._demand(rig.conn, None).need_a

    assert drawing(10000.0) is None  # the offer just seen: the EV has not had time to follow it
    rig.wall.advance(manager_module.SETTLE_S + 1)
    assert abs(drawing(10000.0) - (10000.0 / supply + manager_module.NEED_HEADROOM_A)) < 0.01
    assert drawing(offer_supply_a * supply) is None  # taking all it is offered: it may have its whole share
    assert drawing(0.0) == 6.0  # never less than the least an EV may be offered


def test_an_ev_slac_could_not_match_is_reported_without_a_trip():
    """SLAC failed with the EV plugged: the operator hears EVCommunicationError (1.6) / an EVSE problem
    (2.0.1) while the connector stays Preparing; a match, or the unplug, ends the report."""
    from firmware.events import StatusChanged
    from firmware.ocpp.v16.status import status_of

    rig = DcStationRig()
    rig.plug()
    rig.tick(5)
    rig.link.slac_state = "failed"
    rig.tick(2)
    last = [e for e in rig.events if isinstance(e, StatusChanged)][-1]
    assert last.state == charger.PREPARING and "ev_comm" in last.faults and not rig.conn.trips
    assert status_of(last.state, last.faults) == ("Preparing", "EVCommunicationError", "ev_comm")
    rig.link.slac_state = "matched"
    rig.tick(2)
    last = [e for e in rig.events if isinstance(e, StatusChanged)][-1]
    assert last.state == charger.PREPARING and last.faults == ()
    rig.link.slac_state = "failed"
    rig.plug("A")
    rig.tick(2)
    assert [e for e in rig.events if isinstance(e, StatusChanged)][-1].faults == ()  # unplugged: no EV to match


def test_a_new_limit_mid_charge_asks_an_iso_15118_2_ev_to_renegotiate_and_the_power_stays_on():
    """K16: the station asks (EVSENotification ReNegotiation through the link's "renegotiate"); the round
    the EV opens is the station's (offered without asking the CSMS again, K16.FR.09); a round the EV
    opens by itself is the EV's (K17). The output keeps the EV's last target meanwhile."""
    from firmware.dc import ev_link
    from firmware.events import EvChargingNeeds

    rig = DcStationRig()
    assert rig.station.renegotiate_schedules(1) == []  # no EV: nothing to ask
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING and rig.bus.current_a > 10, 30)
    rig.tick(5)
    assert rig.station.renegotiate_schedules(0) == [1]
    rig.tick()
    assert rig.link.told["renegotiate"] == 1
    ecu = rig.link.ecu.request
    ecu.stage = ev_link.RENEGOTIATE  # PowerDeliveryReq Renegotiate
    rig.tick(10)
    assert rig.conn.path.state == CHARGING and rig.bus.current_a > 10  # the power stays on
    ecu.schedule_round = 2  # its ChargeParameterDiscoveryReq
    assert rig.until(lambda: (rig.link.told.get("schedule") or {}).get("round") == 2, 1)
    assert "renegotiate" not in rig.link.told
    ecu.stage = ev_link.CURRENT_DEMAND
    rig.tick(5)
    ecu.schedule_round = 3  # the EV asks by itself
    rig.tick(5)
    rounds = [(e.round, e.renegotiation) for e in rig.events if isinstance(e, EvChargingNeeds)]
    assert rounds == [(1, None), (2, "station"), (3, "ev")]
    assert rig.conn.path.state == CHARGING


def test_no_renegotiation_is_asked_of_a_din_ev_or_one_not_yet_charging():
    """DIN SPEC 70121 has no renegotiation; an EV still waiting for its first schedule gets that one."""
    rig = DcStationRig()
    rig.offer_at_once = False
    rig.start()
    rig.tick(3)
    assert rig.station.renegotiate_schedules(1) == []  # its round is not answered yet
    rig = DcStationRig()
    rig.link.protocol = "DIN_SPEC_70121"
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    assert rig.station.renegotiate_schedules(1) == [] and "renegotiate" not in rig.link.told


def test_renegotiation_asked_of_an_unknown_connector_asks_nothing():
    rig = DcStationRig()
    rig.start()
    assert rig.until(lambda: rig.conn.path.state == CHARGING, 30)
    rig.tick(5)  # the EV in its current demand loop
    assert rig.station.renegotiate_schedules(7) == []  # no such connector: a profile's criteria may name one
    assert rig.station.renegotiate_schedules(1) == [1]


def test_the_ev_is_told_the_meters_register_while_a_fresh_reading_is_in():
    """ISO 15118-20 MeterInfo: the DC meter's register in whole Wh with the meter's name (the board's
    serial and connector where neither the meter's serial nor a [[meters]] entry names it); None once
    no fresh reading is in, since the SECC keeps the last value of each field."""
    import dataclasses

    from hal.types import MeterReading
    from hlc import protocol as p

    rig = DcStationRig()
    readings = [MeterReading(energy_wh=1234.6, power_w=0.0, currents_a=(0.0,), voltages_v=(0.0,), taken_at=0.0)]
    rig.conn.reading = lambda: readings[-1]
    rig.plug()
    rig.tick(2)
    assert (rig.link.told["meter_wh"], rig.link.told["meter_id"]) == (1235, "BENCH-DC-0001-1")
    assert p.decode(p.encode("evse", **rig.link.told))["meter_wh"] == 1235  # fields the link carries
    readings.append(dataclasses.replace(readings[0], serial="LEM-0001"))
    rig.tick(2)
    assert rig.link.told["meter_id"] == "LEM-0001"  # a meter that tells its serial is named by it
    readings.append(None)
    rig.tick(2)
    assert rig.link.told["meter_wh"] is None and rig.link.told["meter_id"] is None


def test_the_ev_is_told_the_pilot_and_gets_voltage_only_once_it_switched_to_state_c():
    """The SECC hears the pilot as measured (iso15118 checks for C at PowerDeliveryReq Start); an EV
    that asks for its cable check in B is answered Ongoing (path off) and its cable stays dead."""
    rig = DcStationRig()
    rig.link.ecu.s2_stuck_open = True
    rig.start()
    assert rig.until(lambda: rig.link.ecu.request.stage == "cable_check", 5)
    rig.tick(100)
    assert rig.link.told["cp"] == "B" and rig.link.told["state"] == OFF and rig.output_off()
    assert rig.bus.voltage_v == 0.0 and rig.conn.state == charger.SUSPENDED_EV
    rig.link.ecu.s2_stuck_open = False
    assert rig.until(lambda: rig.conn.state == charger.CHARGING, 60)
    assert rig.link.told["cp"] == "C" and rig.until(lambda: rig.bus.current_a > 10, 2)
    assert rig.until(lambda: rig.conn.path.state == DONE, 200)
    assert rig.link.told["cp"] == "B"  # it opened S2 after its power delivery stop
