"""Plug & Charge in OCPP 2.0.1 (C07, authorization using contract certificates): the Authorize
request for an EV's contract, and what its answer means.

The station checks the chain itself when a mobility operator's (or the V2G) root in its certificate
store signs it: then it sends the chain's OCSP request data (iso15118CertificateHashData) for the
CSMS to check revocation. Without such a root it cannot check the chain, and sends the chain itself
(`certificate`) for the CSMS to validate (C07.FR.02/.FR.06).
"""

from __future__ import annotations

import hashlib
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from firmware.security.contracts import VALID, check_contract

MAX_HASH_DATA = 4  # AuthorizeRequest.iso15118CertificateHashData: at most 4


def authorize_fields(emaid: str, certificate: str, certs) -> dict:
    """The Authorize request's certificate fields (snake case, as the ocpp library takes them) for the
    contract `emaid` whose chain (PEM, leaf first) the EV presented."""
    check = check_contract(certificate, certs)
    if check.verdict != VALID:
        return {"certificate": certificate}
    data = [ocsp_request_data(cert, issuer) for cert, issuer in zip(check.chain, [*check.chain[1:], check.root])]
    data = [d for d in data if d is not None][:MAX_HASH_DATA]
    return {"iso15118_certificate_hash_data": data} if data else {"certificate": certificate}


def ocsp_request_data(cert: x509.Certificate, issuer: x509.Certificate) -> dict | None:
    """OCPP OCSPRequestDataType of one certificate: SHA-256 of its issuer's name and key (hex), its
    serial (hex), its OCSP responder (the Authority Information Access extension); None without one."""
    try:
        access = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
        url = next(d.access_location.value for d in access if d.access_method == AuthorityInformationAccessOID.OCSP)
    except (x509.ExtensionNotFound, StopIteration):
        return None
    from firmware.security.pki import subject_public_key_bits

    key = issuer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"hash_algorithm": "SHA256",
            "issuer_name_hash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
            "issuer_key_hash": hashlib.sha256(subject_public_key_bits(key)).hexdigest(),
            "serial_number": format(cert.serial_number, "x"), "responder_url": url[:512]}


def refused_certificate(conf) -> str | None:
    """The AuthorizeResponse's certificateStatus when it refuses the contract, else None."""
    status = getattr(conf, "certificate_status", None)
    return None if status in (None, "Accepted") else str(status)
