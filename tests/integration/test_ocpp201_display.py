"""OCPP 2.0.1 display messages (O01-O06) on the charger's display (the bench shows it in GET /status)."""

import asyncio
from datetime import datetime, timedelta, timezone

from ocpp.v201 import call

from firmware.clock import iso


def message(mid: int, text: str, priority: str = "NormalCycle", **extra) -> dict:
    return {"id": mid, "priority": priority, "message": {"format": "UTF8", "content": text}, **extra}


async def shown(station) -> str:
    return (await station.status())["display"]["text"]


async def until_shown(station, predicate, timeout=10.0) -> str:
    end = asyncio.get_running_loop().time() + timeout
    while True:
        text = await shown(station)
        if predicate(text):
            return text
        if asyncio.get_running_loop().time() > end:
            raise TimeoutError(f"the display still shows {text!r}")
        await asyncio.sleep(0.1)


async def started_transaction(csms201, station, tag: str) -> str:
    """A session on connector 1 under `tag`; its transaction id."""
    await station.post("/ev", {"connector": 1, "state": "C"})
    await station.post("/rfid", {"connector": 1, "id_tag": tag})
    await station.until(lambda c: c["contactor_closed"])
    await asyncio.sleep(0.5)
    return next(e for e in csms201.actions("TransactionEvent") if e["eventType"] == "Started")["transactionInfo"][
        "transactionId"]


async def test_set_get_clear_and_what_the_display_shows(csms201, station):  # TC_O_01, TC_O_03 .. TC_O_05, TC_O_09
    cp = csms201.charge_points["CP001"]
    assert "1: ready" in await until_shown(station, lambda t: t != "")  # no message: the charger's own words
    assert (await cp.call(call.SetDisplayMessage(message=message(1, "Welcome to the depot")))).status == "Accepted"
    await until_shown(station, lambda t: t == "Welcome to the depot")
    front = message(2, "Closed for maintenance at 18:00", "InFront")
    assert (await cp.call(call.SetDisplayMessage(message=front))).status == "Accepted"
    await until_shown(station, lambda t: t.startswith("Closed for maintenance"))  # InFront beats NormalCycle
    charging_only = message(3, "Charging: thank you", "AlwaysFront", state="Charging")
    assert (await cp.call(call.SetDisplayMessage(message=charging_only))).status == "Accepted"
    await asyncio.sleep(1.5)
    assert (await shown(station)).startswith("Closed")  # its state is not the charger's now

    answer = await cp.call(call.GetDisplayMessages(request_id=5))
    assert answer.status == "Accepted"
    await csms201.wait_for(lambda c: c.actions("NotifyDisplayMessages"), 10)
    report = csms201.actions("NotifyDisplayMessages")[0]
    assert report["requestId"] == 5 and sorted(m["id"] for m in report["messageInfo"]) == [1, 2, 3]
    assert (await cp.call(call.GetDisplayMessages(request_id=6, id=[3], state="Idle"))).status == "Unknown"  # TC_O_34
    assert (await cp.call(call.ClearDisplayMessage(id=2))).status == "Accepted"
    assert (await cp.call(call.ClearDisplayMessage(id=2))).status == "Unknown"
    await until_shown(station, lambda t: t == "Welcome to the depot")


