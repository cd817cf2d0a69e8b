"""OCA Core cases not covered elsewhere, one test each (ids in the names' comments)."""

import asyncio

from ocpp.v16 import call



async def test_cold_boot(csms, start_controller):  # TC_001
    csms.boot_answer = ("Accepted", 1)
    ctl = await start_controller()
    boot = csms.actions("BootNotification")[0]
    assert boot["chargePointVendor"] == "OpenChargeController" and boot["chargePointModel"] == "Bench-2x22kW"
    assert boot["chargePointSerialNumber"] == "BENCH-0001" and boot["firmwareVersion"] == "0.1.0"
    first = {}
    for p in csms.actions("StatusNotification"):
        first.setdefault(p["connectorId"], p)
    assert {cid: p["status"] for cid, p in first.items()} == {0: "Available", 1: "Available", 2: "Available"}
    assert all(p["errorCode"] == "NoError" for p in first.values())
    await csms.wait_for(lambda c: len(c.actions("Heartbeat")) >= 2, 5)  # the interval the CSMS gave
    cp = csms.charge_points["CP001"]
    got = await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]))
    assert got.configuration_key[0]["value"] == "1"
    link = (await ctl.status())["ocpp"]
    assert {k: link[k] for k in ("connected", "version", "security_profile")} == \
        {"connected": True, "version": "1.6", "security_profile": 0}
    assert link["set_aside"] == []  # our extension: nothing refused for good


async def test_connection_timeout_cancels_a_card_without_cable(csms, start_controller):  # TC_004_2
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    assert (await cp.call(call.ChangeConfiguration(key="ConnectionTimeOut", value="1"))).status == "Accepted"
    await asyncio.sleep(0.2)
    await ctl.post("/rfid", {"connector": 1, "id_tag": "CARD"})
    await ctl.until(lambda c: c["status"] == "Preparing")
    await ctl.until(lambda c: c["status"] == "Available", timeout=5)
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await asyncio.sleep(0.5)
    assert not csms.actions("StartTransaction") and not (await ctl.connector())["contactor_closed"]


async def test_remote_start_times_out_without_cable(csms, start_controller):  # TC_011_2
    ctl = await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="ConnectionTimeOut", value="1"))
    await asyncio.sleep(0.2)
    assert (await cp.call(call.RemoteStartTransaction(id_tag="R", connector_id=2))).status == "Accepted"
    await ctl.until(lambda c: c["status"] == "Preparing", cid=2)
    await ctl.until(lambda c: c["status"] == "Available", cid=2, timeout=5)
    assert not csms.actions("StartTransaction")


async def test_only_the_starting_tag_stops_the_session(csms, start_controller):  # TC_068
    ctl = await start_controller()
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "OWNER"})
    await ctl.until(lambda c: c["contactor_closed"])
    await ctl.post("/rfid", {"connector": 1, "id_tag": "STRANGER"})
    await asyncio.sleep(0.6)
    c = await ctl.connector()
    assert c["contactor_closed"] and c["session"]["id_tag"] == "OWNER"
    await ctl.post("/rfid", {"connector": 1, "id_tag": "OWNER"})
    await ctl.until(lambda c: c["status"] == "Finishing")
    assert (await csms.wait_for(lambda s: s.actions("StopTransaction")))[0]["idTag"] == "OWNER"


async def test_cached_id_starts_offline_and_the_transaction_follows(csms, start_controller):  # TC_007_1
    ctl = await start_controller()
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "KNOWN"})  # online: the CSMS accepts, the cache learns
    await ctl.until(lambda c: c["contactor_closed"])
    await ctl.post("/rfid", {"connector": 1, "id_tag": "KNOWN"})
    await ctl.until(lambda c: c["status"] == "Finishing")
    await csms.wait_for(lambda s: s.actions("StopTransaction"))
    await ctl.post("/network", {"connected": False})
    await ctl.wait_disconnected()
    await ctl.post("/rfid", {"connector": 1, "id_tag": "KNOWN"})  # offline now: the cache decides
    await ctl.until(lambda c: c["contactor_closed"])
    await ctl.post("/rfid", {"connector": 1, "id_tag": "UNKNOWN"})
    await asyncio.sleep(0.5)
    assert (await ctl.connector())["session"]["id_tag"] == "KNOWN"
    await ctl.post("/network", {"connected": True})
    starts = await csms.wait_for(lambda s: len(s.actions("StartTransaction")) == 2 and s.actions("StartTransaction"), 30)
    assert starts[1]["idTag"] == "KNOWN"
