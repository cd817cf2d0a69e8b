"""OCPP 1.6 Core configuration keys: types, ranges, read-only, reboot, persistence."""

import pytest

from firmware.ocpp.v16.config_keys import ConfigKeys
from firmware.store import Store

CORE_KEYS = {
    "AllowOfflineTxForUnknownId", "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests",
    "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation", "ConnectorPhaseRotationMaxLength",
    "GetConfigurationMaxKeys", "HeartbeatInterval", "LocalAuthorizeOffline", "LocalPreAuthorize",
    "MeterValuesAlignedData", "MeterValuesAlignedDataMaxLength", "MeterValuesSampledData",
    "MeterValuesSampledDataMaxLength", "MeterValueSampleInterval", "MinimumStatusDuration", "NumberOfConnectors",
    "ResetRetries", "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId", "StopTxnAlignedData",
    "StopTxnAlignedDataMaxLength", "StopTxnSampledData", "StopTxnSampledDataMaxLength", "SupportedFeatureProfiles",
    "TransactionMessageAttempts", "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
    "WebSocketPingInterval",
}


@pytest.fixture
def keys(tmp_path):
    store = Store(tmp_path)
    yield ConfigKeys(store, connectors=2)
    store.close()


def test_every_core_key_is_there(keys):
    assert CORE_KEYS <= set(keys.keys)
    assert keys.get("NumberOfConnectors") == "2"


@pytest.mark.parametrize(
    "key, value, status",
    [
        ("HeartbeatInterval", "60", "Accepted"),
        ("HeartbeatInterval", "-5", "Rejected"),
        ("HeartbeatInterval", "sixty", "Rejected"),
        ("MeterValueSampleInterval", "3601", "Rejected"),
        ("ConnectionTimeOut", "0", "Rejected"),
        ("AuthorizeRemoteTxRequests", "TRUE", "Accepted"),
        ("AuthorizeRemoteTxRequests", "yes", "Rejected"),
        ("NumberOfConnectors", "3", "Rejected"),
        ("SupportedFeatureProfiles", "Core,SmartCharging", "Rejected"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Voltage", "Accepted"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Banana", "Rejected"),
        ("MeterValuesSampledData", ",".join(["Voltage"] * 9), "Rejected"),
        ("ConnectorPhaseRotation", "0.RST,1.RTS,2.Unknown", "Accepted"),
        ("ConnectorPhaseRotation", "1.XYZ", "Rejected"),
        ("StopTransactionOnEVSideDisconnect", "false", "Rejected"),
        ("WebSocketPingInterval", "10", "RebootRequired"),
        ("NoSuchKey", "1", "NotSupported"),
    ],
)
def test_change_answers(keys, key, value, status):
    assert keys.change(key, value) == status


def test_accepted_values_are_canonical_and_persist(tmp_path):
    store = Store(tmp_path)
    keys = ConfigKeys(store, 1)
    assert keys.change("AuthorizeRemoteTxRequests", "True") == "Accepted"
    assert keys.change("HeartbeatInterval", "0060") == "Accepted"
    store.close()
    again = ConfigKeys(Store(tmp_path), 1)
    assert again.get("AuthorizeRemoteTxRequests") == "true" and again.get_bool("AuthorizeRemoteTxRequests")
    assert again.get_int("HeartbeatInterval") == 60


def test_rejected_values_change_nothing(keys):
    before = keys.get("MeterValueSampleInterval")
    keys.change("MeterValueSampleInterval", "forever")
    assert keys.get("MeterValueSampleInterval") == before


def test_listeners_hear_accepted_changes_only(keys):
    heard = []
    keys.listeners.append(lambda k, v: heard.append((k, v)))
    keys.change("ConnectionTimeOut", "30")
    keys.change("ConnectionTimeOut", "0")
    assert heard == [("ConnectionTimeOut", "30")]
