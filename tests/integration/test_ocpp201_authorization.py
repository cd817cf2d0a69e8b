"""OCPP 2.0.1 authorization (C): groups, the master pass, tokens refused after the start, the cache."""

import asyncio

import pytest

from ocpp.v201 import call

GROUP = {"idToken": "FLEET-7", "type": "Central"}


def set_var(component: str, name: str, value: str) -> call.SetVariables:
    return call.SetVariables(set_variable_data=[{"component": {"name": component}, "variable": {"name": name},
                                                 "attributeValue": value}])


def ended(csms) -> list[dict]:
    return [e for e in csms.actions("TransactionEvent") if e["eventType"] == "Ended"]


async def charge(station, cid: int, tag: str) -> None:
    await station.post("/ev", {"connector": cid, "state": "C"})
    await station.post("/rfid", {"connector": cid, "id_tag": tag})
    await station.until(lambda c: c["contactor_closed"], cid=cid)


@pytest.mark.parametrize("cached_b", [None, "Accepted", "Invalid"])
async def test_a_token_of_the_same_group_ends_the_transaction(csms201, station, cached_b):
    """TC_C_39, TC_C_43; from the cache: TC_C_42 (Accepted ends it), TC_C_45 (Invalid: the CSMS decides)."""
    csms201.tags.update({t: {"status": "Accepted", "groupIdToken": GROUP} for t in ("CARD-A", "CARD-B")})
    csms201.tags["OUTSIDER"] = {"status": "Accepted", "groupIdToken": {"idToken": "OTHER", "type": "Central"}}
    if cached_b is not None:  # CARD-B was seen before: the cache knows it
        await csms201.charge_points["CP001"].call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
        csms201.tags["CARD-B"] = {"status": cached_b, "groupIdToken": GROUP}
        await station.post("/rfid", {"connector": 2, "id_tag": "CARD-B"})
        await csms201.wait_for(lambda c: c.actions("Authorize"))
        await asyncio.sleep(0.5)
        if cached_b == "Accepted":
            await station.post("/rfid", {"connector": 2, "id_tag": "CARD-B"})  # ends its own authorization
        csms201.tags["CARD-B"] = {"status": "Accepted", "groupIdToken": GROUP}
    await charge(station, 1, "CARD-A")
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"])
    await station.post("/rfid", {"connector": 1, "id_tag": "OUTSIDER"})  # TC_C_43: not of the group
    await csms201.wait_for(lambda c: [a for a in c.actions("Authorize") if a["idToken"]["idToken"] == "OUTSIDER"])
    assert (await station.connector(1))["contactor_closed"]
    asked = len(csms201.actions("Authorize"))
    await station.post("/rfid", {"connector": 1, "id_tag": "CARD-B"})
    done = await csms201.wait_for(ended, 10)
    from_cache = len(csms201.actions("Authorize")) == asked
    assert from_cache is (cached_b == "Accepted")  # an Invalid cache entry is asked again
    assert done[0]["transactionInfo"]["stoppedReason"] == "Local" and done[0]["triggerReason"] == "StopAuthorized"


async def test_a_master_pass_ends_every_transaction_and_starts_none(csms201, station):  # TC_C_49, TC_C_14
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(set_var("AuthCtrlr", "MasterPassGroupId", "MASTERS"))).set_variable_result[0][
        "attribute_status"] == "Accepted"
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))  # the second time, from the cache
    csms201.tags["BOSS"] = {"status": "Accepted", "groupIdToken": {"idToken": "MASTERS", "type": "Central"}}
    await charge(station, 1, "DRIVER-1")
    await charge(station, 2, "DRIVER-2")
    await station.post("/rfid", {"connector": 1, "id_tag": "BOSS"})
    done = await csms201.wait_for(lambda c: len(ended(c)) == 2 and ended(c), 10)
    assert {e["transactionInfo"]["stoppedReason"] for e in done} == {"MasterPass"}
    await station.until(lambda c: not c["contactor_closed"], cid=2)
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "BOSS"})  # a master pass starts nothing (TC_C_14)
    await asyncio.sleep(1.0)
    assert len([a for a in csms201.actions("Authorize") if a["idToken"]["idToken"] == "BOSS"]) == 1  # cached
    assert not (await station.connector(1))["contactor_closed"]
    assert len([e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started"]) == 2


async def test_a_token_refused_after_the_start_ends_the_transaction(csms201, station):  # TC_C_17 (E05)
    csms201.rejected_tags.add("LATE-NO")
    cp = csms201.charge_points["CP001"]
    await station.post("/ev", {"connector": 1, "state": "C"})
    answer = await cp.call(call.RequestStartTransaction(id_token={"idToken": "LATE-NO", "type": "Central"},
                                                        remote_start_id=3, evse_id=1))
    assert answer.status == "Accepted"  # AuthorizeRemoteStart is false: the Started event asks the CSMS
    done = await csms201.wait_for(ended, 15)
    assert done[0]["transactionInfo"]["stoppedReason"] == "DeAuthorized"
    assert done[0]["triggerReason"] == "Deauthorized"


async def test_max_energy_on_an_invalid_token_then_suspended(csms201, station):  # TC_C_15, TC_C_16
    csms201.rejected_tags.add("LATE-NO")
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("TxCtrlr", "StopTxOnInvalidId", "false"))
    await cp.call(set_var("TxCtrlr", "MaxEnergyOnInvalidId", "20"))
    await station.post("/ev", {"connector": 1, "state": "C"})
    await cp.call(call.RequestStartTransaction(id_token={"idToken": "LATE-NO", "type": "Central"},
                                               remote_start_id=4, evse_id=1))
    await station.until(lambda c: c["contactor_closed"])
    suspended = await station.until(lambda c: c["status"] == "Occupied" and not c["contactor_closed"], timeout=60)
    assert suspended["session"] is not None  # still a transaction, no longer charging
    assert not ended(csms201)
    # The Updated event that says so is on its way as the page shows it: wait for it, don't race it.
    await csms201.wait_for(lambda s: [e for e in s.actions("TransactionEvent")
                                      if e["transactionInfo"].get("chargingState") == "SuspendedEVSE"], 10)
    assert not ended(csms201)


async def test_the_authorization_cache(csms201, station):  # TC_C_08, TC_C_32, TC_C_36, TC_C_37, TC_C_38, TC_C_46
    cp = csms201.charge_points["CP001"]

    def asked() -> int:
        return len([a for a in csms201.actions("Authorize") if a["idToken"]["idToken"] == "CACHED"])

    async def session() -> None:
        await charge(station, 1, "CACHED")
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available")

    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    await session()
    assert asked() == 1  # unknown: the CSMS is asked, its answer cached
    await session()
    assert asked() == 1  # TC_C_08: from the cache, no question
    assert (await cp.call(call.Reset(type="Immediate"))).status == "Accepted"
    await csms201.wait_for(lambda c: len(c.actions("BootNotification")) == 2, 20)
    await station.wait_api()
    cp = await csms201.wait_connected("CP001")
    await session()
    assert asked() == 1  # TC_C_32: the cache outlives a restart
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "false"))
    await session()
    assert asked() == 2  # TC_C_36: without LocalPreAuthorize the CSMS is asked every time
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    await cp.call(set_var("AuthCacheCtrlr", "LifeTime", "1"))
    await station.until(lambda c: c["status"] == "Available")
    await asyncio.sleep(1.5)
    await session()
    assert asked() == 3  # TC_C_46: unused past its lifetime, the entry is gone
    assert (await cp.call(call.ClearCache())).status == "Accepted"  # TC_C_37
    await cp.call(set_var("AuthCacheCtrlr", "Enabled", "false"))
    assert (await cp.call(call.ClearCache())).status == "Rejected"  # TC_C_38


