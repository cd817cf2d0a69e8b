"""OCPP 2.0.1 monitoring in process (N03-N08): the rules for setting monitors, what the watcher
sends for each monitor type, the level and offline filters, the fault matrix as events, and
what outlives a restart; a stepped clock, a real SQLite store and the real outbox."""

from pathlib import Path

import pytest
from ocpp.messages import MessageType, get_validator

from firmware.clock import SteppedClock
from firmware.config import load_board
from firmware.ocpp.outbox import Outbox
from firmware.ocpp.v201.device_model import DeviceModel
from firmware.ocpp.v201.monitoring import Monitoring201
from firmware.ocpp.v201.monitors import CUSTOM, HARDWIRED, PRECONFIGURED
from firmware.store import Store

ROOT = Path(__file__).resolve().parents[2]
BOARD = load_board(ROOT / "board-configs" / "bench.toml")
TEMPERATURE = ("TemperatureSensor", None, None, None, "Temperature", None)
POWER_1 = ("ControlMetering", None, 1, None, "Power", None)
STATE_1 = ("Connector", None, 1, 1, "AvailabilityState", None)


class Bench:
    """The device model with hand-set live values, and everything monitoring needs around it."""

    def __init__(self, path):
        self.path = path
        self.values = {TEMPERATURE: "25", POWER_1: "0", STATE_1: "Available"}
        self.online = True
        self.transaction: str | None = None
        self.clock = SteppedClock()
        self.sent = 0
        self.open()

    def open(self):
        self.store = Store(self.path)
        self.model = DeviceModel(self.store, BOARD)
        for key in self.values:
            self.model.live[(key[0], key[4])] = lambda row: self.values.get(row.key, "0")
        self.outbox = Outbox(self.store, attempts=lambda: 3, retry_interval_s=lambda: 1)
        self.m = Monitoring201(store=self.store, model=self.model, board=BOARD, outbox=self.outbox, clock=self.clock,
                               online=lambda: self.online,
                               transaction_on=lambda evse: (self.transaction is not None, self.transaction))

    def restart(self):
        self.store.close()
        self.open()

    def row(self, key):
        return self.model.variables[key]

    def add(self, key, type_, value, severity, **kw):
        monitors = self.m.monitors
        status = monitors.check(self.row(key), type_, value, severity, kw.get("monitor_id"))
        assert status == "Accepted", status
        return monitors.set(self.row(key), type_, value, severity, kw.get("transaction", False), kw.get("monitor_id"))

    def step(self, seconds=1.0):
        self.clock.advance(seconds)
        self.m.watch.look()

    def events(self) -> list[dict]:
        """Every eventData queued since the last call, each message checked against the 2.0.1 schema."""
        messages = self.outbox.pending("NotifyEvent")
        validator = get_validator(MessageType.Call, "NotifyEvent", "2.0.1")
        for message in messages:
            validator.validate(message)
            assert message["seqNo"] == 0 and message["tbc"] is False
        new = [e for message in messages[self.sent:] for e in message["eventData"]]
        self.sent = len(messages)
        return new


@pytest.fixture
def bench(tmp_path):
    b = Bench(tmp_path)
    yield b
    b.store.close()


def test_the_factory_monitors_and_what_may_be_set(bench):  # N04.FR.05, .06, .10, .13, .14, .16, .18
    monitors = bench.m.monitors
    kinds = {m.id: (m.kind, m.variable, m.type) for m in monitors.all()}
    assert kinds[1] == (HARDWIRED, POWER_1, "UpperThreshold")  # each EVSE's rating
    assert kinds[100] == (PRECONFIGURED, TEMPERATURE, "UpperThreshold")  # where derating begins
    check = monitors.check
    boolean = bench.row(("PowerContactor", None, 1, None, "Active", None))
    assert check(boolean, "UpperThreshold", 1, 5, None) == "UnsupportedMonitorType"
    assert check(boolean, "Delta", 1, 5, None) == "Accepted"  # any change of a non-number
    assert check(bench.row(POWER_1), "UpperThreshold", 10**9, 5, None) == "Rejected"  # beyond its maxLimit
    assert check(bench.row(POWER_1), "LowerThreshold", -1, 5, None) == "Rejected"
    assert check(bench.row(POWER_1), "Delta", -1, 5, None) == "Rejected"
    assert check(bench.row(POWER_1), "Periodic", 0, 5, None) == "Rejected"
    assert check(bench.row(POWER_1), "Delta", 100, 10, None) == "Rejected"  # severities are 0-9
    assert check(bench.row(POWER_1), "UpperThreshold", 1000, 4, None) == "Duplicate"  # the hard-wired one's pair
    assert check(bench.row(POWER_1), "UpperThreshold", 1000, 4, 1) == "Rejected"  # hard-wired: not replaced
    assert check(bench.row(POWER_1), "Delta", 100, 5, 4242) == "Rejected"  # no monitor has this id
    assert check(bench.row(POWER_1), "Delta", 100, 5, 100) == "Rejected"  # id 100 watches another variable
    first = bench.add(POWER_1, "Delta", 100, 5)
    assert first.id >= 1000 and first.kind == CUSTOM
    replaced = bench.add(TEMPERATURE, "UpperThreshold", 65, 6, monitor_id=100)
    assert replaced.id == 100 and replaced.kind == CUSTOM  # N04.FR.15
    assert monitors.clear(1) == "Rejected" and monitors.clear(4242) == "NotFound"  # N06.FR.02, .03
    assert monitors.clear(first.id) == "Accepted" and monitors.get(first.id) is None


