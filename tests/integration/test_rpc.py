"""OCPP-J framing and configuration: unknown actions, malformed frames, keys, DataTransfer."""

import asyncio

import pytest
from ocpp.v16 import call


async def raw_call(csms, frame, unique_id):
    await csms.send_raw("CP001", frame)
    return await csms.wait_response(unique_id)


async def still_answers(csms):
    cp = csms.charge_points["CP001"]
    answer = await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]))
    assert answer.configuration_key[0]["key"] == "HeartbeatInterval"


async def test_unknown_action_is_not_implemented(csms, start_controller):
    await start_controller()
    frame = await raw_call(csms, '[2,"u1","MakeCoffee",{}]', "u1")
    assert frame[0] == 4 and frame[2] == "NotImplemented"
    await still_answers(csms)


async def test_known_action_we_do_not_support_is_not_supported(csms, start_controller):
    """Every CSMS-initiated 1.6 action is handled now; a charge point's own request sent to it is not."""
    await start_controller()
    frame = await raw_call(csms, '[2,"u2","Heartbeat",{}]', "u2")
    assert frame[0] == 4 and frame[2] == "NotSupported"


@pytest.mark.parametrize(
    "frame, unique_id, code",
    [
        ('this is not json', "-1", "FormationViolation"),
        ('{"not": "a list"}', "-1", "FormationViolation"),
        ('[2]', "-1", "FormationViolation"),
        ('[2,"m1","Reset"]', "m1", "FormationViolation"),
        ('[2,"m2","Reset",[]]', "m2", "FormationViolation"),
        ('[2,"m3","Reset",{"type":"Lukewarm"}]', "m3", "PropertyConstraintViolation"),
        ('[2,"m4","Reset",{}]', "m4", "OccurenceConstraintViolation"),
        ('[2,"m5","UnlockConnector",{"connectorId":"one"}]', "m5", "TypeConstraintViolation"),
        ('[2,"m6","ChangeConfiguration",{"key":"HeartbeatInterval","value":"1","extra":1}]', "m6",
         "FormationViolation"),
        ('[7,"m7","Reset",{"type":"Soft"}]', "m7", "FormationViolation"),
    ],
)
async def test_malformed_frames_get_the_right_callerror(csms, start_controller, frame, unique_id, code):
    await start_controller()
    answer = await raw_call(csms, frame, unique_id)
    assert answer[0] == 4 and answer[2] == code and isinstance(answer[4], dict)
    await still_answers(csms)
    assert not csms.actions("BootNotification")[1:]  # no restart happened


async def test_get_configuration_all_and_unknown(csms, start_controller):  # TC_019
    await start_controller()
    cp = csms.charge_points["CP001"]
    everything = await cp.call(call.GetConfiguration())
    keys = {k["key"]: k for k in everything.configuration_key}
    assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
    assert keys["HeartbeatInterval"]["readonly"] is False
    assert "AuthorizationKey" not in keys  # write-only when it exists
    some = await cp.call(call.GetConfiguration(key=["MeterValueSampleInterval", "Nope"]))
    assert [k["key"] for k in some.configuration_key] == ["MeterValueSampleInterval"]
    assert some.unknown_key == ["Nope"]


async def test_change_configuration_statuses(csms, start_controller):  # TC_021, TC_040_1, TC_040_2
    await start_controller()
    cp = csms.charge_points["CP001"]

    async def change(key, value):
        return (await cp.call(call.ChangeConfiguration(key=key, value=value))).status

    assert await change("MeterValueSampleInterval", "15") == "Accepted"
    assert await change("MeterValueSampleInterval", "-1") == "Rejected"
    assert await change("NumberOfConnectors", "4") == "Rejected"
    assert await change("WebSocketPingInterval", "20") == "RebootRequired"
    assert await change("FooBar", "1") == "NotSupported"
    got = await cp.call(call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert got.configuration_key[0]["value"] == "15"


async def test_heartbeat_interval_change_applies_live(csms, start_controller):
    await start_controller()
    cp = csms.charge_points["CP001"]
    await cp.call(call.ChangeConfiguration(key="HeartbeatInterval", value="1"))
    await csms.wait_for(lambda c: len(c.actions("Heartbeat")) >= 2, 6)


async def test_data_transfer_and_clear_cache(csms, start_controller):  # TC_062, TC_061
    await start_controller()
    cp = csms.charge_points["CP001"]
    answer = await cp.call(call.DataTransfer(vendor_id="com.example", message_id="x", data="{}"))
    assert answer.status == "UnknownVendorId"
    answer = await cp.call(call.DataTransfer(vendor_id="OpenChargeController", message_id="x"))
    assert answer.status == "UnknownMessageId"
    assert (await cp.call(call.ClearCache())).status == "Accepted"


async def test_boot_pending_then_accepted(csms, start_controller):  # TC_002
    csms.boot_answer = ("Pending", 1)
    ctl = await start_controller(boot=False)
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) >= 2, 10)
    assert not csms.actions("StatusNotification")  # nothing but boot while Pending
    csms.boot_answer = ("Accepted", 300)
    await csms.wait_for(lambda c: c.actions("StatusNotification"), 10)
    assert (await ctl.status())["ocpp"]["connected"]


async def test_boot_rejected_is_retried_after_the_interval(csms, start_controller):
    csms.boot_answer = ("Rejected", 1)
    await start_controller(boot=False)
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) >= 2, 10)
    assert not csms.actions("StatusNotification")


async def test_malformed_frames_are_security_events_at_most_once_a_minute(csms, start_controller):
    await start_controller()
    for i in range(3):
        await raw_call(csms, "this is not json", "-1")
    await csms.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification") if e["type"] == "InvalidMessages"])
    await asyncio.sleep(0.5)
    assert len([e for e in csms.actions("SecurityEventNotification") if e["type"] == "InvalidMessages"]) == 1
