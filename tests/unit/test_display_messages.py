"""Which display message the charger shows, on a stepped clock."""

from datetime import datetime, timedelta, timezone

from firmware.display_messages import CYCLE_S, DisplayMessage, DisplayMessages
from firmware.store import Store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_priorities_states_windows_and_turns(tmp_path):
    store = Store(tmp_path)
    messages = DisplayMessages(store, max_messages=5)
    assert messages.shown(NOW, "Idle", set()) is None
    messages.put(DisplayMessage(1, "NormalCycle", "one"))
    messages.put(DisplayMessage(2, "NormalCycle", "two"))
    turns = {messages.shown(NOW + timedelta(seconds=CYCLE_S * i), "Idle", set()).content for i in range(4)}
    assert turns == {"one", "two"}  # they take turns
    messages.put(DisplayMessage(3, "InFront", "front", state="Charging"))
    assert messages.shown(NOW, "Idle", set()).content in ("one", "two")  # not its state
    assert messages.shown(NOW, "Charging", set()).content == "front"
    later = (NOW + timedelta(minutes=5)).isoformat()
    messages.put(DisplayMessage(4, "AlwaysFront", "soon", start=later))
    assert messages.shown(NOW, "Charging", set()).content == "front"
    assert messages.shown(NOW + timedelta(minutes=6), "Charging", set()).content == "soon"
    messages.put(DisplayMessage(5, "AlwaysFront", "yours", transaction_id="tx-1"))
    assert messages.shown(NOW, "Idle", {"tx-1"}).content == "yours"
    assert messages.full(6) and not messages.full(5)  # five kept: a sixth is refused, replacing one is not
    messages.drop_transaction("tx-1")
    assert [m.id for m in messages.all()] == [1, 2, 3, 4]
    store.close()


def test_in_front_messages_take_turns_and_the_newest_always_front_wins(tmp_path):  # TC_O_33
    store = Store(tmp_path)
    messages = DisplayMessages(store)
    messages.put(DisplayMessage(1, "NormalCycle", "cycle"))
    messages.put(DisplayMessage(2, "InFront", "first", transaction_id="tx-1"))
    messages.put(DisplayMessage(3, "InFront", "second", transaction_id="tx-1"))
    turns = [messages.shown(NOW + timedelta(seconds=CYCLE_S * i), "Charging", {"tx-1"}).content for i in range(4)]
    assert sorted(set(turns)) == ["first", "second"] and turns[0] != turns[1]  # cycled, in front of the cycle
    messages.put(DisplayMessage(4, "AlwaysFront", "old"))
    messages.put(DisplayMessage(5, "AlwaysFront", "new"))
    assert {messages.shown(NOW + timedelta(seconds=CYCLE_S * i), "Idle", set()).content for i in range(4)} == {"new"}
    store.close()
