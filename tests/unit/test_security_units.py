"""Security units: failure classification, AuthorizationKey rules, secret redaction, certificate store."""

import logging
import ssl
import stat

import pytest
import websockets

from firmware.ocpp.connection import Uplink, failure_kind
from firmware.ocpp.v16.security import AUTH_KEY
from firmware.security.redact import RedactSecrets, redact


def ssl_error(text):
    return ssl.SSLError(1, text)


@pytest.mark.parametrize(
    "exc, kind",
    [
        (ssl.SSLCertVerificationError(1, "certificate verify failed: unable to get local issuer certificate"),
         "InvalidCentralSystemCertificate"),
        (ssl_error("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version"), "InvalidTLSVersion"),
        (ssl_error("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol"), "InvalidTLSVersion"),
        (ssl_error("[SSL: NO_CIPHERS_AVAILABLE] no ciphers available"), "InvalidTLSCipherSuite"),
        (ssl_error("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required"),
         "FailedToAuthenticateAtCentralSystem"),
        (ConnectionRefusedError(111, "refused"), None),
    ],
)
def test_failure_kinds(exc, kind):
    assert failure_kind(exc) == kind


def test_a_401_is_a_failed_authentication():
    class Response:
        status_code = 401

    exc = websockets.exceptions.InvalidStatus(Response())
    assert failure_kind(exc) == "FailedToAuthenticateAtCentralSystem"


def test_an_ssl_cause_is_found_down_the_chain():
    outer = websockets.exceptions.InvalidMessage("did not receive a valid HTTP response")
    outer.__cause__ = ssl.SSLCertVerificationError(1, "certificate has expired")
    assert failure_kind(outer) == "InvalidCentralSystemCertificate"


@pytest.mark.parametrize("key, ok", [
    ("0123456789abcdef0123456789abcdef", True),  # 16 bytes
    ("0123456789ABCDEF0123456789abcdef01234567", True),  # 20 bytes
    ("0123456789abcdef0123456789abcde", False),  # odd length
    ("0123456789abcdef0123456789abcd", False),  # 15 bytes
    ("0123456789abcdef0123456789abcdef0123456789", False),  # 21 bytes
    ("g123456789abcdef0123456789abcdef", False),  # not hex
])
def test_authorization_key_rules(key, ok):
    assert bool(AUTH_KEY.match(key)) == ok


def test_secrets_never_reach_a_log_line(caplog):
    frame = '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef0123456789abcdef"}]'
    assert "0123456789abcdef" not in redact(frame)
    assert "dG9w" not in redact("Authorization: Basic dG9wc2VjcmV0")
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("receive message %s", frame)
    assert "0123456789abcdef" not in caplog.text and "***" in caplog.text


def test_the_device_key_is_made_once_and_private(tmp_path):
    from firmware.security.certstore import CertificateStore

    store = CertificateStore(tmp_path)
    first = store.key_pem()
    assert store.key_pem() == first
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.dir.stat().st_mode) == 0o700


def test_store_limit_and_pending_chain(tmp_path):
    from firmware.security.certstore import CertificateError, CertificateStore
    from pki import CA, pem

    store = CertificateStore(tmp_path, max_roots=1)
    store.install_root("CentralSystemRootCertificate", pem(CA("one").cert))
    with pytest.raises(CertificateError, match="store full"):
        store.install_root("ManufacturerRootCertificate", pem(CA("two").cert))
    assert store.trust_bundle().read_text().count("BEGIN CERTIFICATE") == 1
    root = CA("one-again")
    store = CertificateStore(tmp_path / "b")
    chain = pem(root.sign_csr(store.csr("SER1", "CPO")))
    store.accept_signed_chain(chain, 6000, "SER1")
    assert store.client_certificate() == store.pending_path  # on trial
    assert store.promote_pending() and store.client_certificate() == store.cert_path
    assert 300 < store.expires_in_days() < 400


async def test_a_certificate_near_expiry_is_renewed(tmp_path):
    import asyncio
    from datetime import timedelta
    from types import SimpleNamespace

    from firmware.ocpp.v16.config_keys import ConfigKeys
    from firmware.ocpp.v16.security import Security16
    from firmware.security.certstore import CertificateStore
    from firmware.store import Store
    from pki import CA, NOW, pem

    store = Store(tmp_path)
    certs = CertificateStore(tmp_path)
    root = CA("r")
    soon = root.sign_csr(certs.csr("SER1", "CPO"), not_after=NOW + timedelta(days=10))
    certs.cert_path.write_text(pem(soon))
    sent = []

    class CP:
        async def call(self, request):
            sent.append(request)
            return SimpleNamespace(status="Accepted")

    security = Security16(store=store, keys=ConfigKeys(store, 1), certs=certs, events=SimpleNamespace(record=print),
                          board=SimpleNamespace(serial="SER1", vendor="V"), runtime=None, uplink=Uplink())
    task = asyncio.create_task(security.renew_before_expiry(SimpleNamespace(cp=CP())))
    await asyncio.sleep(0.3)
    task.cancel()
    assert len(sent) == 1 and "BEGIN CERTIFICATE REQUEST" in sent[0].csr
    store.close()


def test_tls_below_1_2_and_other_suites_are_never_offered(tmp_path):  # 2.0.1 TC_A_06, Security Whitepaper
    import ssl

    from firmware.ocpp.connection import LinkSettings, ssl_context

    ctx = ssl_context(LinkSettings(csms_url="wss://localhost:1", charge_point_id="X", subprotocol="ocpp2.0.1"))
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2 and ctx.check_hostname
    tls12 = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 and tls12 <= {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                               "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                               "AES128-GCM-SHA256", "AES256-GCM-SHA384"}
    assert ssl_context(LinkSettings(csms_url="ws://localhost:1", charge_point_id="X", subprotocol="ocpp1.6")) is None
