"""Signed firmware (Security Whitepaper ed. 3, L01): who signed it, and that they did.

The signing certificate must chain to an installed ManufacturerRootCertificate
and be in date; otherwise the request is answered InvalidCertificate (with an
InvalidFirmwareSigningCertificate security event). The signature (base64)
covers the whole file, SHA-256, made with the certificate's key: ECDSA for EC
keys, RSA-PSS for RSA keys.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from firmware.security.certstore import CertificateError
from firmware.security.pki import issued_by, check_dates, load_chain


def check_signing_certificate(pem: str, roots: list) -> object:
    """The signing certificate, if a manufacturer root vouches for it; raises CertificateError."""
    chain = load_chain(pem)
    for cert in chain:
        check_dates(cert)
    if not roots:
        raise CertificateError("no ManufacturerRootCertificate installed")
    if not any(issued_by(chain[-1], root) for root in roots):
        raise CertificateError("the signing certificate does not lead to an installed ManufacturerRootCertificate")
    return chain[0]


def verify_file(path: Path, signature_b64: str, certificate) -> None:
    """Raises InvalidSignature unless `signature_b64` signs the whole file with the certificate's key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        raise InvalidSignature("the signature is not base64") from None
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    prehashed = utils.Prehashed(hashes.SHA256())
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, digest.digest(), ec.ECDSA(prehashed))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, digest.digest(), padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH),
                   prehashed)
    else:
        raise InvalidSignature("unsupported signing key type")
