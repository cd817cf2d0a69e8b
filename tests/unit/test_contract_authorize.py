"""Plug & Charge (C07): the Authorize fields (firmware.ocpp.v201.contracts: the chain itself while no
installed root signs it, its OCSP request data once one does) and the contract handler's decisions
(firmware.auth.contract: refused here on a root held, central validation allowed or not, offline)."""

import asyncio
import hashlib
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from firmware.auth.contract import ContractHandler
from firmware.auth.id_tag_info import IdTagInfo
from firmware.events import ContractPresented, EventBus
from firmware.ocpp.v201.contracts import authorize_fields, refused_certificate
from firmware.security.certstore import MO_ROOT, CertificateStore
from pki import CA, NOW, pem

OCSP = "http://ocsp.mo.example/"


def issue(ca: CA, name: str, is_ca: bool):
    key = ec.generate_private_key(ec.SECP256R1())
    aia = x509.AuthorityInformationAccess([x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                                                  x509.UniformResourceIdentifier(OCSP))])
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(NOW.replace(year=NOW.year + 2))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(aia, critical=False).sign(ca.key, hashes.SHA256()))
    sub = CA.__new__(CA)
    sub.key, sub.cert = key, cert
    return sub


def contract_chain():
    root = CA("MO root")
    sub = issue(root, "MO sub-CA", True)
    leaf = issue(sub, "DEABCC12345678", False)
    return root, sub, leaf, pem(leaf.cert) + pem(sub.cert)


def test_without_a_root_the_chain_goes_to_the_csms_and_with_one_its_ocsp_data(tmp_path):
    root, sub, leaf, chain = contract_chain()
    certs = CertificateStore(tmp_path)
    assert authorize_fields("DEABCC12345678", chain, certs) == {"certificate": chain}
    certs.install_root(MO_ROOT, pem(root.cert))
    data = authorize_fields("DEABCC12345678", chain, certs)["iso15118_certificate_hash_data"]
    assert [d["serial_number"] for d in data] == [format(leaf.cert.serial_number, "x"),
                                                 format(sub.cert.serial_number, "x")]
    assert data[0]["issuer_name_hash"] == hashlib.sha256(sub.cert.subject.public_bytes()).hexdigest()
    assert data[1]["issuer_name_hash"] == hashlib.sha256(root.cert.subject.public_bytes()).hexdigest()
    assert all(d["responder_url"] == OCSP and d["hash_algorithm"] == "SHA256" for d in data)
    other_root = CA("another MO")
    _, _, _, foreign = contract_chain()
    certs2 = CertificateStore(tmp_path / "other")
    certs2.install_root(MO_ROOT, pem(other_root.cert))
    assert authorize_fields("X", foreign, certs2) == {"certificate": foreign}  # not ours to check
    assert authorize_fields("X", "not a certificate", certs) == {"certificate": "not a certificate"}


def test_a_refused_certificate_is_named():
    assert refused_certificate(SimpleNamespace(certificate_status="Accepted")) is None
    assert refused_certificate(SimpleNamespace(certificate_status=None)) is None
    assert refused_certificate(SimpleNamespace(certificate_status="CertificateRevoked")) == "CertificateRevoked"


class Station:
    def __init__(self):
        self.answered = []
        station = self

        class Connector:
            def contract_answered(self, accepted):
                station.answered.append(accepted)

        self._connector = Connector()

    async def authorize(self, cid, tag, parent=None):
        return cid == 1

    def connector(self, cid):
        return self._connector

    async def call(self, fn):
        return fn(0.0)


class Authorizer:
    async def authorize(self, tag, remote):
        return await remote(tag)


def handler(tmp_path, *, online=True, good=("GOOD",), offline_ok=True, central_ok=True):
    asked, tokens = [], []

    async def remote(tag, contract):
        asked.append((tag, contract))
        if not online:
            return None
        return IdTagInfo("Accepted" if tag in good else "Invalid")

    policy = SimpleNamespace(contract_validation_offline=lambda: offline_ok,
                             central_contract_validation_allowed=lambda: central_ok)
    station = Station()
    made = ContractHandler(EventBus(), station, Authorizer(), remote, CertificateStore(tmp_path / "certs"), policy,
                           token=tokens.append)
    return made, station, asked, tokens


def present(h, emaid, chain):
    return asyncio.run(h.present(ContractPresented(1, emaid, chain)))


def test_the_handler_authorizes_a_contract_like_a_card_and_tells_the_connector(tmp_path):  # TC_C_52, TC_C_53
    _, _, _, chain = contract_chain()
    h, station, asked, tokens = handler(tmp_path)
    assert present(h, "GOOD", chain) and not present(h, "BAD", chain)
    assert station.answered == [True, False] and [a[0] for a in asked] == ["GOOD", "BAD"]
    assert asked[0][1] == ("GOOD", chain) and tokens == ["GOOD", "BAD"]


def test_a_chain_that_fails_on_a_root_held_is_refused_without_asking(tmp_path):  # TC_C_51
    root, sub, leaf, chain = contract_chain()
    h, station, asked, _ = handler(tmp_path)
    h._certs.install_root(MO_ROOT, pem(CA("MO root").cert))  # the same name, another key: the chain fails on it
    assert not present(h, "GOOD", chain) and asked == [] and station.answered == [False]


def test_without_central_validation_a_chain_no_root_held_checks_is_refused(tmp_path):
    _, _, _, chain = contract_chain()
    h, station, asked, _ = handler(tmp_path, central_ok=False)
    assert not present(h, "GOOD", chain) and asked == []


@pytest.mark.parametrize("offline_ok", [True, False])
def test_offline_a_valid_contract_follows_contract_validation_offline(tmp_path, offline_ok):  # TC_C_54..56
    root, _, _, chain = contract_chain()
    h, station, asked, _ = handler(tmp_path, online=False, offline_ok=offline_ok)
    h._certs.install_root(MO_ROOT, pem(root.cert))
    assert present(h, "GOOD", chain) is offline_ok and len(asked) == 1
    _, _, _, foreign = contract_chain()  # no root held checks it: never accepted offline
    assert not present(h, "OTHER", foreign)
