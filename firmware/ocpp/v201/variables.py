"""The device model's components and variables (OCPP 2.0.1 Part 2, appendix 3: the
standardized components; required ones for the functional blocks we build, and the
hardware we really have), as data: one row per variable.

A row names its component (with the EVSE and connector it belongs to), the variable
(with its instance), the data type, the mutability of its Actual value, the default,
the unit, the values list or bounds, and whether a change needs a reboot. Rows for
every EVSE and connector are made from the board config.
"""

from __future__ import annotations

from dataclasses import dataclass

RO, RW, WO = "ReadOnly", "ReadWrite", "WriteOnly"
MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "Frequency",
              "Power.Factor", "Current.Offered", "Power.Offered", "SoC")
TX_POINTS = ("EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer", "ParkingBayOccupancy", "DataSigned")
VENDOR = "OpenChargeController"  # our vendor component: what only this controller has


@dataclass(frozen=True)
class Variable:
    component: str
    name: str
    data_type: str  # string, decimal, integer, dateTime, boolean, OptionList, SequenceList, MemberList
    default: str
    mutability: str = RW
    instance: str | None = None
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    unit: str | None = None
    values: tuple[str, ...] = ()  # valuesList of OptionList / SequenceList / MemberList
    min: float | None = None
    max: float | None = None
    reboot: bool = False
    required: bool = True

    @property
    def key(self) -> tuple:
        return (self.component, self.component_instance, self.evse, self.connector, self.name, self.instance)


def component_json(row) -> dict:
    """ComponentType of a device model row (reports, events) (the EVSE and connector only when it has them)."""
    component: dict = {"name": row.component}
    if row.component_instance:
        component["instance"] = row.component_instance
    if row.evse is not None:
        component["evse"] = {"id": row.evse, **({"connectorId": row.connector} if row.connector else {})}
    return component


def variable_json(row) -> dict:
    return {"name": row.name, **({"instance": row.instance} if row.instance else {})}


def signed_point(board) -> tuple[str, ...]:
    """DataSigned is a start point only where a meter signs a begin reading at once (hal.meters.models)."""
    from hal.meters.models import BEGIN_SIGNING_MODELS

    return ("DataSigned",) if any(m.model in BEGIN_SIGNING_MODELS for m in board.meters) else ()


