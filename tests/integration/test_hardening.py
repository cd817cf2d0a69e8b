"""Issue 12 with a real process: billing stays exact when the CSMS refuses, the link survives bad frames."""

import asyncio
import os
import signal

import pytest

from ocpp.v16 import call

from controller import ControllerProcess
from ledger import check_stops_come_last
from modbus_bench import MeterLine


async def charging(ctl, cid, tag):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": tag})
    return await ctl.until(lambda c: c["contactor_closed"], cid=cid)


async def configure(csms, **keys):
    cp = csms.charge_points["CP001"]
    for key, value in keys.items():
        assert (await cp.call(call.ChangeConfiguration(key=key, value=value))).status == "Accepted"


async def test_power_loss_stop_is_after_every_meter_value_sent(csms, tmp_path):
    line = MeterLine(tmp_path)
    ctl = ControllerProcess(csms.url, tmp_path / "data", board=str(line.board()))
    await line.start(ctl.api)
    try:
        await ctl.start()
        await csms.wait_connected("CP001")
        await configure(csms, MeterValueSampleInterval="1")
        await ctl.until(lambda c: c["meter"]["online"], timeout=15)
        await charging(ctl, 1, "TAG")
        await csms.wait_for(lambda s: len(s.actions("MeterValues")) >= 3, 15)
        ctl.proc.send_signal(signal.SIGKILL)
        await ctl.proc.wait()
        await ctl.start()
        stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 20))[0]
        assert stop["reason"] == "PowerLoss"
        check_stops_come_last(csms)
        last = max(mv["meterValue"][0]["timestamp"] for mv in csms.actions("MeterValues"))
        assert stop["timestamp"] >= last
    finally:
        await ctl.close()
        await line.stop()


async def test_a_start_refused_for_good_suspends_charging(csms, start_controller):
    ctl = await start_controller()
    await configure(csms, TransactionMessageRetryInterval="1")
    csms.refuse["StartTransaction"] = "GenericError"
    await charging(ctl, 1, "TAG")
    c = await ctl.until(lambda c: c["status"] == "SuspendedEVSE", timeout=20)
    assert not c["contactor_closed"] and c["session"] is not None
    assert len(csms.actions("StartTransaction")) == 3  # TransactionMessageAttempts
    del csms.refuse["StartTransaction"]
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 10))[0]
    assert stop["transactionId"] == -1
    status = await ctl.status()
    assert [m["action"] for m in status["ocpp"]["set_aside"]] == ["StartTransaction"]


async def test_a_start_answered_against_the_schema_is_refused_too_and_free_charging_is_a_choice(
        csms, start_controller):
    ctl = await start_controller()
    await configure(csms, TransactionMessageRetryInterval="1", AllowChargingWithoutTransaction="true")
    csms.bad_results.add("StartTransaction")
    await charging(ctl, 1, "TAG")
    await csms.wait_for(lambda s: len(s.actions("StartTransaction")) == 3, 15)
    await asyncio.sleep(1.0)
    c = await ctl.connector(1)
    assert c["contactor_closed"] and c["status"] == "Charging"
    assert [m["action"] for m in (await ctl.status())["ocpp"]["set_aside"]] == ["StartTransaction"]


async def test_a_csms_refusing_security_events_does_not_delay_transactions(csms, start_controller):
    csms.refuse["SecurityEventNotification"] = "GenericError"
    ctl = await start_controller()  # StartupOfTheDevice is refused and waits for its retries
    await csms.wait_for(lambda s: s.actions("SecurityEventNotification"), 10)
    await charging(ctl, 1, "TAG")
    await csms.wait_for(lambda s: s.actions("StartTransaction"), 5)
    await ctl.post("/ev", {"connector": 1, "state": "A"})
    await csms.wait_for(lambda s: s.actions("StopTransaction"), 5)
    assert len(csms.actions("SecurityEventNotification")) == 1  # its retry is 60 s away, and nobody waited


