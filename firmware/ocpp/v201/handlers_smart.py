"""OCPP 2.0.1 smart-charging requests (K01, K08, K09, K10).

A mixin of ChargePoint201: parse, ask firmware.ocpp.v201.smart201, answer.
"""

from __future__ import annotations

from ocpp.routing import after, on
from ocpp.v201 import call_result

from firmware.ocpp.v201.smart201 import profile_to_201


class SmartHandlers:
    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id, charging_profile, **_):
        status = self.adapter.smart.set_profile(evse_id, charging_profile)
        purpose = charging_profile.get("charging_profile_purpose")
        if status == "Accepted" and purpose in ("TxProfile", "TxDefaultProfile"):
            self.adapter.hlc.profile_set(evse_id)  # K15: what an ISO 15118 EV waits for
        return call_result.SetChargingProfile(status=status)

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, charging_profile_id=None, charging_profile_criteria=None, **_):
        return call_result.ClearChargingProfile(
            status=self.adapter.smart.clear(charging_profile_id, charging_profile_criteria))

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, duration, evse_id, charging_rate_unit=None, **_):
        return call_result.GetCompositeSchedule(**self.adapter.smart.composite(evse_id, duration, charging_rate_unit))

    @on("GetChargingProfiles")
    def on_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        return call_result.GetChargingProfiles(
            status="Accepted" if self._profile_reports(request_id, charging_profile, evse_id) else "NoProfiles")

    def _profile_reports(self, request_id, criteria: dict, evse_id) -> list[dict]:
        """ReportChargingProfiles: the CSMS's profiles per EVSE, then the station's external
        constraints per EVSE with their source (K09, TC_K_52)."""
        smart = self.adapter.smart
        found = smart.matching(evse_id, criteria)
        reports = [{"requestId": request_id, "chargingLimitSource": "CSO", "evseId": evse,
                    "chargingProfile": [profile_to_201(p) for p in found if p.connector_id == evse]}
                   for evse in sorted({p.connector_id for p in found})]
        reports += [{"requestId": request_id, "chargingLimitSource": source, "evseId": evse, "chargingProfile": [p]}
                    for source, evse, p in smart.external_constraints(evse_id, criteria)]
        return reports

    @after("GetChargingProfiles")
    def after_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        """Through the outbox (K09.FR.03: tbc on all but the last)."""
        reports = self._profile_reports(request_id, charging_profile, evse_id)
        for n, report in enumerate(reports):
            if n < len(reports) - 1:
                report["tbc"] = True
            self.adapter.outbox.push("ReportChargingProfiles", report, None)
