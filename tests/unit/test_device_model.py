"""The OCPP 2.0.1 device model: every GetVariables/SetVariables status, persistence, schema-valid reports."""

import json
from pathlib import Path

import pytest
from ocpp.messages import MessageType, get_validator

from firmware.config import load_board
from firmware.ocpp.v201.device_model import DeviceModel, check
from firmware.ocpp.v201.policy import Policy201
from firmware.ocpp.v201.variables import Variable
from firmware.store import Store

ROOT = Path(__file__).resolve().parents[2]
BOARD = load_board(ROOT / "board-configs" / "bench.toml")


@pytest.fixture
def model(tmp_path):
    store = Store(tmp_path)
    yield DeviceModel(store, BOARD, live={("ClockCtrlr", "DateTime"): lambda v: "2026-11-30T12:00:00Z"})
    store.close()


def c(name, evse=None, connector=None, instance=None):
    component = {"name": name}
    if instance:
        component["instance"] = instance
    if evse is not None:
        component["evse"] = {"id": evse, **({"connector_id": connector} if connector else {})}
    return component


@pytest.mark.parametrize("component, variable, value, status", [
    (c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, "90", "Accepted"),
    (c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, " 90", "Rejected"),
    (c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, "0", "Rejected"),  # below its minLimit
    (c("TxCtrlr"), {"name": "TxStartPoint"}, "EVConnected,Authorized", "Accepted"),
    (c("TxCtrlr"), {"name": "TxStartPoint"}, "Sometime", "Rejected"),
    (c("AuthCtrlr"), {"name": "LocalPreAuthorize"}, "yes", "Rejected"),
    (c("OCPPCommCtrlr"), {"name": "MessageAttempts", "instance": "TransactionEvent"}, "5", "Accepted"),
    (c("OCPPCommCtrlr"), {"name": "MessageAttempts"}, "5", "UnknownVariable"),  # the instance is part of the name
    (c("OCPPCommCtrlr"), {"name": "WebSocketPingInterval"}, "20", "RebootRequired"),
    (c("SecurityCtrlr"), {"name": "SecurityProfile"}, "3", "Rejected"),  # only through the security use cases
    (c("CoffeeCtrlr"), {"name": "Strength"}, "9", "UnknownComponent"),
    (c("TxCtrlr"), {"name": "Nope"}, "1", "UnknownVariable"),
    (c("EVSE", evse=1), {"name": "AvailabilityState"}, "Faulted", "Rejected"),
    (c("EVSE", evse=9), {"name": "AvailabilityState"}, "Faulted", "UnknownComponent"),
])
def test_set_variables_statuses(model, component, variable, value, status):
    assert model.set(component, variable, value) == status


def test_target_and_limits_are_not_supported_attribute_types(model):
    assert model.set(c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, "90", "Target") == "NotSupportedAttributeType"
    assert model.get(c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, "MaxSet") == ("NotSupportedAttributeType", None)


def test_get_variables_reads_stored_live_and_default_values_and_never_a_password(model):
    model.set(c("SampledDataCtrlr"), {"name": "TxUpdatedInterval"}, "15")
    assert model.get(c("SampledDataCtrlr"), {"name": "TxUpdatedInterval"}) == ("Accepted", "15")
    assert model.get(c("ClockCtrlr"), {"name": "DateTime"}) == ("Accepted", "2026-11-30T12:00:00Z")
    assert model.get(c("Connector", evse=2, connector=1), {"name": "ConnectorType"}) == ("Accepted", "sType2")
    model.set(c("SecurityCtrlr"), {"name": "BasicAuthPassword"}, "a-secret-of-16+chars")
    assert model.get(c("SecurityCtrlr"), {"name": "BasicAuthPassword"}) == ("Rejected", None)


def test_values_persist_across_a_restart(tmp_path):
    store = Store(tmp_path)
    DeviceModel(store, BOARD).set(c("AuthCtrlr"), {"name": "LocalPreAuthorize"}, "true")
    store.close()
    store = Store(tmp_path)
    assert DeviceModel(store, BOARD).get(c("AuthCtrlr"), {"name": "LocalPreAuthorize"}) == ("Accepted", "true")
    store.close()


@pytest.mark.parametrize("base", ["ConfigurationInventory", "FullInventory", "SummaryInventory"])
def test_every_report_is_valid_notify_report_data(model, base):
    items = model.report(base)
    assert items
    validator = get_validator(MessageType.Call, "NotifyReport", "2.0.1")
    validator.validate({"requestId": 1, "generatedAt": "2026-11-30T12:00:00Z", "seqNo": 0, "tbc": False,
                        "reportData": items})
    names = {(i["component"]["name"], i["variable"]["name"]) for i in items}
    if base == "FullInventory":
        assert ("TxCtrlr", "TxStartPoint") in names and ("Connector", "ConnectorType") in names
    if base == "ConfigurationInventory":
        assert all(i["variableAttribute"][0]["mutability"] != "ReadOnly" for i in items)
    if base == "SummaryInventory":
        assert {n for _, n in names} <= {"AvailabilityState", "Available", "Problem"}