async def test_every_bad_bench_request_is_a_json_error(csms, start_controller):
    ctl = await start_controller()
    before = (await ctl.status())["connectors"]
    deep = '{"connector": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"
    cases = [(path, deep, 400) for path in ("/ev", "/cable", "/rfid", "/fault", "/temperature", "/network")]
    cases += [
        ("/ev", {"connector": 1}, 400),
        ("/ev", {"connector": 1, "diode_ok": "no"}, 400),
        ("/ev", {"connector": 1, "renegotiate": True}, 400),  # an AC socket's EV has no schedule to renegotiate
        ("/ev", {"connector": 1, "renegotiate": 1}, 400),
        ("/ev", '{"connector": 1, "state": "C", "max_current_a": NaN}', 400),
        ("/temperature", '{"celsius": Infinity}', 400),
        ("/nowhere", {"connector": 1}, 404),
        ("/iso15118/ev-certificate", {"action": "Install", "exi": "AA=="}, 409),  # a 2.0.1 service; this is 1.6
        ("/ev", "x" * (2 * 1024 * 1024), 413),
    ]
    for path, body, code in cases:
        status, answer = await ctl.post(path, body)
        assert status == code and isinstance(answer["error"], str) and answer["error"], (path, status, answer)
    async with ctl.http.get(ctl.api + "/ev") as r:
        assert r.status == 405 and (await r.json())["error"]
    assert (await ctl.status())["connectors"] == before
    assert ctl.proc.returncode is None


def profile(limit=16, **changes):
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
    p = {"chargingProfileId": 7, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
         "chargingProfileKind": "Absolute", "chargingSchedule": schedule}
    for key, value in changes.items():
        if key in ("numberPhases",):
            schedule["chargingSchedulePeriod"][0][key] = value
        elif key in ("duration", "minChargingRate", "startSchedule"):
            schedule[key] = value
        else:
            p[key] = value
    return {"connectorId": 1, "csChargingProfiles": p}


NONSENSE = [
    ("SetChargingProfile", profile(limit=-5), "Rejected"),
    ("SetChargingProfile", profile(numberPhases=0), "Rejected"),
    ("SetChargingProfile", profile(numberPhases=7), "Rejected"),
    ("SetChargingProfile", profile(validFrom="2030-01-02T00:00:00Z", validTo="2030-01-01T00:00:00Z"), "Rejected"),
    ("SetChargingProfile", profile(duration=-60), "Rejected"),
    ("SetChargingProfile", profile(limit=10, minChargingRate=12), "Rejected"),
    ("SetChargingProfile", profile(stackLevel=-1), "Rejected"),
    ("SetChargingProfile", profile(chargingProfileId=-3), "Rejected"),
    ("SetChargingProfile", profile(validFrom="yesterday-ish"), "Rejected"),
    ("SendLocalList", {"listVersion": -1, "updateType": "Full", "localAuthorizationList": []}, "Failed"),
    ("SendLocalList", {"listVersion": 2**31, "updateType": "Full", "localAuthorizationList": []}, "Failed"),
    ("SendLocalList", {"listVersion": 5, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "A", "idTagInfo": {"status": "Accepted", "expiryDate": "31/12/2030"}}]}, "Failed"),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": 2**31 - 1}, "Rejected"),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": -5}, "Rejected"),
    ("ReserveNow", {"connectorId": 1, "expiryDate": "soon", "idTag": "T", "reservationId": 1}, "Rejected"),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": " 60 "}, "Rejected"),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "--5"}, "Rejected"),
]


async def test_nonsense_the_schema_allows_is_refused_and_changes_nothing(csms, start_controller):
    await start_controller()
    cp = csms.charge_points["CP001"]
    version_before = (await cp.call(call.GetLocalListVersion())).list_version
    composite_before = await cp.call(call.GetCompositeSchedule(connector_id=1, duration=3600))
    for i, (action, payload, expected) in enumerate(NONSENSE):
        answer = await raw(csms, [2, f"n{i}", action, payload])
        assert answer[0] == 3 and answer[2]["status"] == expected, (action, payload, answer)
    assert (await cp.call(call.GetLocalListVersion())).list_version == version_before
    composite = await cp.call(call.GetCompositeSchedule(connector_id=1, duration=3600))
    assert composite.charging_schedule["charging_schedule_period"] == \
        composite_before.charging_schedule["charging_schedule_period"]
    got = await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]))
    assert got.configuration_key[0]["value"] == "300"
    assert len(csms.actions("BootNotification")) == 1