async def test_with_remote_authorization_disabled_only_list_and_cache_decide(csms201, station):  # TC_E_52
    cp = csms201.charge_points["CP001"]
    await charge(station, 1, "KNOWN")  # asked once, and cached
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available")
    await cp.call(set_var("AuthCtrlr", "DisableRemoteAuthorization", "true"))
    await station.post("/ev", {"connector": 2, "state": "C"})
    await station.post("/rfid", {"connector": 2, "id_tag": "STRANGER"})
    await charge(station, 1, "KNOWN")  # from the cache, not asked
    assert [a["idToken"]["idToken"] for a in csms201.actions("Authorize")] == ["KNOWN"]
    assert not (await station.connector(2))["contactor_closed"]  # unknown, and nobody asked: refused


async def test_offline_an_unknown_token_starts_only_when_allowed(csms201, station):  # TC_C_26 (C15), TC_E_43
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false"))
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "UNKNOWN-1"})
    await asyncio.sleep(1.0)
    assert not (await station.connector(1))["contactor_closed"]  # unknown and not allowed offline
    await station.post("/network", {"connected": True})
    cp = await csms201.wait_for(lambda c: c.charge_points.get("CP001") is not cp and c.charge_points.get("CP001"))
    await cp.call(set_var("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"))
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    await station.post("/rfid", {"connector": 1, "id_tag": "UNKNOWN-2"})
    await station.until(lambda c: c["contactor_closed"])  # allowed: charging offline
    csms201.rejected_tags.add("UNKNOWN-2")  # the CSMS will not know it either
    await station.post("/network", {"connected": True})
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"],
                                   20)
    started = next(e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started")
    assert started["offline"] and started["idToken"]["idToken"] == "UNKNOWN-2"
    assert ended[0]["transactionInfo"]["stoppedReason"] == "DeAuthorized"  # StopTxOnInvalidId, once told


async def test_a_cached_token_before_the_cable(csms201, station):  # TC_C_13
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    await charge(station, 1, "EARLY")  # known from now on
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available")
    await station.post("/rfid", {"connector": 1, "id_tag": "EARLY"})  # no cable yet: from the cache
    await asyncio.sleep(0.5)
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.until(lambda c: c["contactor_closed"])
    assert len([a for a in csms201.actions("Authorize") if a["idToken"]["idToken"] == "EARLY"]) == 1


async def test_offline_a_token_of_the_group_ends_the_transaction(csms201, station):  # TC_E_45
    csms201.tags.update({t: {"status": "Accepted", "groupIdToken": GROUP} for t in ("CARD-A", "CARD-B")})
    await station.post("/rfid", {"connector": 2, "id_tag": "CARD-B"})  # seen once: cached with its group
    await csms201.wait_for(lambda c: c.actions("Authorize"))
    await asyncio.sleep(0.5)
    await station.post("/rfid", {"connector": 2, "id_tag": "CARD-B"})  # and its authorization ended again
    await charge(station, 1, "CARD-A")
    await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e.get("idToken")])
    await asyncio.sleep(0.5)
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    await station.post("/rfid", {"connector": 1, "id_tag": "CARD-B"})
    await station.until(lambda c: not c["contactor_closed"])
    await station.post("/network", {"connected": True})
    done = await csms201.wait_for(ended, 15)
    assert done[0]["transactionInfo"]["stoppedReason"] == "Local" and done[0]["offline"]
