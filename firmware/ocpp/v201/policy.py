"""The neutral Policy (firmware/policy.py) over the OCPP 2.0.1 device model."""

from __future__ import annotations

from firmware.ocpp.v201.variables import VENDOR


class Policy201:
    def __init__(self, model):
        self._model = model

    def _bool(self, component: str, name: str, instance: str | None = None) -> bool:
        return self._model.read(component, name, instance) == "true"

    def _int(self, component: str, name: str, instance: str | None = None) -> int:
        return int(self._model.read(component, name, instance))

    def _list(self, component: str, name: str) -> list[str]:
        return [item for item in self._model.read(component, name).split(",") if item]

    def local_list_enabled(self) -> bool:
        return self._bool("LocalAuthListCtrlr", "Enabled")

    def cache_enabled(self) -> bool:
        return self._bool("AuthCacheCtrlr", "Enabled")

    def local_pre_authorize(self) -> bool:
        return self._bool("AuthCtrlr", "LocalPreAuthorize")

    def local_authorize_offline(self) -> bool:
        return self._bool("AuthCtrlr", "LocalAuthorizeOffline")

    def offline_tx_for_unknown_id(self) -> bool:
        return self._bool("AuthCtrlr", "OfflineTxForUnknownIdEnabled")

    def authorize_remote_start(self) -> bool:
        return self._bool("AuthCtrlr", "AuthorizeRemoteStart")

    def remote_authorization_disabled(self) -> bool:
        return self._bool("AuthCtrlr", "DisableRemoteAuthorization")

    def firmware_allows_new_sessions(self) -> bool:
        return self._bool("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate")

    def unlock_on_ev_side_disconnect(self) -> bool:
        return self._bool("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")

    def cache_lifetime_s(self) -> int | None:
        return self._int("AuthCacheCtrlr", "LifeTime") or None

    def master_pass_group(self) -> str | None:
        return self._model.read("AuthCtrlr", "MasterPassGroupId") or None

    def local_list_max_length(self) -> int:
        return int(self._model.variables[("LocalAuthListCtrlr", None, None, None, "Entries", None)].max)

    def stop_on_invalid_id(self) -> bool:
        return self._bool("TxCtrlr", "StopTxOnInvalidId")

    def max_energy_on_invalid_id_wh(self) -> int:
        return self._int("TxCtrlr", "MaxEnergyOnInvalidId")

    def stop_on_ev_side_disconnect(self) -> bool:
        return self._bool("TxCtrlr", "StopTxOnEVSideDisconnect")

    def connection_timeout_s(self) -> int:
        return self._int("TxCtrlr", "EVConnectionTimeOut")

    def resume_sessions_after_power_loss(self) -> bool:
        return self._bool(VENDOR, "ResumeSessionsAfterPowerLoss")

    def charge_without_transaction(self) -> bool:
        return self._bool(VENDOR, "AllowChargingWithoutTransaction")

    def message_attempts(self) -> int:
        return self._int("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent")

    def message_retry_interval_s(self) -> int:
        return self._int("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")

    def sample_interval_s(self) -> int:
        return self._int("SampledDataCtrlr", "TxUpdatedInterval")

    def sampled_measurands(self) -> list[str]:
        return self._list("SampledDataCtrlr", "TxUpdatedMeasurands")

    def aligned_interval_s(self) -> int:
        return self._int("AlignedDataCtrlr", "Interval")

    def aligned_measurands(self) -> list[str]:
        return self._list("AlignedDataCtrlr", "Measurands")

    def failsafe_current_a(self) -> int:
        return self._int(VENDOR, "FailsafeCurrent")

    def firmware_health_gate_s(self) -> int:
        return self._int(VENDOR, "FirmwareHealthGateSeconds")

    def contract_validation_offline(self) -> bool:
        return self._bool("ISO15118Ctrlr", "ContractValidationOffline")

    def central_contract_validation_allowed(self) -> bool:
        return self._bool("ISO15118Ctrlr", "CentralContractValidationAllowed")

    def certificate_store_max_length(self) -> int:
        return int(self._model.variables[("SecurityCtrlr", None, None, None, "CertificateEntries", None)].max)

    def phase_rotation(self, cid: int) -> tuple[int, ...]:
        return (0, 1, 2)  # EVSE PhaseRotation comes with 2.0.1 smart charging

    def profile_limits(self) -> dict:
        return {"max_stack": 10, "max_periods": 48, "max_installed": 20, "units": {"A", "W"}}
