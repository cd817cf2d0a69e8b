"""The OCPP-J reader against frames a rude or broken CSMS sends, in process over a loopback link."""

import asyncio
import json
import logging

import pytest
from ocpp.routing import after, on
from ocpp.v16 import call, call_result

from firmware.ocpp import frames
from firmware.ocpp.v16.rpc import RpcChargePoint

PROFILE = ('{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,'
           '"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",'
           '"chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":%s}]}}}')


class Loopback:
    def __init__(self):
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.sent: list[list] = []

    async def recv(self):
        return await self.inbox.get()

    async def send(self, message):
        self.sent.append(json.loads(message))


class Station(RpcChargePoint):
    def __init__(self, link):
        super().__init__("CP", link, response_timeout=2)
        self.limits = []
        self.after_ran = asyncio.Event()

    @on("SetChargingProfile")
    def on_profile(self, connector_id, cs_charging_profiles, **_):
        self.limits.append(cs_charging_profiles["charging_schedule"]["charging_schedule_period"][0]["limit"])
        return call_result.SetChargingProfile(status="Accepted")

    @on("Reset")
    def on_reset(self, type, **_):
        return call_result.Reset(status="Accepted")

    @after("Reset")
    async def after_reset(self, type, **_):
        self.after_ran.set()
        raise RuntimeError("the after-handler broke")


@pytest.fixture
async def station():
    link = Loopback()
    cp = Station(link)
    reader = asyncio.create_task(cp.start())
    yield cp, link
    assert not reader.done(), "the reader must survive every frame"
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)


async def our_call(link, count=1):
    """The id of our count-th CALL, once it is on the wire."""
    for _ in range(200):
        calls = [f for f in link.sent if f[0] == 2]
        if len(calls) >= count:
            return calls[count - 1][1]
        await asyncio.sleep(0.005)
    raise TimeoutError("no CALL sent")


async def feed(cp, link, frame):
    before = len(link.sent)
    await cp.route_message(frame)
    return link.sent[before:]


@pytest.mark.parametrize("frame, unique_id", [
    ("[" * 1000 + "]" * 1000, "-1"),
    ('[2,"deep","Reset",' + '{"a":' * 1000 + "1" + "}" * 1000 + "]", "deep"),
    ('[2,"deep2","Reset",{"type":' + "[" * 40 + "]" * 40 + "}]", "deep2"),
    ('[2,"inf","SetChargingProfile",' + PROFILE % "Infinity" + "]", "inf"),
    ('[2,"ninf","SetChargingProfile",' + PROFILE % "-Infinity" + "]", "ninf"),
    ('[2,"nan","SetChargingProfile",' + PROFILE % "NaN" + "]", "nan"),
    ('[2,"huge","SetChargingProfile",' + PROFILE % "1e400" + "]", "huge"),
    ('[2,"","Reset",{"type":"Soft"}]', "-1"),
    ('[2,"' + "x" * 37 + '","Reset",{"type":"Soft"}]', "-1"),
    ('[2,5,"Reset",{"type":"Soft"}]', "-1"),
    ('[2,null,"Reset",{"type":"Soft"}]', "-1"),
    ('[true,"b1","Reset",{"type":"Soft"}]', "b1"),
    (b'\xff\xfe', "-1"),
])
async def test_every_malformed_call_is_answered_formation_violation(station, frame, unique_id):
    cp, link = station
    answers = await feed(cp, link, frame)
    assert answers == [[4, unique_id, "FormationViolation", answers[0][3], {}]]
    assert cp.limits == []  # nothing was executed
    assert await feed(cp, link, '[2,"ok","Reset",{"type":"Soft"}]') == [[3, "ok", {"status": "Accepted"}]]


async def test_a_sane_limit_still_goes_through(station):
    cp, link = station
    assert await feed(cp, link, '[2,"p","SetChargingProfile",' + PROFILE % "16.5" + "]") == [
        [3, "p", {"status": "Accepted"}]]
    assert cp.limits == [16.5]


@pytest.mark.parametrize("frame", [
    '[3,"nobody",{"status":"Accepted"}]',
    '[4,"nobody","GenericError","x",{}]',
    '[3,"x"]',
    '[3,"x",[]]',
    '[4,"x","GenericError"]',
    '[3,"' + "y" * 40 + '",{}]',
    '[3,"nan",{"a":NaN}]',
    '[3, "broken", {',
])
async def test_stray_or_broken_responses_are_dropped_not_answered(station, frame, caplog):
    cp, link = station
    with caplog.at_level(logging.WARNING):
        assert await feed(cp, link, frame) == []
    assert caplog.records, "a dropped response is logged"
    assert cp._response_queue.empty()


async def test_a_response_for_another_id_does_not_answer_our_call(station):
    cp, link = station
    pending = asyncio.create_task(cp.call(call.Heartbeat()))
    ours = await our_call(link)
    await link.inbox.put('[3,"someone-else",{"currentTime":"2026-01-01T00:00:00Z"}]')
    await link.inbox.put(json.dumps([3, ours, {"currentTime": "2026-11-30T12:00:00Z"}]))
    answer = await asyncio.wait_for(pending, 2)
    assert answer.current_time == "2026-11-30T12:00:00Z"


