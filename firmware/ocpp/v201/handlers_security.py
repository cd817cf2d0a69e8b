"""OCPP 2.0.1 requests about security: certificates (A02, A03, M03-M05) and network profiles (B09, A05).

A mixin of ChargePoint201: parse, ask firmware.ocpp.v201.security, answer.
"""

from __future__ import annotations

from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v201 import call_result

from firmware.ocpp.v201.security import ROOTS, V2G_CHAIN


class SecurityHandlers:
    @on("InstallCertificate")
    def on_install_certificate(self, certificate_type, certificate, **_):
        return call_result.InstallCertificate(status=self.adapter.security.install_201(certificate_type, certificate))

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, certificate_type=None, **_):
        asked = [t for t in certificate_type if t in ROOTS or t == V2G_CHAIN] if certificate_type else None
        found = self.adapter.security.installed_201(asked) if asked is None or asked else []
        if not found:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data_chain=found)

    @on("DeleteCertificate")
    def on_delete_certificate(self, certificate_hash_data, **_):
        return call_result.DeleteCertificate(status=self.adapter.security.delete(certificate_hash_data))

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain, certificate_type=None, **_):
        # No type: "used for both the 15118 connection (if implemented) and the CSMS connection" (A02, A03).
        return call_result.CertificateSigned(status=self.adapter.security.signed_201(certificate_chain,
                                                                                     certificate_type))

    @on("SetNetworkProfile")
    def on_set_network_profile(self, configuration_slot, connection_data, **_):
        data = snake_to_camel_case(connection_data)
        return call_result.SetNetworkProfile(
            status=self.adapter.security.set_network_profile(configuration_slot, data))
