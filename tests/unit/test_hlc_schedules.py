"""ISO 15118 smart charging with the CSMS (firmware/ocpp/v201/hlc_schedules.py, OCPP 2.0.1 K15):
what the CSMS answers to the EV's needs decides when the EV is offered its schedule; the schedule
the EV chooses goes to the CSMS. With a scripted CSMS answer and a recording connector."""

from datetime import datetime, timezone
from types import SimpleNamespace

from ocpp.messages import MessageType, get_validator
from ocpp.v201 import call

from firmware.events import EvChargingNeeds, EvChargingSchedule
from firmware.ocpp.v201.hlc_schedules import HlcSchedules
from firmware.smart_charging.profiles import Period, Profile, Schedule
from firmware.smart_charging.store import ProfileStore

PERIODS = [(0, 20000.0), (1800, 11000.0)]


class Connector:
    def __init__(self):
        self.offers, self.renegotiations = [], []

    def offer_schedule(self, round_, periods):
        self.offers.append((round_, periods))


def station_of(connector, hlc):
    """One DC connector whose EV, once offered a schedule and not waiting for another, is charging: the
    one a changed profile asks to renegotiate (firmware.dc.schedule_rounds)."""
    def renegotiate_schedules(cid):
        if connector.offers and not hlc().waiting:
            connector.renegotiations.append(cid)
    return SimpleNamespace(connectors={1: connector}, connector=lambda cid: connector,
                           renegotiate_schedules=renegotiate_schedules)


class Handler:
    """SetChargingProfile as the 2.0.1 handler takes it: into the profile store (which tells the station,
    K16), then to the EV's waiting round (K15)."""

    def __init__(self, station, hlc):
        self.store = ProfileStore(Kv(), lambda: {"max_stack": 8, "max_periods": 24, "max_installed": 24,
                                                          "units": ("A", "W")}, on_change=station.renegotiate_schedules)
        self.hlc, self.ids = hlc, 0

    def profile_set(self, evse_id):
        self.ids += 1
        self.store.install(Profile(self.ids, evse_id, 0, "TxDefaultProfile", "Relative",
                                   Schedule("W", (Period(0, 11000.0, None),), None, None), None, None, None, None),
                           lambda cid, tx: True)
        self.hlc.profile_set(evse_id)

    def __getattr__(self, name):  # needs, chosen, waiting: HlcSchedules's own
        return getattr(self.hlc, name)


class Kv(dict):
    """The settings store's two calls the profile store uses."""

    def put(self, key, value):
        self[key] = value


def rig(answer):
    connector, asked, pushed = Connector(), [], []
    station = station_of(connector, lambda: hlc)

    async def ask(request):
        asked.append(request)
        return None if answer is None else SimpleNamespace(status=answer)

    outbox = SimpleNamespace(push=lambda action, payload, local_id: pushed.append((action, payload)))
    hlc = HlcSchedules(station, lambda cid: PERIODS, outbox, ask)
    return Handler(station, hlc), connector, asked, pushed


def needs(round_=1):
    return EvChargingNeeds(1, "ISO_15118_2", 200.0, 420.0, 21.4, round_, 7200, 30000.0,
                           datetime(2026, 12, 1, 10, tzinfo=timezone.utc))


async def test_accepted_needs_wait_for_the_csmss_tx_profile():
    """TC_K_53: NotifyEVChargingNeeds Accepted, then the TxProfile: only then is the EV offered."""
    hlc, connector, asked, _ = rig("Accepted")
    await hlc.needs(needs())
    (request,) = asked
    assert isinstance(request, call.NotifyEVChargingNeeds) and request.evse_id == 1
    assert request.charging_needs["dcChargingParameters"]["stateOfCharge"] == 21
    assert request.charging_needs["dcChargingParameters"]["energyAmount"] == 30000  # K15.FR.02
    assert request.charging_needs["departureTime"].startswith("2026-12-01T12:00:00")  # asked at 10:00, +7200 s
    validator = get_validator(MessageType.Call, "NotifyEVChargingNeeds", "2.0.1")
    validator.validate({"evseId": 1, "chargingNeeds": request.charging_needs})
    assert connector.offers == []
    hlc.profile_set(1)
    assert connector.offers == [(1, PERIODS)] and connector.renegotiations == []
    hlc.profile_set(1)  # a later profile: nothing waits for it; a charging EV is asked to renegotiate (K16)
    assert connector.offers == [(1, PERIODS)] and connector.renegotiations == [1]


async def test_a_renegotiation_the_station_asked_for_is_offered_at_once_and_one_the_ev_began_asks_the_csms():
    """K16.FR.09: no NotifyEVChargingNeeds for the station's own renegotiation; K17 (TC_K_58): the EV's
    new needs go to the CSMS, and its TxProfile answers them."""
    from dataclasses import replace

    hlc, connector, asked, _ = rig("Accepted")
    await hlc.needs(replace(needs(2), renegotiation="station"))
    assert asked == [] and connector.offers == [(2, PERIODS)]
    await hlc.needs(replace(needs(3), renegotiation="ev"))
    assert len(asked) == 1 and connector.offers == [(2, PERIODS)]
    hlc.profile_set(0)  # a TxDefaultProfile for every EVSE answers it too
    assert connector.offers == [(2, PERIODS), (3, PERIODS)] and connector.renegotiations == []


