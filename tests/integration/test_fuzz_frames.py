"""Several hundred malformed frames of every kind at a charging controller: every CALL answered,
no stray response answered, no reconnect, the session charging safely, one process throughout.

Seeded: EVSE_FUZZ_SEED replays a run; the seed is printed.
"""

import json
import os
import random

import pytest

from ocpp.v16 import call

BY_SHAPE = object()
FRAMES = int(os.environ.get("EVSE_FUZZ_FRAMES", "400"))
SAFE_ACTIONS = ("Reset", "UnlockConnector", "ChangeConfiguration", "GetConfiguration", "ChangeAvailability",
                "RemoteStopTransaction", "SetChargingProfile", "ClearCache", "TriggerMessage", "SendLocalList",
                "ReserveNow", "GetCompositeSchedule", "DataTransfer", "UpdateFirmware", "GetDiagnostics")
SCHEMA_BREAKERS = [  # never valid, so nothing of them may run
    {}, {"type": 5}, {"connectorId": "x"}, {"connectorId": 1.5}, {"key": ["a"] * 3, "value": 7},
    {"extra": True, "connectorId": 1}, {"csChargingProfiles": "none", "connectorId": 1},
    {"listVersion": "1", "updateType": "Full"}, {"requestedMessage": "Coffee"}, {"vendorId": "v" * 300},
]


def value(rng, depth=0):
    """A random JSON-ish value, sometimes one no strict parser accepts."""
    kind = rng.randrange(9)
    if kind == 0 or depth > 3:
        return rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "null", "true", '"x"', "12"])
    if kind == 1:
        return "[" + ",".join(value(rng, depth + 1) for _ in range(rng.randrange(4))) + "]"
    if kind == 2:
        return "{" + ",".join(f'"k{i}":{value(rng, depth + 1)}' for i in range(rng.randrange(4))) + "}"
    return json.dumps(rng.choice([0, -1, 2**40, 3.25, "", "é" * 5, None, True, [], {}]))


def frame(rng, i, actions=SAFE_ACTIONS):
    """(text, answer) where answer is the message id of the CALLERROR/CALLRESULT due, "-1", or None."""
    uid = f"f{i}"
    kind = rng.randrange(12)
    action = rng.choice(actions)
    if kind == 0:  # not JSON at all, or cut short
        text = rng.choice(["garbage", "", "[", "]", "{}", "[2,", '[2,"%s","Reset",{' % uid, "\x00\x01", "[]"])
        return text, (uid if text.startswith('[2,"') else "-1")
    if kind == 1:  # nested absurdly deep, inside or outside the payload
        depth = rng.choice([40, 500, 1000, 5000])
        if rng.random() < 0.5:
            return "[" * depth + "]" * depth, "-1"
        return f'[2,"{uid}","{action}",' + '{"a":' * depth + "1" + "}" * depth + "]", uid
    if kind == 2:  # the words strict JSON does not have
        return f'[2,"{uid}","{action}",{{"connectorId":{rng.choice(["NaN", "Infinity", "-Infinity", "1e999"])}}}]', uid
    if kind == 3:  # message ids that are none
        bad = rng.choice(['""', '"' + "i" * rng.randrange(37, 80) + '"', "7", "null", "[1]", "{}", "true"])
        return f'[2,{bad},"{action}",{{}}]', "-1"
    if kind == 4:  # actions nobody knows, or no string at all
        name = rng.choice(['"MakeCoffee"', '"reset"', '""', "5", "null", '"Heartbeat"', '"BootNotification"'])
        return f'[2,"{uid}",{name},{{}}]', uid
    if kind == 5:  # payloads the schema refuses
        return json.dumps([2, uid, action, rng.choice(SCHEMA_BREAKERS)]), uid
    if kind == 6:  # random values in a known action's payload
        return f'[2,"{uid}","{action}",{{"connectorId":{value(rng)},"type":{value(rng)}}}]', uid
    if kind == 7:  # responses to nothing we asked: never answered
        return rng.choice([json.dumps([3, uid, {"status": "Accepted"}]), json.dumps([4, uid, "GenericError", "", {}]),
                           f'[3,"{uid}",{value(rng)}]', f'[4,"{uid}"]', f'[3,"{uid}",{{"x":NaN}}]']), None
    if kind == 8:  # message types that do not exist
        return f'[{rng.choice(["0", "1", "5", "99", "-2", "true", "2.0"])},"{uid}","{action}",{{}}]', uid
    if kind == 9:  # frames of the wrong length or shape
        return rng.choice([f'[2,"{uid}"]', f'[2,"{uid}","{action}"]', f'[2,"{uid}","{action}",[]]',
                           f'[2,"{uid}","{action}",{{}},1]', f'{{"2":"{uid}"}}', f'[4,"{uid}"]']), BY_SHAPE
    if kind == 10:  # schema-valid nonsense the handlers must refuse
        profile = {"chargingProfileId": rng.choice([-5, 3]), "stackLevel": rng.choice([-1, 0]),
                   "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
                   "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [
                       {"startPeriod": 0, "limit": -abs(rng.randrange(1, 50)), "numberPhases": rng.choice([0, 7])}]}}
        return json.dumps([2, uid, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}]), uid
    huge = "x" * rng.choice([1000, 100_000])  # long strings where short ones belong
    return json.dumps([2, uid, "ChangeConfiguration", {"key": huge, "value": huge}]), uid


