"""OCPP 1.6 SampledValues from a reading, and clock-aligned boundaries."""

from datetime import datetime, timezone

import pytest

from firmware.clock import next_boundary
from firmware.ocpp.v16.meter_values import sampled_values
from hal.types import MeterReading

THREE_PHASE = MeterReading(
    energy_wh=12345.6, power_w=22080.0, currents_a=(32.0, 32.0, 31.5), voltages_v=(230.0, 231.0, 229.0),
    taken_at=0.0, frequency_hz=50.02, phase_powers_w=(7360.0, 7392.0, 7213.5), power_factor=0.998,
)


def test_every_measurand_per_phase_with_units_and_location():
    all_measurands = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
                      "Frequency", "Power.Factor"]
    values = sampled_values(THREE_PHASE, all_measurands, "Sample.Periodic")
    by = {(v["measurand"], v.get("phase")): v for v in values}
    assert by[("Energy.Active.Import.Register", None)]["value"] == "12346"
    assert by[("Energy.Active.Import.Register", None)]["unit"] == "Wh"
    assert by[("Power.Active.Import", None)]["value"] == "22080.0"
    assert by[("Power.Active.Import", "L3")]["value"] == "7213.5"
    assert by[("Current.Import", "L3")] == {
        "value": "31.5", "context": "Sample.Periodic", "format": "Raw", "measurand": "Current.Import",
        "unit": "A", "phase": "L3", "location": "Outlet"}
    assert by[("Voltage", "L2-N")]["unit"] == "V"
    assert "unit" not in by[("Frequency", None)] and by[("Frequency", None)]["value"] == "50.0"
    assert by[("Power.Factor", None)]["value"] == "0.998"
    assert len(values) == 1 + 4 + 3 + 3 + 1 + 1


def test_offered_current_and_power_are_what_the_charger_offers():
    values = sampled_values(THREE_PHASE, ["Current.Offered", "Power.Offered", "Current.Import"], "Sample.Periodic",
                            own={"Current.Offered": (16.0, "A"), "Power.Offered": (11040.0, "W")})
    by = {(v["measurand"], v.get("phase")): v for v in values}
    assert by[("Current.Offered", None)]["value"] == "16.0" and by[("Current.Offered", None)]["unit"] == "A"
    assert by[("Power.Offered", None)]["value"] == "11040.0" and by[("Power.Offered", None)]["unit"] == "W"
    site = sampled_values(THREE_PHASE, ["Current.Offered"], "Sample.Clock", "Inlet", own=None)
    assert site == []  # a site meter offers nothing


def test_only_what_is_configured_and_what_the_meter_has():
    one_phase = MeterReading(1000.0, 0.0, (0.0,), (230.0,), 0.0)
    values = sampled_values(one_phase, ["Current.Import", "Frequency", "Power.Factor"], "Sample.Clock", "Inlet")
    assert [(v["measurand"], v.get("phase"), v["location"]) for v in values] == [("Current.Import", "L1", "Inlet")]


@pytest.mark.parametrize(
    "now, interval, expected",
    [
        ("2026-11-21T10:07:31.250", 900, "2026-11-21T10:15:00"),
        ("2026-11-21T10:15:00.000", 900, "2026-11-21T10:30:00"),
        ("2026-11-21T23:59:59.900", 60, "2026-11-22T00:00:00"),
        ("2026-11-21T00:00:01.000", 7, "2026-11-21T00:00:07"),
        ("2026-11-21T23:59:58.000", 7, "2026-11-22T00:00:00"),  # 86400 is no multiple of 7: midnight restarts
    ],
)
def test_boundaries_count_from_midnight_utc(now, interval, expected):
    t = datetime.fromisoformat(now).replace(tzinfo=timezone.utc)
    got = next_boundary(t, interval)
    assert got.isoformat().replace("+00:00", "") == expected
    assert got > t


def test_the_clock_follows_the_csms_only_when_it_is_off():
    from datetime import timedelta

    from firmware.clock import WallClock

    clock = WallClock()
    now = datetime.now(timezone.utc)
    assert not clock.adopt_csms_time((now + timedelta(seconds=1)).isoformat())  # within 2 s: leave it
    assert clock.adopt_csms_time((now + timedelta(hours=3)).isoformat())
    assert abs((clock.now() - now).total_seconds() - 3 * 3600) < 5
    assert not clock.adopt_csms_time("not a time")