def station_variables(board) -> list[Variable]:
    v = Variable
    phases = str(board.phases)
    rows = [
        v("OCPPCommCtrlr", "HeartbeatInterval", "integer", "300", unit="s", min=0, max=86400, required=False),
        v("OCPPCommCtrlr", "MessageTimeout", "integer", "30", instance="Default", unit="s", min=1, max=600),
        v("OCPPCommCtrlr", "MessageAttempts", "integer", "3", instance="TransactionEvent", min=1, max=100),
        v("OCPPCommCtrlr", "MessageAttemptInterval", "integer", "60", instance="TransactionEvent", unit="s",
          min=1, max=3600),
        v("OCPPCommCtrlr", "FileTransferProtocols", "MemberList", "HTTP,HTTPS,FTP,FTPS", RO,
          values=("FTP", "FTPS", "HTTP", "HTTPS")),
        v("OCPPCommCtrlr", "NetworkConfigurationPriority", "SequenceList", "0", values=tuple(str(i) for i in range(8))),
        v("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "integer", "3", min=1, max=100),
        v("OCPPCommCtrlr", "OfflineThreshold", "integer", "60", unit="s", min=0, max=86400),
        v("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue", "OptionList", "OncePerTransaction",
          values=("Never", "OncePerTransaction", "EveryMeterValue")),
        v("OCPPCommCtrlr", "ResetRetries", "integer", "3", min=0, max=10),
        v("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "boolean", "true"),
        v("OCPPCommCtrlr", "WebSocketPingInterval", "integer", "30", unit="s", min=0, max=3600, reboot=True),
        v("TxCtrlr", "EVConnectionTimeOut", "integer", "60", unit="s", min=1, max=3600),
        # Ending the transaction when the EV unplugs is the only behaviour we offer (as in 1.6).
        v("TxCtrlr", "StopTxOnEVSideDisconnect", "boolean", "true", RO),
        v("TxCtrlr", "StopTxOnInvalidId", "boolean", "true"),
        v("TxCtrlr", "MaxEnergyOnInvalidId", "integer", "0", unit="Wh", min=0, max=10**9, required=False),
        v("TxCtrlr", "TxStartPoint", "MemberList", "PowerPathClosed", values=TX_POINTS[:4] + signed_point(board)),
        v("TxCtrlr", "TxStopPoint", "MemberList", "EVConnected,Authorized", values=TX_POINTS[:4]),
        v("AuthCtrlr", "AuthorizeRemoteStart", "boolean", "false"),
        v("AuthCtrlr", "LocalAuthorizeOffline", "boolean", "true"),
        v("AuthCtrlr", "LocalPreAuthorize", "boolean", "false"),
        v("AuthCtrlr", "DisableRemoteAuthorization", "boolean", "false", required=False),
        v("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "boolean", "false", required=False),
        v("AuthCtrlr", "MasterPassGroupId", "string", "", required=False),
        v("ISO15118Ctrlr", "ContractValidationOffline", "boolean", "true", required=False),
        v("ISO15118Ctrlr", "CentralContractValidationAllowed", "boolean", "true", required=False),
        # The SECC certificate's subject (A03, ISO 15118-2 Annex F): CN, O, C; an empty country is left out.
        v("ISO15118Ctrlr", "SeccId", "string", board.serial, required=False),
        v("ISO15118Ctrlr", "OrganizationName", "string", board.vendor, required=False),
        v("ISO15118Ctrlr", "CountryName", "string", "", required=False),
        v("AuthCacheCtrlr", "Enabled", "boolean", "true", required=False),
        v("AuthCacheCtrlr", "LifeTime", "integer", "0", unit="s", min=0, max=10**8, required=False),  # 0: none
        v("LocalAuthListCtrlr", "Enabled", "boolean", "true", required=False),
        v("LocalAuthListCtrlr", "Entries", "integer", "0", RO, max=10_000, required=False),
        v("LocalAuthListCtrlr", "Available", "boolean", "true", RO, required=False),
        v("LocalAuthListCtrlr", "ItemsPerMessage", "integer", "10000", RO, required=False),  # a whole list fits
        v("LocalAuthListCtrlr", "BytesPerMessage", "integer", "4194304", RO, unit="B", required=False),
        v("SmartChargingCtrlr", "Enabled", "boolean", "true", RO, required=False),
        v("SmartChargingCtrlr", "Available", "boolean", "true", RO, required=False),
        v("SmartChargingCtrlr", "Entries", "integer", "0", RO, max=20),
        v("SmartChargingCtrlr", "LimitChangeSignificance", "decimal", "10", unit="Percent", min=0, max=100),
        v("SmartChargingCtrlr", "PeriodsPerSchedule", "integer", "48", RO),
        v("SmartChargingCtrlr", "ProfileStackLevel", "integer", "10", RO),
        v("SmartChargingCtrlr", "RateUnit", "MemberList", "A,W", RO, values=("A", "W")),
        v("SmartChargingCtrlr", "ACPhaseSwitchingSupported", "boolean", "false", RO, required=False),
        v("DisplayMessageCtrlr", "Enabled", "boolean", "true", RO, required=False),
        v("DisplayMessageCtrlr", "Available", "boolean", "true", RO, required=False),
        v("DisplayMessageCtrlr", "DisplayMessages", "integer", "20", RO),
        v("DisplayMessageCtrlr", "SupportedFormats", "MemberList", "ASCII,UTF8", RO, values=("ASCII", "UTF8")),
        v("DisplayMessageCtrlr", "SupportedPriorities", "MemberList", "AlwaysFront,InFront,NormalCycle", RO,
          values=("AlwaysFront", "InFront", "NormalCycle")),
        v("TariffCostCtrlr", "Enabled", "boolean", "true", RO, instance="Tariff", required=False),
        v("TariffCostCtrlr", "Enabled", "boolean", "true", RO, instance="Cost", required=False),
        v("TariffCostCtrlr", "Available", "boolean", "true", RO, instance="Cost", required=False),
        v("TariffCostCtrlr", "Currency", "string", "EUR"),
        v("TariffCostCtrlr", "TotalCostFallbackMessage", "string", "", required=False),
        v("ReservationCtrlr", "Enabled", "boolean", "true", RO, required=False),
        v("ReservationCtrlr", "Available", "boolean", "true", RO, required=False),
        v("ReservationCtrlr", "NonEvseSpecific", "boolean", "true", RO, required=False),
        v("SampledDataCtrlr", "TxStartedMeasurands", "MemberList", "Energy.Active.Import.Register", values=MEASURANDS),
        v("SampledDataCtrlr", "TxUpdatedMeasurands", "MemberList",
          "Energy.Active.Import.Register,Power.Active.Import,Current.Import", values=MEASURANDS),
        v("SampledDataCtrlr", "TxUpdatedInterval", "integer", "60", unit="s", min=0, max=3600),
        v("SampledDataCtrlr", "TxEndedMeasurands", "MemberList", "Energy.Active.Import.Register", values=MEASURANDS),
        v("SampledDataCtrlr", "TxEndedInterval", "integer", "0", unit="s", min=0, max=3600),
        v("SampledDataCtrlr", "SignReadings", "boolean", "false", required=False),
        v("AlignedDataCtrlr", "Interval", "integer", "0", unit="s", min=0, max=86400),
        v("AlignedDataCtrlr", "Measurands", "MemberList", "Energy.Active.Import.Register", values=MEASURANDS),
        v("AlignedDataCtrlr", "TxEndedInterval", "integer", "0", unit="s", min=0, max=86400),
        v("AlignedDataCtrlr", "TxEndedMeasurands", "MemberList", "", values=MEASURANDS),
        v("AlignedDataCtrlr", "SignReadings", "boolean", "false", required=False),
        v("SecurityCtrlr", "SecurityProfile", "integer", "0", RO, min=0, max=3),
        v("SecurityCtrlr", "OrganizationName", "string", board.vendor),
        v("SecurityCtrlr", "CertificateEntries", "integer", "0", RO, max=20),
        v("SecurityCtrlr", "BasicAuthPassword", "string", "", WO, required=False),  # 2.0.1 has no passwordString
        v("SecurityCtrlr", "MaxCertificateChainSize", "integer", "10000", unit="B", min=1000, max=100000,
          required=False),
        v("SecurityCtrlr", "CertSigningWaitMinimum", "integer", "60", unit="s", min=1, max=86400, required=False),
        v("SecurityCtrlr", "CertSigningRepeatTimes", "integer", "3", min=0, max=20, required=False),
        v("SecurityCtrlr", "AdditionalRootCertificateCheck", "boolean", "false", RO, required=False),
        v("ClockCtrlr", "DateTime", "dateTime", "", RO),
        v("ClockCtrlr", "TimeSource", "SequenceList", "Heartbeat", values=("Heartbeat", "NTP", "RealTimeClock")),
        v("ChargingStation", "AvailabilityState", "OptionList", "Available", RO,
          values=("Available", "Occupied", "Reserved", "Unavailable", "Faulted")),
        v("ChargingStation", "Available", "boolean", "true", RO),
        v("ChargingStation", "SupplyPhases", "integer", phases, RO, min=0, max=3),
        v("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "boolean", "false", required=False),
        v("ChargingStation", "Model", "string", board.model, RO, required=False),
        v("ChargingStation", "VendorName", "string", board.vendor, RO, required=False),
        v(VENDOR, "ResumeSessionsAfterPowerLoss", "boolean", "false", required=False),
        v(VENDOR, "AllowChargingWithoutTransaction", "boolean", "false", required=False),
        v(VENDOR, "FailsafeCurrent", "integer", "0", unit="A", min=0, max=80, required=False),
        v(VENDOR, "FirmwareHealthGateSeconds", "integer", "120", unit="s", min=10, max=3600, required=False),
    ]
    for item in ("GetReport", "GetVariables", "SetVariables"):
        rows.append(v("DeviceDataCtrlr", "ItemsPerMessage", "integer", "100", RO, instance=item, min=1))
        rows.append(v("DeviceDataCtrlr", "BytesPerMessage", "integer", "65000", RO, instance=item, min=1))
    rows += [  # N02-N08: SetMonitoringBase and SetMonitoringLevel set the two Active ones
        v("MonitoringCtrlr", "Enabled", "boolean", "true", RO, required=False),
        v("MonitoringCtrlr", "Available", "boolean", "true", RO, required=False),
        v("MonitoringCtrlr", "OfflineQueuingSeverity", "integer", "5", min=0, max=9, required=False),
        v("MonitoringCtrlr", "ActiveMonitoringBase", "OptionList", "All", RO,
          values=("All", "FactoryDefault", "HardWiredOnly"), required=False),
        v("MonitoringCtrlr", "ActiveMonitoringLevel", "integer", "9", RO, min=0, max=9, required=False),
    ]
    for item in ("SetVariableMonitoring", "ClearVariableMonitoring"):
        rows.append(v("MonitoringCtrlr", "ItemsPerMessage", "integer", "20", RO, instance=item, min=1))
        rows.append(v("MonitoringCtrlr", "BytesPerMessage", "integer", "65000", RO, instance=item, min=1))
    from firmware.ocpp.v201.hardware import evse_rows, station_rows  # the hardware's own components

    rows += station_rows()
    for c in board.connectors:
        rows += evse_variables(c, board) + evse_rows(c, board)
    return rows


def evse_variables(c, board) -> list[Variable]:
    """EVSE n and its connector 1 (the bench's connector n, BENCH_API.md)."""
    v = Variable
    state = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
    kind = "cType2" if c.cable == "tethered" else "sType2"
    return [
        v("EVSE", "AvailabilityState", "OptionList", "Available", RO, evse=c.id, values=state),
        v("EVSE", "Available", "boolean", "true", RO, evse=c.id),
        v("EVSE", "Power", "decimal", "0", RO, evse=c.id, unit="W",
          max=c.max_current_a * board.voltage_v * board.phases),
        v("EVSE", "SupplyPhases", "integer", str(board.phases), RO, evse=c.id, min=0, max=3),
        v("Connector", "AvailabilityState", "OptionList", "Available", RO, evse=c.id, connector=1, values=state),
        v("Connector", "Available", "boolean", "true", RO, evse=c.id, connector=1),
        v("Connector", "ConnectorType", "string", kind, RO, evse=c.id, connector=1),
        v("Connector", "SupplyPhases", "integer", str(board.phases), RO, evse=c.id, connector=1, min=0, max=3),
    ]
