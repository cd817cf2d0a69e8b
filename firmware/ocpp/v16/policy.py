"""The neutral Policy (firmware/policy.py) over OCPP 1.6 configuration keys (section 9.1)."""

from __future__ import annotations

from firmware.ocpp.v16.config_keys import ConfigKeys

RATE_UNITS = {"Current": "A", "Power": "W"}  # ChargingScheduleAllowedChargingRateUnit items


class Policy16:
    def __init__(self, keys: ConfigKeys):
        self._keys = keys

    def local_list_enabled(self) -> bool:
        return self._keys.get_bool("LocalAuthListEnabled")

    def cache_enabled(self) -> bool:
        return self._keys.get_bool("AuthorizationCacheEnabled")

    def local_pre_authorize(self) -> bool:
        return self._keys.get_bool("LocalPreAuthorize")

    def local_authorize_offline(self) -> bool:
        return self._keys.get_bool("LocalAuthorizeOffline")

    def offline_tx_for_unknown_id(self) -> bool:
        return self._keys.get_bool("AllowOfflineTxForUnknownId")

    def authorize_remote_start(self) -> bool:
        return self._keys.get_bool("AuthorizeRemoteTxRequests")

    def local_list_max_length(self) -> int:
        return self._keys.get_int("LocalAuthListMaxLength")

    def remote_authorization_disabled(self) -> bool:
        return False  # OCPP 1.6 always asks the CSMS about an unknown tag when online

    def firmware_allows_new_sessions(self) -> bool:
        return False  # 1.6: connectors not in use are made Unavailable while an update waits

    def unlock_on_ev_side_disconnect(self) -> bool:
        return self._keys.get_bool("UnlockConnectorOnEVSideDisconnect")

    def cache_lifetime_s(self) -> int | None:
        return None  # OCPP 1.6 keeps cache entries until the cache is full

    def master_pass_group(self) -> str | None:
        return None  # OCPP 1.6 has no master pass

    def stop_on_invalid_id(self) -> bool:
        return self._keys.get_bool("StopTransactionOnInvalidId")

    def max_energy_on_invalid_id_wh(self) -> int:
        return self._keys.get_int("MaxEnergyOnInvalidId")

    def stop_on_ev_side_disconnect(self) -> bool:
        return self._keys.get_bool("StopTransactionOnEVSideDisconnect")

    def connection_timeout_s(self) -> int:
        return self._keys.get_int("ConnectionTimeOut")

    def resume_sessions_after_power_loss(self) -> bool:
        return self._keys.get_bool("ResumeSessionsAfterPowerLoss")

    def charge_without_transaction(self) -> bool:
        return self._keys.get_bool("AllowChargingWithoutTransaction")

    def message_attempts(self) -> int:
        return self._keys.get_int("TransactionMessageAttempts")

    def message_retry_interval_s(self) -> int:
        return self._keys.get_int("TransactionMessageRetryInterval")

    def sample_interval_s(self) -> int:
        return self._keys.get_int("MeterValueSampleInterval")

    def sampled_measurands(self) -> list[str]:
        return self._keys.get_csl("MeterValuesSampledData")

    def aligned_interval_s(self) -> int:
        return self._keys.get_int("ClockAlignedDataInterval")

    def aligned_measurands(self) -> list[str]:
        return self._keys.get_csl("MeterValuesAlignedData")

    def failsafe_current_a(self) -> int:
        return self._keys.get_int("FailsafeCurrent")

    def firmware_health_gate_s(self) -> int:
        return self._keys.get_int("FirmwareHealthGateSeconds")

    def contract_validation_offline(self) -> bool:
        return False  # OCPP 1.6 has no contracts: an eMAID is an idTag, decided like a card

    def central_contract_validation_allowed(self) -> bool:
        return True

    def certificate_store_max_length(self) -> int:
        return self._keys.get_int("CertificateStoreMaxLength")

    def phase_rotation(self, cid: int) -> tuple[int, ...]:
        """ConnectorPhaseRotation (OCPP 1.6 9.1.7): "STR" puts the connector's L1 on grid L2 (S), and so on."""
        for item in self._keys.get_csl("ConnectorPhaseRotation"):
            number, _, rotation = item.partition(".")
            if number == str(cid) and len(rotation) == 3 and set(rotation) == set("RST"):
                return tuple("RST".index(p) for p in rotation)
        return (0, 1, 2)

    def profile_limits(self) -> dict:
        return {"max_stack": self._keys.get_int("ChargeProfileMaxStackLevel"),
                "max_periods": self._keys.get_int("ChargingScheduleMaxPeriods"),
                "max_installed": self._keys.get_int("MaxChargingProfilesInstalled"),
                "units": {RATE_UNITS[u] for u in self._keys.get_csl("ChargingScheduleAllowedChargingRateUnit")
                          if u in RATE_UNITS}}
