"""OCPP 1.6 security extension against a TLS CSMS (ocpp library + websockets), test PKI made at run time."""

import asyncio
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from ocpp.v16 import call

from controller import ControllerProcess
from firmware.bench.csms import BenchCsms
from pki import CA, pem, server_context, write

PASSWORD = "0123456789abcdef0123456789abcdef"  # 16 bytes as hex, the whitepaper's minimum


@pytest.fixture
def root():
    return CA("CPO Root")


async def tls_csms(tmp_path, root, cert_key=None, client_ca=None, require_client=False, passwords=True):
    cert, key = cert_key or root.server()
    csms = BenchCsms(ssl=server_context(tmp_path, cert, key, client_ca=client_ca or root,
                                        require_client=require_client),
                     passwords={"CP001": PASSWORD} if passwords else None)
    await csms.start()
    return csms


def controller(csms, tmp_path, root, profile="2", extra=()):
    args = ("--security-profile", profile, "--basic-auth-password", PASSWORD,
            "--ca-file", str(write(tmp_path, "root.pem", pem(root.cert))), *extra)
    return ControllerProcess(csms.url, tmp_path / "data", extra=args)


def security_log(ctl) -> str:
    path = ctl.data_dir / "logs" / "security.log"
    return path.read_text() if path.exists() else ""


async def events(csms, kind, timeout=20):
    return await csms.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification") if e["type"] == kind],
                               timeout)


async def test_profile_1_basic_auth_and_a_refused_password(tmp_path):  # TC_085
    csms = BenchCsms(passwords={"CP001": "not-what-the-charger-has-0000000"})
    await csms.start()
    ctl = ControllerProcess(csms.url, tmp_path / "data",
                            extra=("--security-profile", "1", "--basic-auth-password", PASSWORD))
    try:
        await ctl.start()
        await asyncio.sleep(1.5)
        assert not (await ctl.status())["ocpp"]["connected"]
        assert "FailedToAuthenticateAtCentralSystem" in security_log(ctl)
        csms.passwords["CP001"] = PASSWORD  # the CSMS learns the right password
        await csms.wait_connected("CP001", 30)
        status = await ctl.status()
        assert status["ocpp"]["security_profile"] == 1
        await events(csms, "FailedToAuthenticateAtCentralSystem")  # queued while it could not connect
        await events(csms, "StartupOfTheDevice")
    finally:
        await ctl.close()
        await csms.stop()


async def test_certificate_cycle_and_raise_to_profile_3(tmp_path, root):  # TC_074, TC_075_2, TC_083, TC_084, TC_086, TC_087
    csms = await tls_csms(tmp_path, root)
    ctl = controller(csms, tmp_path, root)
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001", 15)
        assert csms.tls_versions["CP001"] in ("TLSv1.2", "TLSv1.3")  # TLS, the server verified
        assert not csms.peer_certs["CP001"]  # and no client certificate yet
        answer = await cp.call(call.InstallCertificate(certificate_type="CentralSystemRootCertificate",
                                                       certificate=pem(root.cert)))
        assert answer.status == "Accepted"
        ids = await cp.call(call.GetInstalledCertificateIds(certificate_type="CentralSystemRootCertificate"))
        assert ids.status == "Accepted" and len(ids.certificate_hash_data) == 1
        assert ids.certificate_hash_data[0]["serial_number"] == format(root.cert.serial_number, "x")
        none = await cp.call(call.GetInstalledCertificateIds(certificate_type="ManufacturerRootCertificate"))
        assert none.status == "NotFound"
        assert (await cp.call(call.ChangeConfiguration(key="CpoName", value="ACME CPO"))).status == "Accepted"
        trigger = await cp.call(call.ExtendedTriggerMessage(requested_message="SignChargePointCertificate"))
        assert trigger.status == "Accepted"
        csr_pem = (await csms.wait_for(lambda c: c.csrs))[0]
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "BENCH-0001"
        assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "ACME CPO"
        key_file = ctl.data_dir / "certs" / "cp.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        signed = await cp.call(call.CertificateSigned(certificate_chain=pem(root.sign_csr(csr_pem))))
        assert signed.status == "Accepted"
        raised = await cp.call(call.ChangeConfiguration(key="SecurityProfile", value="3"))
        assert raised.status == "Accepted"

        def shows_our_certificate(c):
            peer = c.peer_certs.get("CP001") or {}
            return ((("commonName", "BENCH-0001"),),) == peer.get("subject", ())[:1] and c.charge_points.get("CP001")
        await csms.wait_for(shows_our_certificate, 20)  # reconnected with mutual TLS and the new certificate
        await asyncio.sleep(0.5)
        assert (await ctl.status())["ocpp"]["security_profile"] == 3
        assert (ctl.data_dir / "certs" / "cp.pem").exists()  # promoted once it worked
        cp = csms.charge_points["CP001"]
        lowered = await cp.call(call.ChangeConfiguration(key="SecurityProfile", value="2"))
        assert lowered.status == "Rejected"  # TC_084: never lowered over OCPP
        await events(csms, "ReconfigurationOfSecurityParameters")
        hashes = (await cp.call(call.GetInstalledCertificateIds(
            certificate_type="CentralSystemRootCertificate"))).certificate_hash_data
        refused = await cp.call(call.DeleteCertificate(certificate_hash_data=hashes[0]))
        assert refused.status == "Failed"  # the root the TLS connection relies on
    finally:
        await ctl.close()
        await csms.stop()


