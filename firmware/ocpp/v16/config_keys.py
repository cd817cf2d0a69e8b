"""OCPP 1.6 configuration keys (section 9.1, Core profile): one table, checked.

Each key has a type, a default, whether the CSMS may write it, its bounds, and
whether a change only takes effect after a reboot. Values live in the data
directory's SQLite store, so a CSMS's change survives restarts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Measurands our meters deliver (OCPP 1.6 section 7.31).
MEASURANDS = (
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "Frequency",
    "Power.Factor", "Current.Offered", "Power.Offered", "SoC",
)
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
CSL_MAX = 8
INTEGER = re.compile(r"-?[0-9]{1,12}")
LIST_MAX = 10_000  # local authorization list entries, and entries in one SendLocalList


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # "bool" | "int" | "csl"
    default: str
    readonly: bool = False
    lo: int = 0
    hi: int = 86400
    items: tuple[str, ...] = ()  # allowed CSL items
    only: tuple[str, ...] = ()  # allowed values, when narrower than the type
    reboot: bool = False
    hidden: bool = False  # write-only: never in GetConfiguration (AuthorizationKey)
    store_key: str | None = None  # where the value lives, when a runtime setting holds it


def core_keys(connectors: int) -> list[Key]:
    rotation = ",".join(f"{i}.RST" for i in range(connectors + 1))
    return [
        Key("AllowOfflineTxForUnknownId", "bool", "false"),
        Key("AuthorizationCacheEnabled", "bool", "true"),
        Key("AuthorizeRemoteTxRequests", "bool", "false"),
        Key("ClockAlignedDataInterval", "int", "0"),
        Key("ConnectionTimeOut", "int", "60", lo=1, hi=3600),
        Key("ConnectorPhaseRotation", "csl", rotation),
        Key("ConnectorPhaseRotationMaxLength", "int", str(connectors + 1), readonly=True),
        Key("GetConfigurationMaxKeys", "int", "64", readonly=True),
        Key("HeartbeatInterval", "int", "300", lo=0),
        Key("LocalAuthListEnabled", "bool", "true"),
        Key("LocalAuthListMaxLength", "int", str(LIST_MAX), readonly=True),
        Key("LocalAuthorizeOffline", "bool", "true"),
        Key("LocalPreAuthorize", "bool", "false"),
        Key("MeterValuesAlignedData", "csl", "Energy.Active.Import.Register", items=MEASURANDS),
        Key("MeterValuesAlignedDataMaxLength", "int", str(CSL_MAX), readonly=True),
        Key("MeterValuesSampledData", "csl", "Energy.Active.Import.Register,Power.Active.Import,Current.Import",
            items=MEASURANDS),
        Key("MeterValuesSampledDataMaxLength", "int", str(CSL_MAX), readonly=True),
        Key("MaxEnergyOnInvalidId", "int", "0", hi=10**9),
        Key("MeterValueSampleInterval", "int", "60", hi=3600),
        Key("MinimumStatusDuration", "int", "0", hi=3600),
        Key("NumberOfConnectors", "int", str(connectors), readonly=True),
        Key("ResetRetries", "int", "3", hi=10),
        # Ending the transaction when the EV unplugs is the only behaviour we
        # offer: a session left open without an EV bills nobody correctly.
        Key("StopTransactionOnEVSideDisconnect", "bool", "true", only=("true",)),
        Key("StopTransactionOnInvalidId", "bool", "true"),
        Key("StopTxnAlignedData", "csl", "", items=MEASURANDS),
        Key("StopTxnAlignedDataMaxLength", "int", str(CSL_MAX), readonly=True),
        Key("StopTxnSampledData", "csl", "", items=MEASURANDS),
        Key("StopTxnSampledDataMaxLength", "int", str(CSL_MAX), readonly=True),
        Key("SendLocalListMaxLength", "int", str(LIST_MAX), readonly=True),
        Key("SupportedFeatureProfiles", "csl",
            "Core,FirmwareManagement,LocalAuthListManagement,SmartCharging,Reservation,RemoteTrigger",
            readonly=True),
        Key("TransactionMessageAttempts", "int", "3", lo=1, hi=100),
        Key("TransactionMessageRetryInterval", "int", "60", lo=1, hi=3600),
        Key("UnlockConnectorOnEVSideDisconnect", "bool", "true"),
        # Vendor key: a session cut by a crash or power loss goes on after the
        # restart (same transaction) when its EV is still plugged in, instead of
        # ending with reason PowerLoss.
        Key("ResumeSessionsAfterPowerLoss", "bool", "false"),
        # Vendor keys of firmware updates: the plain UpdateFirmware for CSMSs that
        # know no SignedUpdateFirmware, and how long a new release has to be accepted.
        Key("UnsignedFirmwareUpdates", "bool", "false"),
        Key("FirmwareHealthGateSeconds", "int", "120", lo=10, hi=3600),
        # Security Whitepaper ed. 3 keys. SecurityProfile and AuthorizationKey are
        # the runtime settings `evse run` flags set first; validators (security.py)
        # add their rules: raise-only, 16-20 bytes of hex.
        Key("AdditionalRootCertificateCheck", "bool", "false", readonly=True),
        Key("AuthorizationKey", "str", "", hidden=True, store_key="setting.basic_auth_password"),
        Key("CertificateSignedMaxChainSize", "int", "6000", readonly=True),  # schema max 10000; 3-deep chains fit
        Key("CertificateStoreMaxLength", "int", "20", readonly=True),
        Key("CpoName", "str", ""),
        Key("SecurityProfile", "int", "0", hi=3, store_key="setting.security_profile"),
        # Smart Charging profile (section 9.4).
        Key("ChargeProfileMaxStackLevel", "int", "10", readonly=True),
        Key("ChargingScheduleAllowedChargingRateUnit", "csl", "Current,Power", readonly=True),
        Key("ChargingScheduleMaxPeriods", "int", "48", readonly=True),
        Key("MaxChargingProfilesInstalled", "int", "20", readonly=True),
        # Vendor key: amps per connector while the CSMS is unreachable and no
        # schedule is in force (0: none, the board's rating applies).
        Key("FailsafeCurrent", "int", "0", hi=80),
        # Vendor key: a session whose StartTransaction the CSMS refused for good
        # (set aside after TransactionMessageAttempts) may go on charging for
        # free. Off: no energy flows that the CSMS cannot bill.
        Key("AllowChargingWithoutTransaction", "bool", "false"),
        # Reservation profile (section 9.3).
        Key("ReserveConnectorZeroSupported", "bool", "true", readonly=True),
        # The websocket's ping interval is fixed when the connection opens.
        Key("WebSocketPingInterval", "int", "30", hi=3600, reboot=True),
    ]


def signing_keys(signing: tuple[int, ...]) -> list[Key]:
    """MeterPublicKey<n> (OCA's 1.6 signed-meter-values note, SAFE e.V. OCMF): each signing meter's
    key as hex DER, kept by the metering (firmware.metering) once the meter has shown it."""
    return [Key(f"MeterPublicKey{cid}", "str", "", readonly=True, store_key=f"meter.public_key.{cid}")
            for cid in signing]


class ConfigKeys:
    def __init__(self, store, connectors: int, signing: tuple[int, ...] = ()):
        """`signing`: the connectors whose meter signs its readings."""
        self._store = store
        self.keys = {k.name: k for k in core_keys(connectors) + signing_keys(signing)}
        self.listeners: list = []  # callables (name, value) after a change
        self.validators: dict = {}  # name -> callable(value) -> bool, beyond the type checks

    def get(self, name: str) -> str:
        key = self.keys[name]
        if key.readonly and key.store_key is None:
            return key.default
        value = self._store.get(key.store_key or f"ocpp16.{name}", None)
        return key.default if value is None else str(value)

    def visible(self) -> list[str]:
        return [name for name, key in self.keys.items() if not key.hidden]

    def get_int(self, name: str) -> int:
        return int(self.get(name))

    def get_bool(self, name: str) -> bool:
        return self.get(name) == "true"

    def get_csl(self, name: str) -> list[str]:
        return [item for item in self.get(name).split(",") if item]

    def change(self, name: str, value: str) -> str:
        """ChangeConfiguration: 'Accepted', 'Rejected', 'RebootRequired' or 'NotSupported'."""
        key = self.keys.get(name)
        if key is None:
            return "NotSupported"
        if key.readonly:
            return "Rejected"
        canonical = self._check(key, value)
        if canonical is None or not self.validators.get(name, lambda v: True)(canonical):
            return "Rejected"
        self._store.put(key.store_key or f"ocpp16.{name}", canonical)
        for listener in self.listeners:
            listener(name, canonical)
        return "RebootRequired" if key.reboot else "Accepted"

    def set_internal(self, name: str, value: str) -> None:
        """A value the controller itself learnt (e.g. HeartbeatInterval from boot)."""
        key = self.keys[name]
        self._store.put(key.store_key or f"ocpp16.{name}", value)

    def _check(self, key: Key, value: str) -> str | None:
        if key.kind == "int":  # an integer is digits, nothing around them (OCPP 1.6 9.1: "integer")
            ok = INTEGER.fullmatch(value) is not None and key.lo <= int(value) <= key.hi
            value = str(int(value)) if ok else value
            return value if ok and (not key.only or value in key.only) else None
        value = value.strip()
        if key.kind == "bool":
            value = value.lower()
            ok = value in ("true", "false")
        elif key.kind == "str":
            ok = len(value) <= 500
        else:
            ok = self._check_csl(key, value)
        if ok and key.only and value not in key.only:
            ok = False
        return value if ok else None

    def _check_csl(self, key: Key, value: str) -> bool:
        items = [item.strip() for item in value.split(",") if item.strip()]
        if len(items) > CSL_MAX:
            return False
        if key.name == "ConnectorPhaseRotation":
            return all(_rotation_ok(item) for item in items)
        return all(item in key.items for item in items)


def _rotation_ok(item: str) -> bool:
    cid, _, rotation = item.partition(".")
    return cid.isdigit() and rotation in PHASE_ROTATIONS