SCHEMA_BREAKERS = [
    ("UnlockConnector", {"connectorId": "1"}, "TypeConstraintViolation"),
    ("UnlockConnector", {}, "OccurenceConstraintViolation"),
    ("Reset", {"type": "Sideways"}, "PropertyConstraintViolation"),
    ("ChangeConfiguration", {"key": "K" * 51, "value": "1"}, "TypeConstraintViolation"),
    ("ClearCache", {"now": True}, "FormationViolation"),
    ("SetChargingProfile", profile(limit=16.05), "PropertyConstraintViolation"),
    ("GetConfiguration", {"key": "HeartbeatInterval"}, "TypeConstraintViolation"),
]


async def test_a_payload_breaking_the_schema_gets_the_ocpp_j_code(csms, start_controller):
    await start_controller()
    for i, (action, payload, code) in enumerate(SCHEMA_BREAKERS):
        answer = await raw(csms, [2, f"s{i}", action, payload])
        assert answer[:3] == [4, f"s{i}", code], (action, payload, answer)
        assert isinstance(answer[4], dict)
    assert len(csms.actions("BootNotification")) == 1


async def raw(csms, frame):
    import json

    await csms.send_raw("CP001", json.dumps(frame))
    return await csms.wait_response(frame[1])


def evse_run(tmp_path, *flags, data_dir=None):
    import subprocess
    import sys

    from controller import ROOT

    argv = [sys.executable, "-m", "firmware", "run", "--board", str(ROOT / "board-configs" / "bench.toml"),
            "--data-dir", str(data_dir or tmp_path / "data"), "--charge-point-id", "CP1", *flags]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("url, says", [
    ("ws://127.0.0.1:90000/ocpp", "out of range"),
    ("ws://127.0.0.1:notaport/ocpp", "notaport"),
    ("ws:///ocpp", "names no host"),
    ("ws://127.0.0.1:0/ocpp", "port 0"),
    ("ftp://127.0.0.1/ocpp", "ws://"),
])
def test_a_bad_csms_url_stops_the_start_naming_the_flag(tmp_path, url, says):
    done = evse_run(tmp_path, "--csms-url", url, "--bench-port", "0")
    assert done.returncode == 2 and "--csms-url" in done.stderr and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    again = evse_run(tmp_path, "--bench-port", "0")  # the bad URL was not stored either
    assert again.returncode == 2 and "--csms-url is required" in again.stderr


def test_a_data_dir_that_is_a_file_is_a_one_line_error(tmp_path):
    (tmp_path / "afile").write_text("x")
    done = evse_run(tmp_path, "--csms-url", "ws://127.0.0.1:9/ocpp", "--bench-port", "0",
                    data_dir=tmp_path / "afile")
    assert done.returncode == 2 and "--data-dir" in done.stderr and "afile" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_bench_port_in_use_is_a_one_line_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = evse_run(tmp_path, "--csms-url", "ws://127.0.0.1:9/ocpp", "--bench-port", str(port))
    assert done.returncode == 2 and f"--bench-port {port}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


async def test_the_group_the_start_confirmation_names_may_end_the_session(csms, start_controller):
    ctl = await start_controller()
    csms.tags["CARD-A"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    csms.tags["CARD-B"] = {"status": "Accepted", "parentIdTag": "FAMILY"}
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.RemoteStartTransaction(id_tag="CARD-A", connector_id=1))).status == "Accepted"
    await ctl.until(lambda c: c["contactor_closed"])
    assert not csms.actions("Authorize")  # the group is known from StartTransaction.conf only
    await csms.wait_for(lambda s: s.actions("StartTransaction"))
    await ctl.until(lambda c: c["session"]["transaction_id"] is not None)
    await ctl.post("/rfid", {"connector": 1, "id_tag": "CARD-B"})
    await ctl.until(lambda c: c["status"] == "Finishing")
    assert (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]["reason"] == "Local"


