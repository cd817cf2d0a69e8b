"""OCPP 2.0.1 security (A), certificates (M) and network profiles (B09, B10) with `evse run` as a process."""

import asyncio

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from ocpp.v201 import call

from controller import ControllerProcess
from firmware.bench.csms201 import BenchCsms201
from firmware.security.pki import hash_data
from pki import CA, pem, server_context, write

PASSWORD = "a-password-of-24-letters"
NEW_PASSWORD = "another-password-of-32-letters!!"


@pytest.fixture
def root():
    return CA("CSMS Root")


def profile(url: str, security: int) -> dict:
    return {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url, "messageTimeout": 30,
            "securityProfile": security, "ocppInterface": "Wired0"}


def set_var(component: str, name: str, value: str) -> call.SetVariables:
    return call.SetVariables(set_variable_data=[{"component": {"name": component}, "variable": {"name": name},
                                                 "attributeValue": value}])


async def statuses_of(cp, *requests) -> list[str]:
    answers = [await cp.call(r) for r in requests]
    return [a.set_variable_result[0]["attribute_status"] if hasattr(a, "set_variable_result") else a.status
            for a in answers]


async def test_certificates_and_the_raise_to_profile_3(tmp_path, root):  # TC_A_04, TC_A_11, TC_A_20-22, TC_M_*
    csms = BenchCsms201(ssl=server_context(tmp_path, *root.server(), client_ca=root),
                        passwords={"CP001": PASSWORD})
    await csms.start()
    ctl = ControllerProcess(csms.url, tmp_path / "data", ocpp_version="2.0.1", extra=(
        "--security-profile", "2", "--basic-auth-password", PASSWORD,
        "--ca-file", str(write(tmp_path, "root.pem", pem(root.cert)))))
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001", 15)
        assert csms.tls_versions["CP001"] in ("TLSv1.2", "TLSv1.3") and not csms.peer_certs["CP001"]
        install = call.InstallCertificate(certificate_type="CSMSRootCertificate", certificate=pem(root.cert))
        not_a_ca = call.InstallCertificate(certificate_type="V2GRootCertificate",
                                           certificate=pem(root.client("X")[0]))
        assert await statuses_of(cp, install, not_a_ca) == ["Accepted", "Rejected"]  # TC_M_01, TC_M_07
        ids = await cp.call(call.GetInstalledCertificateIds(certificate_type=["CSMSRootCertificate"]))
        assert ids.status == "Accepted" and [c["certificate_type"] for c in ids.certificate_hash_data_chain] == [
            "CSMSRootCertificate"]
        assert ids.certificate_hash_data_chain[0]["certificate_hash_data"]["serial_number"] == format(
            root.cert.serial_number, "x")
        none = await cp.call(call.GetInstalledCertificateIds(certificate_type=["ManufacturerRootCertificate"]))
        assert none.status == "NotFound"
        slot1 = call.SetNetworkProfile(configuration_slot=1, connection_data=profile(csms.url, 3))
        assert (await cp.call(slot1)).status == "Rejected"  # TC_A_21: no station certificate yet
        await cp.call(set_var("SecurityCtrlr", "OrganizationName", "ACME CPO"))
        trigger = await cp.call(call.TriggerMessage(requested_message="SignChargingStationCertificate"))
        assert trigger.status == "Accepted"
        csr_pem = (await csms.wait_for(lambda c: c.csrs))[0]
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "ACME CPO"
        ours = root.sign_csr(csr_pem)
        signed = await cp.call(call.CertificateSigned(certificate_chain=pem(ours),
                                                      certificate_type="ChargingStationCertificate"))
        assert signed.status == "Accepted"  # TC_A_11
        own = await cp.call(call.DeleteCertificate(certificate_hash_data=hash_data(ours)))
        assert own.status == "Failed"  # TC_M_23: our own certificate is never deleted
        down = call.SetNetworkProfile(configuration_slot=2, connection_data=profile(csms.url, 1))
        assert (await cp.call(down)).status == "Rejected"  # TC_A_22: below the profile in use
        up = call.SetNetworkProfile(configuration_slot=1, connection_data=profile(csms.url, 3))
        priority = set_var("OCPPCommCtrlr", "NetworkConfigurationPriority", "1,0")
        assert await statuses_of(cp, up, priority) == ["Accepted", "Accepted"]  # TC_A_20
        assert (await cp.call(call.Reset(type="Immediate"))).status == "Accepted"

        def shows_our_certificate(c):
            peer = c.peer_certs.get("CP001") or {}
            return ((("commonName", "BENCH-0001"),),) == peer.get("subject", ())[:1] and c.charge_points.get("CP001")
        await csms.wait_for(shows_our_certificate, 30)  # back with mutual TLS and the new certificate
        await ctl.wait_api()
        assert (await ctl.status())["ocpp"]["security_profile"] == 3
        assert (ctl.data_dir / "certs" / "cp.pem").exists()  # promoted once it worked
        cp = csms.charge_points["CP001"]
        got = await cp.call(call.GetVariables(get_variable_data=[
            {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}}]))
        assert got.get_variable_result[0]["attribute_value"] == "3"
        back = set_var("OCPPCommCtrlr", "NetworkConfigurationPriority", "0")
        assert (await cp.call(back)).set_variable_result[0]["attribute_status"] == "Rejected"  # slot 0 is profile 2
        hashes = (await cp.call(call.GetInstalledCertificateIds())).certificate_hash_data_chain
        refused = await cp.call(call.DeleteCertificate(certificate_hash_data=hashes[0]["certificate_hash_data"]))
        assert refused.status == "Failed"  # the root the TLS connection relies on
        events = [e["type"] for e in csms.actions("SecurityEventNotification")]
        assert "ReconfigurationOfSecurityParameters" in events
    finally:
        await ctl.close()
        await csms.stop()