async def test_bad_certificates_and_keys_are_refused_and_reported(tmp_path, root):  # TC_073, TC_077, TC_075
    csms = await tls_csms(tmp_path, root)
    ctl = controller(csms, tmp_path, root)
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001", 15)

        async def install(text):
            return (await cp.call(call.InstallCertificate(certificate_type="CentralSystemRootCertificate",
                                                          certificate=text))).status
        assert await install("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n") == "Rejected"
        leaf, _ = root.server()
        assert await install(pem(leaf)) == "Rejected"  # not a CA
        await events(csms, "InvalidCentralSystemCertificate")
        assert await install(pem(root.cert)) == "Accepted"

        async def signed(text):
            return (await cp.call(call.CertificateSigned(certificate_chain=text))).status
        assert await signed("garbage") == "Rejected"
        stranger, _ = root.client("BENCH-0001")  # right name, someone else's key
        assert await signed(pem(stranger)) == "Rejected"
        other = CA("Someone Else")
        trigger = await cp.call(call.ExtendedTriggerMessage(requested_message="SignChargePointCertificate"))
        assert trigger.status == "Accepted"
        csr = (await csms.wait_for(lambda c: c.csrs))[0]
        assert await signed(pem(other.sign_csr(csr))) == "Rejected"  # not from an installed root
        assert await signed(pem(root.sign_csr(csr)) * 10) == "Rejected"  # ~7 kB: over CertificateSignedMaxChainSize
        await events(csms, "InvalidChargePointCertificate")

        async def change(key, value):
            return (await cp.call(call.ChangeConfiguration(key=key, value=value))).status
        assert await change("AuthorizationKey", "short") == "Rejected"
        assert await change("AuthorizationKey", "zz" * 16) == "Rejected"  # not hex
        assert await change("AuthorizationKey", "ab" * 21) == "Rejected"  # 21 bytes: over the maximum
        new_key = "fedcba9876543210fedcba9876543210fedcba98"
        csms.passwords["CP001"] = new_key
        assert await change("AuthorizationKey", new_key) == "Accepted"
        got = await csms.charge_points["CP001"].call(call.GetConfiguration(key=["AuthorizationKey"]))
        assert got.unknown_key == ["AuthorizationKey"]  # write-only
        await csms.wait_for(lambda c: len(c.actions("StatusNotification")) >= 6, 20)  # reconnected with it
        assert (await ctl.status())["ocpp"]["connected"]
    finally:
        await ctl.close()
        await csms.stop()
    assert new_key not in ctl.log() and PASSWORD not in ctl.log()  # never logged


@pytest.mark.parametrize("case", ["other_ca", "expired", "not_yet_valid", "wrong_host"])
async def test_a_csms_certificate_we_cannot_trust_is_refused(tmp_path, root, case):  # TC_078
    other = CA("Evil Root")
    cert_key = {
        "other_ca": lambda: other.server(),
        "expired": lambda: root.server(not_before=pki_days(-30), not_after=pki_days(-1)),
        "not_yet_valid": lambda: root.server(not_before=pki_days(10), not_after=pki_days(40)),
        "wrong_host": lambda: root.server(names=("csms.example.org",)),
    }[case]()
    csms = await tls_csms(tmp_path, root, cert_key=cert_key)
    ctl = controller(csms, tmp_path, root)
    try:
        await ctl.start()
        await asyncio.sleep(2.0)
        assert not csms.actions("BootNotification") and not (await ctl.status())["ocpp"]["connected"]
        assert "InvalidCentralSystemCertificate" in security_log(ctl)
    finally:
        await ctl.close()
        await csms.stop()


async def test_a_missing_client_certificate_is_reported(tmp_path, root):
    csms = await tls_csms(tmp_path, root, require_client=True)
    ctl = controller(csms, tmp_path, root)  # profile 2: no client certificate to show
    try:
        await ctl.start()
        await asyncio.sleep(2.0)
        assert not csms.actions("BootNotification")
        assert "FailedToAuthenticateAtCentralSystem" in security_log(ctl)
    finally:
        await ctl.close()
        await csms.stop()


async def test_a_raise_that_cannot_connect_falls_back(tmp_path, root):
    other = CA("Another Client CA")
    csms = await tls_csms(tmp_path, root, client_ca=other)  # it will refuse certificates from `root`
    ctl = controller(csms, tmp_path, root)
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001", 15)
        await cp.call(call.InstallCertificate(certificate_type="CentralSystemRootCertificate",
                                              certificate=pem(root.cert)))
        await cp.call(call.ExtendedTriggerMessage(requested_message="SignChargePointCertificate"))
        csr = (await csms.wait_for(lambda c: c.csrs))[0]
        assert (await cp.call(call.CertificateSigned(certificate_chain=pem(root.sign_csr(csr))))).status == "Accepted"
        assert (await cp.call(call.ChangeConfiguration(key="SecurityProfile", value="3"))).status == "Accepted"
        await csms.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification")
                                        if "back to 2" in e.get("techInfo", "")], 40)
        await asyncio.sleep(0.5)
        status = await ctl.status()
        assert status["ocpp"]["connected"] and status["ocpp"]["security_profile"] == 2
    finally:
        await ctl.close()
        await csms.stop()


def pki_days(n):
    from datetime import timedelta

    from pki import NOW

    return NOW + timedelta(days=n)