def test_the_required_variables_of_the_built_blocks_are_there(model):
    required = {("OCPPCommCtrlr", "MessageAttempts"), ("OCPPCommCtrlr", "MessageAttemptInterval"),
                ("OCPPCommCtrlr", "NetworkConfigurationPriority"), ("OCPPCommCtrlr", "OfflineThreshold"),
                ("TxCtrlr", "EVConnectionTimeOut"), ("TxCtrlr", "StopTxOnEVSideDisconnect"),
                ("TxCtrlr", "TxStartPoint"), ("TxCtrlr", "TxStopPoint"), ("TxCtrlr", "StopTxOnInvalidId"),
                ("AuthCtrlr", "AuthorizeRemoteStart"), ("AuthCtrlr", "LocalAuthorizeOffline"),
                ("AuthCtrlr", "LocalPreAuthorize"), ("SampledDataCtrlr", "TxUpdatedInterval"),
                ("SampledDataCtrlr", "TxEndedMeasurands"), ("AlignedDataCtrlr", "Interval"),
                ("DeviceDataCtrlr", "ItemsPerMessage"), ("SecurityCtrlr", "SecurityProfile"),
                ("ClockCtrlr", "DateTime"), ("ChargingStation", "AvailabilityState"), ("EVSE", "Power"),
                ("Connector", "ConnectorType")}
    present = {(v.component, v.name) for v in model.variables.values()}
    assert required <= present
    assert len([v for v in model.variables.values() if v.component == "EVSE" and v.name == "Power"]) == 2


def test_the_2_0_1_policy_answers_every_question_and_follows_set_variables(model):
    from firmware.policy import Policy

    policy = Policy201(model)
    asked = [name for name in vars(Policy) if not name.startswith("_")]
    answers = {name: getattr(policy, name)(*([1] if name == "phase_rotation" else [])) for name in asked}
    assert answers["connection_timeout_s"] == 60 and answers["message_attempts"] == 3
    model.set(c("TxCtrlr"), {"name": "EVConnectionTimeOut"}, "120")
    model.set(c("SampledDataCtrlr"), {"name": "TxUpdatedMeasurands"}, "Current.Offered,Voltage")
    assert policy.connection_timeout_s() == 120 and policy.sampled_measurands() == ["Current.Offered", "Voltage"]


@pytest.mark.parametrize("data_type, value, ok", [
    ("decimal", "NaN", False), ("decimal", "1e999", False), ("decimal", "3.5", True),
    ("dateTime", "tomorrow", False), ("dateTime", "2026-11-30T12:00:00Z", True),
    ("SequenceList", "1,1", False), ("MemberList", "", True), ("string", "x" * 1001, False),
])
def test_value_checks_by_data_type(data_type, value, ok):
    row = Variable("X", "Y", data_type, "", values=("1", "2"))
    assert (check(row, value) is not None) == ok


def test_the_policy_changes_the_app_follows_name_real_variables(model):
    from firmware.ocpp.protocols import NEUTRAL_201

    present = {(v.component, v.name) for v in model.variables.values()}
    assert set(NEUTRAL_201) <= present


def reported(items):
    return sorted((i["component"]["name"], i["component"].get("evse", {}).get("id"),
                   i["component"].get("evse", {}).get("connectorId"), i["variable"]["name"],
                   i["variable"].get("instance")) for i in items)


def test_custom_report_by_component_and_variable(model):  # TC_B_17, TC_B_54, TC_B_55, TC_B_56
    pair = [{"component": c("EVSE", evse=2), "variable": {"name": "AvailabilityState"}}]
    assert reported(model.custom_report(None, pair)) == [("EVSE", 2, None, "AvailabilityState", None)]
    no_evse = [{"component": c("EVSE"), "variable": {"name": "AvailabilityState"}}]  # every EVSE
    assert reported(model.custom_report(None, no_evse)) == [("EVSE", 1, None, "AvailabilityState", None),
                                                             ("EVSE", 2, None, "AvailabilityState", None)]
    no_instance = [{"component": c("OCPPCommCtrlr"), "variable": {"name": "MessageAttempts"}}]
    with_instance = [{"component": c("OCPPCommCtrlr"),
                      "variable": {"name": "MessageAttempts", "instance": "TransactionEvent"}}]
    assert reported(model.custom_report(None, no_instance)) == reported(model.custom_report(None, with_instance))
    assert model.custom_report(None, [{"component": c("Nope")}]) == []  # answered EmptyResultSet


def test_custom_report_by_criteria(model):  # TC_B_16, TC_B_18, TC_B_19
    enabled = reported(model.custom_report(["Enabled"], None))
    assert {r[0] for r in enabled} == {"AuthCacheCtrlr", "DisplayMessageCtrlr", "LocalAuthListCtrlr", "MonitoringCtrlr",
                                       "ReservationCtrlr", "SmartChargingCtrlr",
                                       "TokenReader"}  # Enabled true
    both = model.custom_report(["Enabled"], [{"component": c("AuthCacheCtrlr")}, {"component": c("TxCtrlr")}])
    assert {r[0] for r in reported(both)} == {"AuthCacheCtrlr"}  # TxCtrlr has no Enabled: not kept
    assert model.set(c("AuthCacheCtrlr"), {"name": "Enabled"}, "false") == "Accepted"
    assert {r[0] for r in reported(model.custom_report(["Enabled"], None))} == {
        "DisplayMessageCtrlr", "LocalAuthListCtrlr", "MonitoringCtrlr", "ReservationCtrlr", "SmartChargingCtrlr",
        "TokenReader"}
    available = {(r[0], r[1]) for r in reported(model.custom_report(["Available"], None))}
    assert ("EVSE", 1) in available and ("ChargingStation", None) in available


def test_report_parts_keep_both_limits(model):  # B07: ItemsPerMessage and BytesPerMessage
    from firmware.ocpp.v201.report_parts import REPORT_OVERHEAD, report_parts

    items = model.report("FullInventory")
    by_count = report_parts(items, 10, 10**9)
    assert [i for part in by_count for i in part] == items and max(len(p) for p in by_count) == 10
    by_size = report_parts(items, 10**6, 2000)
    assert [i for part in by_size for i in part] == items
    assert all(REPORT_OVERHEAD + sum(len(json.dumps(i, separators=(",", ":"))) + 1 for i in p) <= 2000
               for p in by_size if len(p) > 1)
    assert report_parts([], 10, 100) == [[]]