async def test_basic_auth_password_change(tmp_path):  # TC_A_01, TC_A_10
    csms = BenchCsms201(passwords={"CP001": PASSWORD})
    await csms.start()
    ctl = ControllerProcess(csms.url, tmp_path / "data", ocpp_version="2.0.1",
                            extra=("--security-profile", "1", "--basic-auth-password", PASSWORD))
    try:
        await ctl.start()
        first = await csms.wait_connected("CP001", 15)
        too_short = set_var("SecurityCtrlr", "BasicAuthPassword", "short")
        assert await statuses_of(first, too_short) == ["Rejected"]  # TC_A_10
        csms.passwords["CP001"] = NEW_PASSWORD  # the CSMS stores the new one before it sends it
        assert await statuses_of(first, set_var("SecurityCtrlr", "BasicAuthPassword", NEW_PASSWORD)) == ["Accepted"]
        await csms.wait_for(lambda c: c.charge_points.get("CP001") not in (None, first), 15)  # reconnected
        read = await csms.charge_points["CP001"].call(call.GetVariables(get_variable_data=[
            {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]))
        assert read.get_variable_result[0]["attribute_status"] == "Rejected"  # write-only
        assert NEW_PASSWORD not in (ctl.data_dir.parent / "data-controller.log").read_text()
    finally:
        await ctl.close()
        await csms.stop()


async def test_a_sign_request_without_answer_is_repeated(tmp_path):  # TC_A_19, TC_A_23
    csms = BenchCsms201()
    await csms.start()
    ctl = ControllerProcess(csms.url, tmp_path / "data", ocpp_version="2.0.1")
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001", 15)
        await cp.call(set_var("SecurityCtrlr", "CertSigningWaitMinimum", "1"))
        await cp.call(set_var("SecurityCtrlr", "CertSigningRepeatTimes", "2"))
        await cp.call(call.TriggerMessage(requested_message="SignChargingStationCertificate"))
        await csms.wait_for(lambda c: len(c.csrs) == 3, 10)  # at once, after 1 s, after 2 s more
        await asyncio.sleep(4.5)
        assert len(csms.csrs) == 3  # and no more
    finally:
        await ctl.close()
        await csms.stop()


async def test_migration_to_a_new_csms_and_fallback(tmp_path):  # TC_B_43, TC_B_45, TC_B_47, TC_B_50
    old, new = BenchCsms201(), BenchCsms201()
    await old.start()
    await new.start()
    ctl = ControllerProcess(old.url, tmp_path / "data", ocpp_version="2.0.1")
    try:
        await ctl.start()
        cp = await old.wait_connected("CP001", 15)
        nine = call.SetNetworkProfile(configuration_slot=9, connection_data=profile(new.url, 0))
        in_use = call.SetNetworkProfile(configuration_slot=0, connection_data=profile(new.url, 0))
        bad_url = call.SetNetworkProfile(configuration_slot=1, connection_data=profile("http://x", 0))
        assert await statuses_of(cp, nine, in_use, bad_url) == ["Rejected"] * 3  # TC_B_43
        slot1 = call.SetNetworkProfile(configuration_slot=1, connection_data=profile(new.url, 0))
        empty_slot = set_var("OCPPCommCtrlr", "NetworkConfigurationPriority", "1,5")
        priority = set_var("OCPPCommCtrlr", "NetworkConfigurationPriority", "1,0")
        assert await statuses_of(cp, slot1, empty_slot, priority) == ["Accepted", "Rejected", "Accepted"]
        assert (await cp.call(call.Reset(type="OnIdle"))).status == "Accepted"
        await new.wait_connected("CP001", 30)  # TC_B_45: the new CSMS first
        await new.wait_for(lambda c: c.actions("BootNotification"), 15)  # it registers there (just after)
        await new.stop()  # the new CSMS goes away: after NetworkProfileConnectionAttempts, the old one
        await old.wait_for(lambda c: c.connections["CP001"] == 2 and c.charge_points.get("CP001"), 40)
        await ctl.wait_api()
        assert (await ctl.status())["ocpp"]["connected"]
    finally:
        await ctl.close()
        await old.stop()