def reports_on_a_store(tmp_path, reading, wall):
    from types import SimpleNamespace

    from firmware.journal import SessionJournal
    from firmware.ocpp.outbox import Outbox
    from firmware.ocpp.v16.meter_reports import MeterReports
    from firmware.store import Store

    store = Store(tmp_path)
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 1)
    journal = SessionJournal(store)
    keys = SimpleNamespace(get_csl=lambda name: ["Energy.Active.Import.Register"])
    metering = SimpleNamespace(fresh=lambda cid: reading)
    return MeterReports(keys, metering, outbox, wall, journal, store), outbox, journal, store


def test_no_periodic_sample_after_the_session_ended(tmp_path):
    from datetime import datetime, timezone

    from firmware.clock import Clock

    from firmware.core.session import Session

    reading = MeterReading(1000.0, 0.0, (0.0,), (230.0,), 0.0)
    reports, outbox, _, store = reports_on_a_store(tmp_path, reading, Clock())
    session = Session(1, "TAG", datetime.now(timezone.utc), meter_start_wh=1000.0)
    reports.begin(session, reading)
    reports._last_sample[session.local_id] = 0.0
    reports._sample_due(1)
    assert len(outbox) == 1
    session.ended_at = datetime.now(timezone.utc)  # the control thread ended it; the recorder is still reading
    reports._last_sample[session.local_id] = 0.0
    reports._sample_due(1)
    assert len(outbox) == 1
    store.close()


def test_every_value_sent_moves_the_sessions_last_known_alive(tmp_path):
    """A power-loss stop is stamped no earlier, and with no less energy, than any value already sent."""
    from datetime import datetime, timedelta, timezone

    from firmware.clock import SteppedClock
    from firmware.core.session import Session

    start = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    clock = SteppedClock(start)
    reading = MeterReading(1000.0, 0.0, (0.0,), (230.0,), 0.0)
    reports, outbox, journal, store = reports_on_a_store(tmp_path, reading, clock)
    session = Session(1, "TAG", start, meter_start_wh=1000.0)
    journal.open(session)
    reports.begin(session, reading)
    for second in (1, 2, 3):
        clock.advance(1)
        reading = reading.__class__(1000.0 + 10 * second, 0.0, (0.0,), (230.0,), 0.0)
        reports.metering.fresh = lambda cid, r=reading: r
        reports._last_sample[session.local_id] = 0.0
        reports._sample_due(1)
    row = journal.interrupted()[0]
    assert row.last_alive == start + timedelta(seconds=3) and row.last_energy_wh == 1030.0
    journal.touch(session.local_id, start + timedelta(seconds=2), 1020.0)  # an older touch moves nothing back
    row = journal.interrupted()[0]
    assert row.last_alive == start + timedelta(seconds=3) and row.last_energy_wh == 1030.0
    store.close()


def test_a_dc_meter_has_no_phases_and_the_evs_soc_is_the_evs():
    dc = MeterReading(energy_wh=1234.4, power_w=60000.0, currents_a=(150.0,), voltages_v=(400.0,), taken_at=0.0,
                      dc=True)
    values = sampled_values(dc, ["Current.Import", "Voltage", "Power.Active.Import", "SoC", "Power.Offered"],
                            "Sample.Periodic", own={"SoC": (42.0, "Percent"), "Power.Offered": (80000.0, "W")})
    by = {v["measurand"]: v for v in values}
    assert len(values) == 5 and not any("phase" in v for v in values)
    assert by["Current.Import"]["value"] == "150.0" and by["Voltage"]["unit"] == "V"
    assert by["SoC"] == {"value": "42.0", "context": "Sample.Periodic", "format": "Raw", "measurand": "SoC",
                         "unit": "Percent", "location": "EV"}
    assert by["Power.Offered"]["location"] == "Outlet"
    assert sampled_values(dc, ["SoC"], "Sample.Periodic", own={}) == []  # an EV that says nothing of it