async def test_rejected_or_unreachable_offers_the_chargers_own_schedule_at_once():
    """TC_K_54 (Rejected) and TC_K_56/57 (offline: no answer)."""
    for answer in ("Rejected", None):
        hlc, connector, asked, _ = rig(answer)
        await hlc.needs(needs())
        assert len(asked) == 1 and connector.offers == [(1, PERIODS)]


def test_the_evs_chosen_profile_goes_to_the_csms_as_notify_ev_charging_schedule():
    """K15.FR.08, valid against the OCPP 2.0.1 schema (the ocpp library's validator)."""
    hlc, _, _, pushed = rig("Accepted")
    at = datetime(2026, 12, 1, 10, 0, 5, tzinfo=timezone.utc)
    hlc.chosen(EvChargingSchedule(1, at, ((0, 20000.0), (1800, 11000.0), (7200, 0.0))))
    ((action, payload),) = pushed
    assert action == "NotifyEVChargingSchedule" and payload["evseId"] == 1
    assert payload["timeBase"].startswith("2026-12-01T10:00:05")
    schedule = payload["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "W" and schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 20000.0}, {"startPeriod": 1800, "limit": 11000.0},
        {"startPeriod": 7200, "limit": 0.0}]
    validator = get_validator(MessageType.Call, "NotifyEVChargingSchedule", "2.0.1")
    validator.validate(payload)


async def test_a_tx_profile_that_arrives_before_the_csmss_answer_to_the_needs_is_the_evs():
    """The CSMS answers NotifyEVChargingNeeds and sends its TxProfile at once; the profile's handler may
    run before the answer reaches the waiting call. The EV is offered it, once, and waits no longer."""
    connector, asked = Connector(), []
    station = station_of(connector, lambda: hlc)

    async def ask(request):
        asked.append(request)
        handler.profile_set(1)  # the TxProfile, handled first
        return SimpleNamespace(status="Accepted")

    hlc = HlcSchedules(station, lambda cid: PERIODS, SimpleNamespace(push=lambda *a: None), ask)
    handler = Handler(station, hlc)
    await hlc.needs(needs())
    assert connector.offers == [(1, PERIODS)] and hlc.waiting == {} and connector.renegotiations == []


def test_the_profile_store_tells_the_station_where_profiles_came_and_went():
    """K16.FR.02 in both versions, whatever installed or cleared a profile: its connector (0: the station)
    hears of it once, a clear that took connector 0's profile as one for the whole station."""
    told = []
    store = ProfileStore(Kv(), lambda: {"max_stack": 8, "max_periods": 24, "max_installed": 24, "units": ("A", "W")},
                         on_change=told.append)

    def profile(pid, cid):
        return Profile(pid, cid, pid, "TxDefaultProfile", "Relative", Schedule("A", (Period(0, 16.0, None),), None,
                                                                              None), None, None, None, None)

    for pid, cid in ((1, 1), (2, 2), (3, 0)):
        store.install(profile(pid, cid), lambda c, tx: True)
    assert told == [1, 2, 0]
    assert store.clear(connector_id=2) == 1 and told[3:] == [2]
    assert store.clear() == 2 and told[4:] == [0]  # connector 1's and the station's: the station as a whole
    assert store.clear(profile_id=99) == 0 and len(told) == 5  # nothing went: nobody is told


def test_an_ac_evs_needs_go_as_ac_charging_parameters_the_schema_accepts():
    """ISO 15118-2 AC (firmware.ac.hlc_connector): AC_EVChargeParameter as acChargingParameters."""
    from firmware.ocpp.v201.ev_needs import charging_needs

    event = EvChargingNeeds(1, "ISO_15118_2", 32.0, 400.0, None, 1, None, 20000.0,
                            datetime(2026, 12, 1, 10, tzinfo=timezone.utc), None, "AC_three_phase", 6.0)
    payload = charging_needs(event)
    assert payload["chargingNeeds"] == {"requestedEnergyTransfer": "AC_three_phase", "acChargingParameters": {
        "energyAmount": 20000, "evMinCurrent": 6, "evMaxCurrent": 32, "evMaxVoltage": 400}}
    get_validator(MessageType.Call, "NotifyEVChargingNeeds", "2.0.1").validate(payload)
    unsaid = charging_needs(EvChargingNeeds(1, "ISO_15118_2", None, None, None, energy_transfer="AC_single_phase"))
    get_validator(MessageType.Call, "NotifyEVChargingNeeds", "2.0.1").validate(unsaid)  # every field required: 0s
