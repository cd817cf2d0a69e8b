"""Link loss, CSMS restarts, shutdown, and bad bench input: nothing lost, nothing crashes."""

import asyncio
import signal

import pytest

from firmware.bench.csms import BenchCsms


async def charging(ctl, cid=1, tag="TAG"):
    await ctl.post("/ev", {"connector": cid, "state": "C"})
    await ctl.post("/rfid", {"connector": cid, "id_tag": tag})
    return await ctl.until(lambda c: c["contactor_closed"] and c["session"]["transaction_id"], cid=cid)


async def test_csms_restart_reconnects_and_delivers_what_happened_meanwhile(csms, start_controller):  # TC_036
    ctl = await start_controller()
    first = await charging(ctl, 1, "TAG1")
    port = csms.port
    await csms.stop()
    await ctl.wait_disconnected()
    await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG1"})  # stopped while the CSMS is away
    await ctl.until(lambda c: c["status"] == "Finishing")
    assert not (await ctl.status())["ocpp"]["connected"]

    again = BenchCsms(port=port)
    await again.start()
    try:
        stop = (await again.wait_for(lambda c: c.actions("StopTransaction"), 30))[0]
        assert stop["transactionId"] == first["session"]["transaction_id"] and stop["reason"] == "Local"
        await again.wait_for(lambda c: {p["connectorId"] for p in c.actions("StatusNotification")} >= {0, 1, 2})
        assert not again.actions("BootNotification")  # a reconnect is not a reboot
        assert not again.actions("StartTransaction")  # nothing sent twice
        assert (await ctl.status())["ocpp"]["connected"]
    finally:
        await again.stop()


async def test_network_cut_session_goes_on_and_messages_follow(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, 2)
    assert (await ctl.post("/network", {"connected": False}))[0] == 200
    await ctl.wait_disconnected()
    c = await ctl.connector(2)
    assert c["contactor_closed"] and c["status"] == "Charging"  # charging never depends on the CSMS
    await ctl.post("/ev", {"connector": 2, "state": "A"})
    await ctl.until(lambda c: c["status"] == "Available", cid=2)
    await asyncio.sleep(1.5)
    assert not csms.actions("StopTransaction") and not csms.charge_points  # refused while cut
    await ctl.post("/network", {"connected": True})
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction"), 30))[0]
    assert stop["reason"] == "EVDisconnected"
    assert len(csms.actions("StartTransaction")) == 1


async def test_sigterm_ends_the_session_flushes_and_exits_zero(csms, start_controller):
    ctl = await start_controller()
    await charging(ctl, 1)
    assert await ctl.stop(signal.SIGTERM) == 0
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    assert stop["reason"] == "Reboot"


async def test_start_without_a_csms_then_it_appears(tmp_path):
    from controller import ControllerProcess, free_port

    port = free_port()
    ctl = ControllerProcess(f"ws://127.0.0.1:{port}/ocpp", tmp_path / "d")
    await ctl.start()
    csms = BenchCsms(port=port)
    try:
        await asyncio.sleep(1.0)
        assert not (await ctl.status())["ocpp"]["connected"]
        await csms.start()
        await csms.wait_for(lambda c: c.actions("BootNotification"), 30)
    finally:
        await ctl.close()
        await csms.stop()


@pytest.mark.parametrize(
    "path, body, code",
    [
        ("/ev", {"connector": 1, "state": "Z"}, 400),
        ("/ev", {"connector": 9, "state": "B"}, 404),
        ("/ev", {"connector": "1", "state": "B"}, 400),
        ("/ev", {"connector": 1, "state": "C", "max_current_a": -3}, 400),
        ("/ev", "not json", 400),
        ("/ev", [1, 2], 400),
        ("/cable", {"connector": 1, "rating_a": 40}, 400),
        ("/cable", {"connector": 1}, 400),
        ("/rfid", {"id_tag": ""}, 400),
        ("/rfid", {"id_tag": "X" * 21}, 400),
        ("/rfid", {"id_tag": "OK", "connector": 5}, 404),
        ("/fault", {"connector": 1, "kind": "gremlins", "active": True}, 400),
        ("/fault", {"connector": 1, "kind": "rcd", "active": "yes"}, 400),
        ("/fault", {"kind": "rcd", "active": True}, 400),
        ("/network", {"connected": "no"}, 400),
    ],
)
async def test_bad_bench_requests_answer_errors_and_change_nothing(csms, start_controller, path, body, code):
    ctl = await start_controller()
    before = await ctl.status()
    status, answer = await ctl.post(path, body)
    assert status == code and isinstance(answer["error"], str) and answer["error"]
    after = await ctl.status()
    assert after["connectors"] == before["connectors"]


async def test_bench_cable_and_estop(csms, start_controller):
    ctl = await start_controller()
    assert (await ctl.post("/cable", {"connector": 1, "rating_a": 13}))[0] == 200
    c = await charging(ctl, 1)
    assert c["offered_current_a"] == 13.0
    assert (await ctl.post("/fault", {"kind": "estop", "active": True}))[0] == 200
    c = await ctl.until(lambda c: c["status"] == "Faulted")
    assert not c["contactor_closed"] and "estop" in c["faults"]
    assert (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]["reason"] == "EmergencyStop"
    zero = await csms.wait_for(lambda s: [p for p in s.actions("StatusNotification")
                                          if p["connectorId"] == 0 and p["status"] == "Faulted"])
    assert zero[0]["errorCode"] == "OtherError"
