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
        return call_result.SetChargingProfile(status=self.adapter.smart.set_profile(evse_id, charging_profile))

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, charging_profile_id=None, charging_profile_criteria=None, **_):
        return call_result.ClearChargingProfile(
            status=self.adapter.smart.clear(charging_profile_id, charging_profile_criteria))

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, duration, evse_id, charging_rate_unit=None, **_):
        return call_result.GetCompositeSchedule(**self.adapter.smart.composite(evse_id, duration, charging_rate_unit))

    @on("GetChargingProfiles")
    def on_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        found = self.adapter.smart.matching(evse_id, charging_profile)
        return call_result.GetChargingProfiles(status="Accepted" if found else "NoProfiles")

    @after("GetChargingProfiles")
    def after_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        """ReportChargingProfiles, one per EVSE, through the outbox (K09.FR.03: tbc on all but the last)."""
        found = self.adapter.smart.matching(evse_id, charging_profile)
        evses = sorted({p.connector_id for p in found})
        for n, evse in enumerate(evses):
            report = {"requestId": request_id, "chargingLimitSource": "CSO", "evseId": evse,
                      "chargingProfile": [profile_to_201(p) for p in found if p.connector_id == evse]}
            if n < len(evses) - 1:
                report["tbc"] = True
            self.adapter.outbox.push("ReportChargingProfiles", report, None)
