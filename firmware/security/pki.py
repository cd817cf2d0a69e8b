"""X.509 work with `cryptography`: parsing, dates, signatures, hashes, keys, CSRs.

Imported only when a certificate is actually handled, so a charger that never
uses one does not carry the library in memory (see certstore.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from firmware.security.certstore import CertificateError


def load_chain(pem: str | bytes) -> list[x509.Certificate]:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(f"not a PEM certificate: {exc}") from None
    if not chain:
        raise CertificateError("no certificate in the PEM")
    return chain


def check_dates(cert: x509.Certificate, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    if now < cert.not_valid_before_utc:
        raise CertificateError(f"not valid before {cert.not_valid_before_utc.isoformat()}")
    if now > cert.not_valid_after_utc:
        raise CertificateError(f"expired {cert.not_valid_after_utc.isoformat()}")


def verify_signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    if cert.issuer != issuer.subject:
        raise CertificateError(f"issuer {cert.issuer.rfc4514_string()} is not {issuer.subject.rfc4514_string()}")
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            raise CertificateError("unsupported issuer key type")
    except InvalidSignature:
        raise CertificateError("signature does not verify") from None


def hash_data(cert: x509.Certificate, issuer: x509.Certificate | None = None) -> dict:
    """OCPP CertificateHashData (SHA256) of a certificate; without `issuer` it is a root, its own issuer."""
    issuer_key = (issuer or cert).public_key()
    key_bytes = issuer_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
        "issuer_key_hash": hashlib.sha256(subject_public_key_bits(key_bytes)).hexdigest(),
        "serial_number": format(cert.serial_number, "x"),
    }


def subject_public_key_bits(spki_der: bytes) -> bytes:
    # issuerKeyHash hashes the BIT STRING of the SubjectPublicKeyInfo (as OCSP does).
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(spki_der)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def issued_by(cert: x509.Certificate, root: x509.Certificate) -> bool:
    try:
        verify_signed_by(cert, root)
        return True
    except CertificateError:
        return cert.fingerprint(hashes.SHA256()) == root.fingerprint(hashes.SHA256())


def make_key_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def chain_hash_data(pem: bytes, roots: list = ()) -> tuple[dict, list[dict]]:
    """A chain's CertificateHashData: the leaf's, then each sub-CA's, each hashed with its issuer's key
    (the next in the chain, else the root among `roots` that issued the last; a self-signed one its own)."""
    chain = load_chain(pem)
    issuers = chain[1:] + [next((r for r in roots if r.subject == chain[-1].issuer), None)]
    hashed = [hash_data(cert, issuer) for cert, issuer in zip(chain, issuers)]
    return hashed[0], hashed[1:]


def make_csr(key_pem: bytes, serial_number: str, cpo_name: str, *, country: str = "",
             domain_component: str = "") -> str:
    """A CSR as the whitepaper asks: CN = the charge point's serial number, O = CpoName. The SECC's
    (ISO 15118-2 Annex F) has CN = its SECC id, O, C and DC = CPO."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    names = [x509.NameAttribute(NameOID.COMMON_NAME, serial_number),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, cpo_name)]
    if country:
        names.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if domain_component:
        names.append(x509.NameAttribute(NameOID.DOMAIN_COMPONENT, domain_component))
    subject = x509.Name(names)
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def check_signed_chain(pem: str, key_pem: bytes, serial_number: str | None, roots: list,
                       root_kind: str = "CentralSystemRootCertificate") -> None:
    """CertificateSigned: the chain must be for our key (and serial, when given), in date, and lead to a
    root we trust when we hold any of `root_kind`."""
    chain = load_chain(pem)
    leaf = chain[0]
    ours = serialization.load_pem_private_key(key_pem, password=None).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    theirs = leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if ours != theirs:
        raise CertificateError("the certificate is not for this charge point's key")
    cn = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if serial_number is not None and (not cn or cn[0].value != serial_number):
        raise CertificateError("the certificate's CN is not this charge point's serial number")
    for cert in chain:
        check_dates(cert)
    for cert, issuer in zip(chain, chain[1:]):
        verify_signed_by(cert, issuer)
    if roots and not any(issued_by(chain[-1], root) for root in roots):
        raise CertificateError(f"the chain does not lead to an installed {root_kind}")


def check_root(pem: str) -> tuple[x509.Certificate, bytes]:
    """InstallCertificate: one CA certificate, in date. Returns it and its PEM."""
    cert = load_chain(pem)[0]
    check_dates(cert)
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise CertificateError("not a CA certificate")
    return cert, cert.public_bytes(serialization.Encoding.PEM)


def days_left(pem: bytes) -> float:
    leaf = load_chain(pem)[0]
    return (leaf.not_valid_after_utc - datetime.now(timezone.utc)).total_seconds() / 86400