async def test_while_pending_nothing_starts_and_a_triggered_status_goes_at_once(csms, start_controller):
    csms.boot_answer = ("Pending", 60)
    await start_controller(boot=False)
    cp = await csms.wait_connected("CP001")
    await csms.wait_for(lambda s: s.actions("BootNotification"))
    answer = await cp.call(call.RemoteStartTransaction(id_tag="TAG", connector_id=1))
    assert answer.status == "Rejected"
    assert (await cp.call(call.TriggerMessage(requested_message="StatusNotification", connector_id=1))).status == \
        "Accepted"
    status = (await csms.wait_for(lambda s: s.actions("StatusNotification"), 5))[0]
    assert status["connectorId"] == 1 and status["status"] == "Available"
    assert not csms.actions("StartTransaction")


async def test_a_tethered_cable_cannot_be_unlocked(csms, start_controller):
    ctl = await start_controller(board="bench-tethered.toml")
    await charging(ctl, 1, "TAG")
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.UnlockConnector(connector_id=1))).status == "NotSupported"
    assert (await ctl.connector(1))["contactor_closed"]  # the session goes on


async def test_current_and_power_offered_are_supported_measurands(csms, start_controller):
    ctl = await start_controller()
    await configure(csms, MeterValuesSampledData="Energy.Active.Import.Register,Current.Offered,Power.Offered",
                    MeterValueSampleInterval="1")
    await charging(ctl, 1, "TAG")
    mv = (await csms.wait_for(lambda s: s.actions("MeterValues"), 10))[0]
    by = {sv["measurand"]: sv for sv in mv["meterValue"][0]["sampledValue"]}
    assert float(by["Current.Offered"]["value"]) == 32.0
    assert float(by["Power.Offered"]["value"]) == 32.0 * 230.0 * 3


async def test_the_link_always_comes_back_after_an_uplink_cut_during_a_session(csms, start_controller):
    import random

    seed = int(os.environ.get("EVSE_CUT_SEED") or random.randrange(1 << 30))
    print(f"uplink cut seed {seed}")
    rng = random.Random(seed)
    ctl = await start_controller()
    await configure(csms, MeterValueSampleInterval="1", HeartbeatInterval="1")
    await charging(ctl, 1, "TAG")
    for cut in range(8):
        await asyncio.sleep(rng.uniform(0.0, 1.2))  # any moment: mid-call, mid-answer, idle
        await ctl.post("/network", {"connected": False})
        await ctl.wait_disconnected()
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        await ctl.post("/network", {"connected": True})
        await csms.wait_for(lambda s: s.connections["CP001"] == cut + 2, 15)
        for _ in range(100):
            if (await ctl.status())["ocpp"]["connected"]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"cut {cut}: connected at the CSMS but not at the charger (seed {seed})")
    assert (await ctl.connector(1))["contactor_closed"]


async def test_a_resumed_session_ends_after_everything_it_sent(csms, start_controller):
    """Its duration counts across the restart: the stop is not stamped before meter values sent after it."""
    ctl = await start_controller()
    await configure(csms, ResumeSessionsAfterPowerLoss="true", MeterValueSampleInterval="1")
    await charging(ctl, 2, "TAG")
    await ctl.until(lambda c: c["session"]["transaction_id"] == 1, cid=2)
    await asyncio.sleep(2.0)
    ctl.proc.send_signal(signal.SIGKILL)
    await ctl.proc.wait()
    await ctl.start()
    await ctl.until(lambda c: c["contactor_closed"] and c["session"], cid=2, timeout=15)
    seen = len(csms.actions("MeterValues"))
    await csms.wait_for(lambda s: len(s.actions("MeterValues")) >= seen + 2, 10)
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    stop = (await csms.wait_for(lambda s: s.actions("StopTransaction"), 20))[0]
    start = csms.actions("StartTransaction")[0]
    assert stop["reason"] == "EVDisconnected"
    check_stops_come_last(csms)
    assert stop["timestamp"] > start["timestamp"]
