"""OCPP 2.0.1 authorization through the local list (C13, C14) and groups from it (C09), offline and
online, with entries of every status, over the neutral authorizer 1.6 uses."""

import asyncio
from datetime import datetime, timedelta, timezone

from ocpp.v201 import call

from firmware.clock import iso
from integration.test_ocpp201_lists import set_var

PAST = iso(datetime.now(timezone.utc) - timedelta(days=1))


def listed(token: str, status: str, group: str | None = None, expiry: str | None = None) -> dict:
    info: dict = {"status": status}
    if group:
        info["groupIdToken"] = {"idToken": group, "type": "Central"}
    if expiry:
        info["cacheExpiryDateTime"] = expiry
    return {"idToken": {"idToken": token, "type": "ISO14443"}, "idTokenInfo": info}


async def send_list(cp, version: int, entries: list[dict], full: bool = True) -> None:
    answer = await cp.call(call.SendLocalList(version_number=version, update_type="Full" if full else "Differential",
                                              local_authorization_list=entries))
    assert answer.status == "Accepted"


async def refused(station, cid: int, tag: str) -> bool:
    """The card is presented and, a moment later, the contactor is still open and no session began."""
    await station.post("/rfid", {"connector": cid, "id_tag": tag})
    await asyncio.sleep(1.0)
    c = await station.connector(cid)
    return not c["contactor_closed"] and c["session"] is None


def asked(csms, tag: str) -> int:
    return sum(1 for a in csms.actions("Authorize") if a["idToken"]["idToken"] == tag)


async def test_offline_the_list_decides(csms201, station):  # TC_C_22, 23, 24, 25, 26
    cp = csms201.charge_points["CP001"]
    csms201.tags["BOTH"] = {"status": "Invalid"}
    await station.post("/ev", {"connector": 2, "state": "C"})
    assert await refused(station, 2, "BOTH")  # the CSMS said Invalid: cached so
    await send_list(cp, 1, [listed("L-OK", "Accepted"), listed("L-INVALID", "Invalid"),
                            listed("L-RESTRICTED", "NotAtThisLocation"),
                            listed("L-EXPIRED", "Accepted", expiry=PAST), listed("BOTH", "Accepted")])
    await station.post("/network", {"connected": False})
    await station.wait_disconnected()
    await station.post("/ev", {"connector": 1, "state": "C"})
    for tag in ("L-INVALID", "L-RESTRICTED", "L-EXPIRED", "NOBODY"):  # TC_C_22, 23, 24, 26
        assert await refused(station, 1, tag), tag
    await station.post("/rfid", {"connector": 1, "id_tag": "L-OK"})
    await station.until(lambda c: c["contactor_closed"], cid=1)
    await station.post("/rfid", {"connector": 2, "id_tag": "BOTH"})  # TC_C_25: the list over the cache
    await station.until(lambda c: c["contactor_closed"], cid=2)


async def test_online_the_list_then_the_csms(csms201, station):  # TC_C_27 .. TC_C_31
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))).set_variable_result[0][
        "attribute_status"] == "Accepted"
    await send_list(cp, 1, [listed("L-OK", "Accepted"), listed("L-INVALID", "Invalid"),
                            listed("L-RESTRICTED", "NotAllowedTypeEVSE"), listed("L-EXPIRED", "Expired"),
                            listed("L-REVIVED", "Invalid")])
    csms201.tags.update({t: {"status": "Invalid"} for t in ("L-INVALID", "L-RESTRICTED", "L-EXPIRED")})
    csms201.tags["L-REVIVED"] = {"status": "Accepted"}
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "L-OK"})
    await station.until(lambda c: c["contactor_closed"], cid=1)
    assert asked(csms201, "L-OK") == 0  # TC_C_27: the list's Accepted starts at once
    await station.post("/ev", {"connector": 2, "state": "C"})
    for tag in ("L-INVALID", "L-RESTRICTED", "L-EXPIRED"):  # TC_C_28, 29, 30: the CSMS asked, and refuses
        assert await refused(station, 2, tag), tag
        assert asked(csms201, tag) == 1, tag
    await station.post("/rfid", {"connector": 2, "id_tag": "L-REVIVED"})  # TC_C_31: the CSMS accepts it
    await station.until(lambda c: c["contactor_closed"], cid=2)
    assert asked(csms201, "L-REVIVED") == 1


async def test_groups_from_the_list(csms201, station):  # TC_C_41, TC_C_44
    cp = csms201.charge_points["CP001"]
    await cp.call(set_var("AuthCtrlr", "LocalPreAuthorize", "true"))
    await send_list(cp, 1, [listed("G-A", "Accepted", "FLEET"), listed("G-B", "Accepted", "FLEET"),
                            listed("G-X", "Blocked", "FLEET")])
    csms201.tags["G-X"] = {"status": "Invalid", "groupIdToken": {"idToken": "FLEET", "type": "Central"}}
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": "G-A"})
    await station.until(lambda c: c["contactor_closed"], cid=1)
    await station.post("/rfid", {"connector": 1, "id_tag": "G-X"})  # TC_C_44: of the group, but not Accepted
    await asyncio.sleep(1.0)
    assert (await station.connector(1))["contactor_closed"] and asked(csms201, "G-X") == 1
    await station.post("/rfid", {"connector": 1, "id_tag": "G-B"})  # TC_C_41: the list names its group
    await station.until(lambda c: not c["contactor_closed"], cid=1)
    assert asked(csms201, "G-B") == 0
    ended = await csms201.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"],
                                   10)
    assert len(ended) == 1 and ended[0]["transactionInfo"]["stoppedReason"] == "Local"