def expected_answer(text, answer):
    """Frames of the wrong shape: one that looks like a CALL is answered with its id, a response
    is dropped, anything else is answered with "-1"."""
    if answer is not BY_SHAPE:
        return answer
    parsed = json.loads(text)
    if isinstance(parsed, list) and parsed[:1] == [2]:
        return parsed[1]
    return None if isinstance(parsed, list) and parsed[:1] in ([3], [4]) else "-1"


class Version16:
    actions = SAFE_ACTIONS
    charging, stop_action = "Charging", "StopTransaction"

    def __init__(self, csms):
        self.csms = csms

    async def probe(self, cp, i) -> str:
        answer = await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]), unique_id=f"probe{i}")
        return answer.configuration_key[0]["value"]

    def stopped(self) -> bool:
        return bool(self.csms.actions("StopTransaction"))


class Version201(Version16):
    actions = ("Reset", "UnlockConnector", "SetVariables", "GetVariables", "ChangeAvailability",
               "RequestStopTransaction", "TriggerMessage", "GetBaseReport", "DataTransfer", "GetTransactionStatus",
               "RequestStartTransaction", "SetChargingProfile")
    charging = "Occupied"

    async def probe(self, cp, i) -> str:
        from ocpp.v201 import call as call201

        answer = await cp.call(call201.GetVariables(get_variable_data=[{
            "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]), unique_id=f"probe{i}")
        return answer.get_variable_result[0]["attribute_value"]

    def stopped(self) -> bool:
        return any(e["eventType"] == "Ended" for e in self.csms.actions("TransactionEvent"))


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_fuzzed_frames_never_drop_the_link_or_the_session(version, tmp_path):
    from controller import ControllerProcess
    from firmware.bench.csms import BenchCsms
    from firmware.bench.csms201 import BenchCsms201

    seed = int(os.environ.get("EVSE_FUZZ_SEED") or random.randrange(1 << 30))
    print(f"fuzz seed {seed} (replay with EVSE_FUZZ_SEED={seed})")
    rng = random.Random(seed)
    csms = BenchCsms201() if version == "2.0.1" else BenchCsms()
    speaks = (Version201 if version == "2.0.1" else Version16)(csms)
    await csms.start()
    ctl = ControllerProcess(csms.url, tmp_path / "data", ocpp_version=version)
    try:
        await ctl.start()
        await csms.wait_for(lambda c: c.charge_points.get("CP001") and c.actions("StatusNotification"), 15)
        await run_fuzz(csms, ctl, rng, seed, speaks)
    finally:
        await ctl.close()
        await csms.stop()


async def run_fuzz(csms, ctl, rng, seed, speaks):
    pid = ctl.proc.pid
    await ctl.post("/ev", {"connector": 1, "state": "C"})
    await ctl.post("/rfid", {"connector": 1, "id_tag": "FUZZ"})
    before = await ctl.until(lambda c: c["contactor_closed"] and c["session"]["transaction_id"] is not None)
    cp = csms.charge_points["CP001"]
    answered = unanswered = 0
    for i in range(FRAMES):
        text, answer = frame(rng, i, speaks.actions)
        answer = expected_answer(text, answer)
        seen = len(csms.responses)
        await csms.send_raw("CP001", text)
        assert await speaks.probe(cp, i) == "300"  # answered in order, after the frame
        extra = [f for f in csms.responses[seen:] if f[1] != f"probe{i}"]
        if answer is None:
            assert extra == [], (seed, text[:200], extra)
            unanswered += 1
        else:
            assert len(extra) == 1 and extra[0][0] in (3, 4) and extra[0][1] == answer, (seed, text[:200], extra)
            answered += 1
    after = await ctl.connector(1)
    assert after["contactor_closed"] and after["status"] == speaks.charging
    assert after["session"]["transaction_id"] == before["session"]["transaction_id"]
    assert ctl.proc.returncode is None and ctl.proc.pid == pid
    assert csms.connections["CP001"] == 1 and len(csms.actions("BootNotification")) == 1
    assert not speaks.stopped()
    print(f"{answered} frames answered, {unanswered} dropped as they should be")