async def test_messages_for_a_transaction_a_time_and_bad_ones(csms201, station):  # TC_O_08, TC_O_12, TC_O_15
    cp = csms201.charge_points["CP001"]
    unknown = message(10, "Hello", "InFront", transactionId="no-such-transaction")
    assert (await cp.call(call.SetDisplayMessage(message=unknown))).status == "UnknownTransaction"
    later = iso(datetime.now(timezone.utc) + timedelta(seconds=2))
    assert (await cp.call(call.SetDisplayMessage(message=message(11, "Soon", "InFront", startDateTime=later)))
            ).status == "Accepted"
    await asyncio.sleep(0.5)
    assert await shown(station) != "Soon"
    await until_shown(station, lambda t: t == "Soon")  # from its start time on
    assert (await cp.call(call.ClearDisplayMessage(id=11))).status == "Accepted"

    tx = await started_transaction(csms201, station, "DRIVER")
    mine = message(12, "Your car: 7 kW", "AlwaysFront", transactionId=tx)
    assert (await cp.call(call.SetDisplayMessage(message=mine))).status == "Accepted"
    await until_shown(station, lambda t: t == "Your car: 7 kW")
    await station.post("/ev", {"connector": 1, "state": "A"})
    await until_shown(station, lambda t: t != "Your car: 7 kW")  # gone with its transaction
    assert (await cp.call(call.GetDisplayMessages(request_id=7, id=[12]))).status == "Unknown"
    ascii_only = {"id": 13, "priority": "NormalCycle", "message": {"format": "HTML", "content": "<b>x</b>"}}
    assert (await cp.call(call.SetDisplayMessage(message=ascii_only))).status == "NotSupportedMessageFormat"


async def test_messages_survive_a_restart(csms201, station):  # TC_O_28
    cp = csms201.charge_points["CP001"]
    assert (await cp.call(call.SetDisplayMessage(message=message(21, "Kept", "InFront")))).status == "Accepted"
    await station.stop()
    await station.start()
    await until_shown(station, lambda t: t == "Kept")


async def test_the_running_cost_is_shown(csms201, station):  # TC_I_02, TC_I_07
    cp = csms201.charge_points["CP001"]
    await cp.call(call.SetVariables(set_variable_data=[{"component": {"name": "SampledDataCtrlr"},
                                                        "variable": {"name": "TxUpdatedInterval"},
                                                        "attributeValue": "1"}]))
    tx = await started_transaction(csms201, station, "PAYING")
    assert (await cp.call(call.CostUpdated(total_cost=1.25, transaction_id=tx))) is not None
    c1 = await station.until(lambda c: (c["session"] or {}).get("cost") is not None)
    assert c1["session"]["cost"] == {"total": 1.25, "currency": "EUR"}
    await until_shown(station, lambda t: "1.25 EUR" in t)
    csms201.total_cost = 2.5  # TC_I_07: the answer to a TransactionEvent Updated carries it
    await station.until(lambda c: (c["session"]["cost"] or {}).get("total") == 2.5, timeout=10)
    await until_shown(station, lambda t: "2.50 EUR" in t)
    assert (await cp.call(call.CostUpdated(total_cost=9.0, transaction_id="not-running"))) is not None


async def test_in_front_messages_turns_priorities_and_the_unavailable_state(csms201, station):  # TC_O_33, 38, 39
    cp = csms201.charge_points["CP001"]
    tx = await started_transaction(csms201, station, "TURNS")
    for mid, text in ((31, "Your car is charging"), (32, "Tariff: 0.39 EUR/kWh")):
        answer = await cp.call(call.SetDisplayMessage(message=message(mid, text, "InFront", transactionId=tx)))
        assert answer.status == "Accepted"
    await until_shown(station, lambda t: t == "Your car is charging", timeout=12)
    await until_shown(station, lambda t: t == "Tariff: 0.39 EUR/kWh", timeout=12)  # InFront ones take turns
    assert (await cp.call(call.GetDisplayMessages(request_id=30, id=[31], priority="AlwaysFront"))).status == "Unknown"
    await station.post("/ev", {"connector": 1, "state": "A"})
    closed = message(33, "Out of service until 14:00", "InFront", state="Unavailable")
    assert (await cp.call(call.SetDisplayMessage(message=closed))).status == "Accepted"
    await asyncio.sleep(1.5)
    assert await shown(station) != "Out of service until 14:00"  # the charger is not Unavailable yet
    answer = await cp.call(call.ChangeAvailability(operational_status="Inoperative"))
    assert answer.status == "Accepted"
    await until_shown(station, lambda t: t == "Out of service until 14:00")