def test_thresholds_alert_beyond_and_clear_back(bench):  # N07.FR.02, .16, .17
    bench.add(TEMPERATURE, "LowerThreshold", -10, 3)
    bench.step()
    assert bench.events() == []
    bench.values[TEMPERATURE] = "70"  # at the preconfigured 70: not beyond it
    bench.step()
    assert bench.events() == []
    bench.values[TEMPERATURE] = "71.5"
    bench.step()
    (alert,) = bench.events()
    assert (alert["trigger"], alert["actualValue"], alert["variableMonitoringId"], alert["eventNotificationType"]) == (
        "Alerting", "71.5", 100, PRECONFIGURED)
    assert "cleared" not in alert and alert["component"] == {"name": "TemperatureSensor"}
    bench.step()
    assert bench.events() == []  # once per crossing
    bench.values[TEMPERATURE] = "-12"
    bench.step()
    events = {e["variableMonitoringId"]: e for e in bench.events()}
    assert events[100]["cleared"] is True and "cleared" not in events[next(i for i in events if i != 100)]
    assert len({e["eventId"] for e in events.values()}) == 2


def test_a_crossed_threshold_is_cleared_after_a_restart(bench):  # N07.FR.13, .14 (TC_N_53)
    bench.values[TEMPERATURE] = "75"
    bench.step()
    assert [e["trigger"] for e in bench.events()] == ["Alerting"]
    bench.restart()
    bench.values[TEMPERATURE] = "30"
    bench.step()
    (cleared,) = bench.events()
    assert cleared["cleared"] is True and cleared["variableMonitoringId"] == 100
    assert cleared["eventId"] > 1  # ids never repeat across a restart


def test_delta_on_numbers_and_on_anything_else(bench):  # N07.FR.18, .19 (TC_N_45, TC_N_56)
    numeric = bench.add(POWER_1, "Delta", 500, 7)
    state = bench.add(STATE_1, "Delta", 1, 7)
    bench.step()
    assert bench.events() == []  # the first look takes the reference
    bench.values[POWER_1] = "400"
    bench.step()
    assert bench.events() == []
    bench.values[POWER_1] = "1100"  # 1100 from 0: beyond 500
    bench.values[STATE_1] = "Occupied"
    bench.step()
    events = {e["variableMonitoringId"]: e for e in bench.events()}
    assert events[numeric.id]["trigger"] == "Delta" and events[numeric.id]["actualValue"] == "1100"
    assert events[state.id]["actualValue"] == "Occupied"
    assert events[state.id]["component"] == {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}
    bench.values[POWER_1] = "1500"  # 400 from the last one reported
    bench.step()
    assert bench.events() == []


def test_a_write_only_variable_is_watched_when_written(bench):  # N07.FR.10 (TC_N_48)
    row = bench.row(("SecurityCtrlr", None, None, None, "BasicAuthPassword", None))
    monitor = bench.add(row.key, "Delta", 1, 5)
    bench.model.set({"name": "SecurityCtrlr"}, {"name": "BasicAuthPassword"}, "a-new-password-of-16")
    (event,) = bench.events()
    assert event["variableMonitoringId"] == monitor.id and event["actualValue"] == ""


def test_periodic_and_clock_aligned(bench):  # N08.FR.05-.07
    periodic = bench.add(POWER_1, "Periodic", 10, 8)
    aligned = bench.add(TEMPERATURE, "PeriodicClockAligned", 900, 8)
    bench.m.watch.look()
    fired = []
    for _ in range(360):
        bench.step(5)
        fired += [(e["variableMonitoringId"], e["trigger"], e["timestamp"]) for e in bench.events()]
    assert sum(1 for f in fired if f[0] == periodic.id) == 180  # every 10 s from when it was set
    on_clock = [f[2] for f in fired if f[0] == aligned.id]
    assert on_clock == ["2026-01-01T00:15:00.000Z", "2026-01-01T00:30:00.000Z"]  # the quarter hours
    assert {f[1] for f in fired} == {"Periodic"}


def test_transaction_monitors_watch_only_while_one_runs(bench):
    monitor = bench.add(POWER_1, "Periodic", 5, 8, transaction=True)
    for _ in range(12):
        bench.step()
    assert bench.events() == []
    bench.transaction = "tx-1"
    for _ in range(12):
        bench.step()
    events = bench.events()
    assert len(events) == 2 and {e["transactionId"] for e in events} == {"tx-1"}
    assert {e["variableMonitoringId"] for e in events} == {monitor.id}