async def test_a_late_answer_after_a_timeout_is_not_taken_by_the_next_call(station):
    cp, link = station
    cp._response_timeout = 0.05
    with pytest.raises(asyncio.TimeoutError):
        await cp.call(call.Heartbeat())
    late = await our_call(link)
    cp._response_timeout = 2
    await link.inbox.put(json.dumps([3, late, {"currentTime": "2000-01-01T00:00:00Z"}]))
    await asyncio.sleep(0.01)
    pending = asyncio.create_task(cp.call(call.Heartbeat()))
    await link.inbox.put(json.dumps([3, await our_call(link, 2), {"currentTime": "2026-11-30T12:00:00Z"}]))
    assert (await asyncio.wait_for(pending, 2)).current_time == "2026-11-30T12:00:00Z"


async def test_a_crashing_validator_or_handler_is_answered_and_reading_goes_on(station, monkeypatch, caplog):
    cp, link = station

    async def broken(*a, **k):
        raise TypeError("validator bug")

    monkeypatch.setattr("ocpp.charge_point.validate_payload", broken)
    assert (await feed(cp, link, '[2,"v","Reset",{"type":"Soft"}]'))[0][:3] == [4, "v", "InternalError"]
    assert "validator bug" in caplog.text


async def test_a_crashing_after_handler_is_logged_with_its_traceback(station, caplog):
    cp, link = station
    await feed(cp, link, '[2,"r","Reset",{"type":"Hard"}]')
    await asyncio.wait_for(cp.after_ran.wait(), 1)
    await asyncio.sleep(0)
    failed = [r for r in caplog.records if "after Reset" in r.getMessage()]
    assert failed and failed[0].exc_info and "the after-handler broke" in str(failed[0].exc_info[1])


def test_strict_json_refuses_what_python_accepts():
    for text in ("NaN", "[Infinity]", "[-Infinity]", "[1e999]"):
        with pytest.raises(ValueError):
            frames.loads(text)
    assert frames.loads('[1.5, 2, {"a": [true]}]') == [1.5, 2, {"a": [True]}]


def test_call_id_is_read_from_a_frame_that_is_no_json():
    assert frames.call_id_of('[2, "abc", "Reset", {') == "abc"
    assert frames.call_id_of('[3, "abc", {') == "-1"
    assert frames.call_id_of("garbage") == "-1"


async def test_a_crashed_service_is_logged_and_started_again(caplog):
    from firmware.tasks import supervised

    runs = []

    async def flaky():
        runs.append(1)
        if len(runs) < 3:
            raise KeyError("bad input")

    async def no_pause(_):
        await asyncio.sleep(0)

    await asyncio.wait_for(supervised("load manager", flaky, sleep=no_pause), 1)
    assert len(runs) == 3
    crashes = [r for r in caplog.records if "load manager crashed" in r.getMessage()]
    assert len(crashes) == 2 and crashes[0].exc_info is not None


async def test_the_link_keeps_trying_after_an_unexpected_error(caplog):
    from firmware.ocpp.connection import LinkSettings, OcppLink, Uplink

    tries = []

    def settings():
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("settings unreadable")
        return LinkSettings("ws://127.0.0.1:9/ocpp", "CP", "ocpp1.6")

    link = OcppLink(settings, Uplink(), backoff=lambda attempt: 0.01)
    task = asyncio.create_task(link.run(lambda ws: asyncio.sleep(0)))
    for _ in range(200):
        if len(tries) >= 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(tries) >= 3
    assert "settings unreadable" in caplog.text


async def test_teardown_ends_a_task_that_swallowed_its_cancellation():
    """What Python 3.11's wait_for does when the awaited thing completes as the cancel arrives."""
    from firmware.tasks import cancel_and_wait

    forever = asyncio.Event()

    async def swallower():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass  # the cancellation is lost; the task goes on to wait for ever
        await forever.wait()

    task = asyncio.create_task(swallower(), name="statuses")
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task], grace_s=0.05), 2)
    assert task.cancelled()


async def test_2_0_1_speaks_its_own_words():
    from ocpp.v201 import call_result as result201

    from firmware.ocpp.v201.rpc import RpcChargePoint201

    class Station201(RpcChargePoint201):
        @on("Reset")
        def on_reset(self, type, **_):
            return result201.Reset(status="Accepted")

    link = Loopback()
    cp = Station201("CP", link)
    assert (await feed(cp, link, "[" * 100 + "]" * 100))[0][:3] == [4, "-1", "RpcFrameworkError"]
    assert (await feed(cp, link, '[2,"a","Reset",{}]'))[0][:3] == [4, "a", "OccurrenceConstraintViolation"]
    assert (await feed(cp, link, '[2,"b","Reset",{"type":"Later"}]'))[0][:3] == [4, "b", "PropertyConstraintViolation"]
    assert (await feed(cp, link, '[2,"c","Reset",{"type":"Immediate"}]')) == [[3, "c", {"status": "Accepted"}]]
    assert (await feed(cp, link, '[2,"d","MakeCoffee",{}]'))[0][:3] == [4, "d", "NotImplemented"]
    assert (await feed(cp, link, '[2,"e","Heartbeat",{}]'))[0][:3] == [4, "e", "NotSupported"]
