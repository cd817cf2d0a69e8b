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