def test_the_level_and_the_offline_severity(bench):  # N05.FR.02, .03; N07.FR.04 (TC_N_17, TC_N_22-24)
    bench.add(TEMPERATURE, "Delta", 1, 7)
    assert bench.m.monitors.set_level(10) == "Rejected" and bench.m.monitors.set_level(6) == "Accepted"
    assert bench.model.read("MonitoringCtrlr", "ActiveMonitoringLevel") == "6"
    bench.step()
    bench.values[TEMPERATURE] = "30"
    bench.step()
    assert bench.events() == []  # severity 7 is past the level 6
    bench.online = False
    bench.values[TEMPERATURE] = "75"  # the preconfigured warning, severity 6: past OfflineQueuingSeverity 5
    bench.step()
    assert bench.events() == [] and bench.m.sender.dropped == 1
    assert bench.model.set({"name": "MonitoringCtrlr"}, {"name": "OfflineQueuingSeverity"}, "6") == "Accepted"
    bench.values[TEMPERATURE] = "30"
    bench.step()
    assert [e.get("cleared") for e in bench.events()] == [True]  # now kept for the link's return


def test_monitoring_base(bench):  # N03.FR.03-.05 (TC_N_05-07, TC_N_41, TC_N_43)
    monitors = bench.m.monitors
    custom = bench.add(POWER_1, "Delta", 100, 5)
    bench.add(TEMPERATURE, "UpperThreshold", 60, 5, monitor_id=100)  # the preconfigured one, changed
    assert monitors.set_base("All") == "Accepted"
    assert {m.id for m in monitors.all()} >= {custom.id, 100} and monitors.get(100).value == 60  # kept
    assert monitors.set_base("FactoryDefault") == "Accepted"
    assert monitors.get(custom.id) is None and monitors.get(100).kind == PRECONFIGURED
    assert monitors.get(100).value == BOARD.derate_from_c  # the factory's again
    assert monitors.set_base("HardWiredOnly") == "Accepted"
    assert {m.kind for m in monitors.all()} == {HARDWIRED}
    assert bench.model.read("MonitoringCtrlr", "ActiveMonitoringBase") == "HardWiredOnly"
    assert monitors.set_base("All") == "Accepted" and monitors.get(100) is not None
    assert monitors.set_base("Some") == "NotSupported"


def test_every_fault_of_the_matrix_is_an_event(bench):
    bench.m.trips(1, ("rcd",))
    (rcd,) = bench.events()
    assert (rcd["component"], rcd["variable"], rcd["actualValue"], rcd["techCode"]) == (
        {"name": "RCD", "evse": {"id": 1}}, {"name": "Tripped"}, "true", "rcd")
    assert rcd["eventNotificationType"] == "HardWiredNotification" and "RCD" in rcd["techInfo"]
    bench.m.trips(1, ("estop", "rcd"))
    bench.m.trips(2, ("estop",))  # charger-wide: once, on the station's component
    (estop,) = bench.events()
    assert estop["component"] == {"name": "EmergencyStopSensor"} and estop["techCode"] == "estop"
    bench.m.trips(1, ())
    assert [(e["techCode"], e.get("cleared")) for e in bench.events()] == [("rcd", True)]  # estop: EVSE 2 still
    bench.m.trips(2, ())
    assert [(e["techCode"], e.get("cleared")) for e in bench.events()] == [("estop", True)]
    bench.m.meter_faults(2, frozenset({"meter_offline", "meter_signature"}))
    bench.m.station_faults(frozenset({"reader"}))
    seen = {(e["component"]["name"], e["variable"]["name"], e["techCode"]) for e in bench.events()}
    assert seen == {("ControlMetering", "Problem", "meter_offline"), ("ControlMetering", "Problem", "meter_signature"),
                    ("TokenReader", "Problem", "reader")}
    bench.m.meter_faults(2, frozenset({"meter_offline"}))
    assert [(e["techCode"], e.get("cleared")) for e in bench.events()] == [("meter_signature", True)]


def test_a_dc_ev_slac_could_not_match_is_an_evse_problem_event(bench):
    """The DC connector's report-only ev_comm (SLAC failed, firmware.dc.connector) reaches the CSMS as
    a NotifyEvent on the EVSE's Problem, cleared once the EV is matched or gone."""
    bench.m.trips(1, ("ev_comm",))
    (event,) = bench.events()
    assert (event["component"], event["variable"], event["techCode"]) == (
        {"name": "EVSE", "evse": {"id": 1}}, {"name": "Problem"}, "ev_comm")
    assert "SLAC" in event["techInfo"]
    bench.m.trips(1, ())
    assert [(e["techCode"], e.get("cleared")) for e in bench.events()] == [("ev_comm", True)]
