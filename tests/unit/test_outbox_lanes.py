"""The outbox's two lanes and its set-aside table, in process with a real SQLite store."""

import asyncio

import pytest
from ocpp.exceptions import FormatViolationError, GenericError, NotImplementedError as OcppNotImplemented

from firmware.ocpp.outbox import NOTIFICATIONS, TRANSACTIONS, Outbox
from firmware.store import Store


class Csms:
    """Answers per action: a list of exceptions to raise first, then a confirmation."""

    def __init__(self, failures=None):
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.sent: list[tuple[str, str]] = []

    async def send(self, action, payload, msg_id):
        self.sent.append((action, msg_id))
        pending = self.failures.get(action)
        if pending:
            error = pending.pop(0) if isinstance(pending, list) and len(pending) > 1 else pending[0]
            raise error
        return None


def start(outbox, csms, lane):
    return asyncio.create_task(outbox.drain(csms.send, lambda a, p, l: p, lambda a, p, ans, l: None, lane))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    yield s
    s.close()


async def until(predicate, timeout=3.0):
    for _ in range(int(timeout / 0.005)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise TimeoutError


@pytest.mark.parametrize("error", [GenericError(), OcppNotImplemented(), FormatViolationError()])
async def test_a_refused_start_is_retried_then_set_aside_and_the_lane_moves_on(store, error):
    set_aside = []
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 0.01,
                    on_set_aside=lambda *args: set_aside.append(args))
    csms = Csms({"StartTransaction": [error]})
    outbox.push("StartTransaction", {"connectorId": 1, "idTag": "A"}, "s1")
    outbox.push("StopTransaction", {"meterStop": 5}, "s1")
    task = start(outbox, csms, TRANSACTIONS)
    await until(lambda: ("StopTransaction" in [a for a, _ in csms.sent]))
    task.cancel()
    assert [a for a, _ in csms.sent] == ["StartTransaction"] * 3 + ["StopTransaction"]
    assert len({m for a, m in csms.sent if a == "StartTransaction"}) == 1  # one message id throughout
    kept = outbox.set_aside()
    assert [(k["action"], k["local_id"], k["attempts"]) for k in kept] == [("StartTransaction", "s1", 3)]
    assert error.code in kept[0]["reason"] and kept[0]["payload"]["idTag"] == "A"
    assert set_aside and set_aside[0][0] == "StartTransaction" and set_aside[0][2] == "s1"
    assert len(outbox) == 0


async def test_a_refused_security_event_never_holds_a_transaction_back(store):
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 60)
    csms = Csms({"SecurityEventNotification": [GenericError()]})
    outbox.push("SecurityEventNotification", {"type": "StartupOfTheDevice", "timestamp": "x"}, None)
    lanes = [start(outbox, csms, TRANSACTIONS), start(outbox, csms, NOTIFICATIONS)]
    await until(lambda: csms.sent)  # the event went first and is now waiting 60 s for its retry
    outbox.push("StartTransaction", {"connectorId": 1}, "s1")
    outbox.push("MeterValues", {"connectorId": 1}, "s1")
    outbox.push("StopTransaction", {"meterStop": 5}, "s1")
    await until(lambda: len(csms.sent) == 4, timeout=1.0)
    for task in lanes:
        task.cancel()
    assert [a for a, _ in csms.sent] == ["SecurityEventNotification", "StartTransaction", "MeterValues",
                                         "StopTransaction"]


async def test_a_notification_is_dropped_after_its_attempts_and_not_set_aside(store):
    outbox = Outbox(store, attempts=lambda: 2, retry_interval_s=lambda: 0.01)
    csms = Csms({"SecurityEventNotification": [GenericError()]})
    outbox.push("SecurityEventNotification", {"type": "x"}, None)
    outbox.push("LogStatusNotification", {"status": "Uploaded"}, None)
    task = start(outbox, csms, NOTIFICATIONS)
    await until(lambda: ("LogStatusNotification" in [a for a, _ in csms.sent]))
    task.cancel()
    assert [a for a, _ in csms.sent] == ["SecurityEventNotification"] * 2 + ["LogStatusNotification"]
    assert outbox.set_aside() == []


async def test_a_notification_the_csms_does_not_implement_is_dropped_at_once(store):
    outbox = Outbox(store, attempts=lambda: 5, retry_interval_s=lambda: 60)
    csms = Csms({"SecurityEventNotification": [OcppNotImplemented()]})
    outbox.push("SecurityEventNotification", {"type": "x"}, None)
    task = start(outbox, csms, NOTIFICATIONS)
    await until(lambda: len(outbox) == 0)
    task.cancel()
    assert len(csms.sent) == 1


async def test_an_unexpected_error_on_our_side_is_an_attempt_not_a_stuck_lane(store):
    outbox = Outbox(store, attempts=lambda: 2, retry_interval_s=lambda: 0.01)
    csms = Csms({"StartTransaction": [TypeError("cannot build it")]})
    outbox.push("StartTransaction", {"connectorId": 1}, "s1")
    outbox.push("StopTransaction", {"meterStop": 1}, "s1")
    task = start(outbox, csms, TRANSACTIONS)
    await until(lambda: ("StopTransaction" in [a for a, _ in csms.sent]))
    task.cancel()
    assert outbox.set_aside()[0]["reason"].startswith("TypeError")


async def test_a_lost_link_is_no_attempt(store):
    outbox = Outbox(store, attempts=lambda: 1, retry_interval_s=lambda: 0.01)
    csms = Csms({"StartTransaction": [ConnectionError("gone")]})
    outbox.push("StartTransaction", {"connectorId": 1}, "s1")
    with pytest.raises(ConnectionError):
        await start(outbox, csms, TRANSACTIONS)
    assert len(outbox) == 1 and outbox.set_aside() == []
