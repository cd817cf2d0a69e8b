"""The SECC's own certificate (firmware/security/secc.py, OCPP 2.0.1 A02/A03 V2GCertificate): its CSR
says what ISO 15118-2 asks of the SECC leaf, a chain for another key, out of date or from outside the
installed V2G roots is refused, and an accepted one is laid out where iso15118's TLS server finds it
(and loads: the same `ssl` call iso15118 makes)."""

import os
import ssl
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from firmware.security.certstore import CertificateError
from firmware.security.pki import chain_hash_data, hash_data
from firmware.security.secc import CHAIN_FILE, KEY_FILE, PASSWORD_FILE, SeccCertificate
from pki import CA, NOW, key_pem, pem


def subject(csr_pem: str) -> dict:
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    return {a.oid: a.value for a in csr.subject}


def test_the_csr_names_the_secc_and_its_key_stays_here(tmp_path):
    secc = SeccCertificate(tmp_path)
    assert secc.pki_path() is None and not secc.dir.exists()  # nothing made before it is asked for
    csr_pem = secc.csr("DE*OCC*E0001", "Bench CPO", "DE")
    assert subject(csr_pem) == {NameOID.COMMON_NAME: "DE*OCC*E0001", NameOID.ORGANIZATION_NAME: "Bench CPO",
                                NameOID.COUNTRY_NAME: "DE", NameOID.DOMAIN_COMPONENT: "CPO"}
    key = x509.load_pem_x509_csr(csr_pem.encode()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"  # ISO 15118-2 7.9.2
    assert os.stat(secc.key_path).st_mode & 0o077 == 0
    assert NameOID.COUNTRY_NAME not in subject(secc.csr("E2", "Bench CPO", ""))  # no country configured
    assert secc.csr("E3", "O", "") and secc.key_path.read_bytes() == secc.key_pem()  # one key, made once


def test_a_chain_for_another_key_out_of_date_or_from_another_root_is_refused(tmp_path):
    v2g_root, other_root = CA("V2G root"), CA("Some other root")
    secc = SeccCertificate(tmp_path)
    csr_pem = secc.csr("SECC1", "CPO", "DE")
    stranger = v2g_root.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SECC1")]),
                              ec.generate_private_key(ec.SECP256R1()).public_key())
    expired = v2g_root.sign_csr(csr_pem, not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1))
    cases = [(pem(stranger), "not for this charge point's key"), (pem(expired), "expired"),
             (pem(other_root.sign_csr(csr_pem)), "does not lead to an installed V2GRootCertificate")]
    for chain, why in cases:
        with pytest.raises(CertificateError, match=why):
            secc.accept(chain, 10_000, [v2g_root.cert])
    with pytest.raises(CertificateError, match="exceeds"):
        secc.accept(pem(v2g_root.sign_csr(csr_pem)), 100, [v2g_root.cert])
    assert secc.pki_path() is None and not secc.chain_path.exists()


def test_an_accepted_chain_is_where_iso15118_reads_it_and_its_tls_server_loads_it(tmp_path):
    root = CA("V2G root")
    changes = []
    secc = SeccCertificate(tmp_path, on_change=lambda: changes.append(1))
    leaf = root.sign_csr(secc.csr("SECC1", "CPO", "DE"))
    secc.accept(pem(leaf), 10_000, [root.cert])
    assert changes == [1]
    folder = secc.pki_path()
    assert folder.endswith("/") and (tmp_path / "certs" / "secc" / "pki") == type(tmp_path)(folder)
    assert open(folder + CHAIN_FILE).read() == pem(leaf)
    assert open(folder + KEY_FILE, "rb").read() == secc.key_pem()
    assert open(folder + PASSWORD_FILE).read() == ""  # iso15118 reads an empty password as none
    assert os.stat(folder + KEY_FILE).st_mode & 0o077 == 0
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile=folder + CHAIN_FILE, keyfile=folder + KEY_FILE, password=None)
    first, children = chain_hash_data(secc.chain_pem(), [root.cert])
    assert first == hash_data(leaf, root.cert) and children == []


def test_a_combined_certificate_brings_the_stations_key_along(tmp_path):
    root = CA("V2G root")
    station_key = ec.generate_private_key(ec.SECP256R1())
    secc = SeccCertificate(tmp_path)
    leaf = root.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BENCH-0001")]), station_key.public_key())
    with pytest.raises(CertificateError, match="not for this charge point's key"):
        secc.accept(pem(leaf), 10_000, [])  # for the station's key, not the SECC's own
    secc.accept(pem(leaf), 10_000, [], key_pem=key_pem(station_key))
    assert open(secc.pki_path() + KEY_FILE, "rb").read() == key_pem(station_key) == secc.key_pem()


def test_a_chains_hash_data_takes_each_issuers_key():
    root = CA("V2G root")
    sub_key = ec.generate_private_key(ec.SECP256R1())
    sub_cert = root.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CPO sub-CA")]), sub_key.public_key())
    sub = CA.__new__(CA)
    sub.key, sub.cert = sub_key, sub_cert
    leaf = sub.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SECC1")]),
                     ec.generate_private_key(ec.SECP256R1()).public_key())
    first, children = chain_hash_data((pem(leaf) + pem(sub_cert)).encode(), [root.cert])
    assert first == hash_data(leaf, sub_cert) and children == [hash_data(sub_cert, root.cert)]
    assert first["issuer_key_hash"] != hash_data(leaf)["issuer_key_hash"]  # not the leaf's own key
