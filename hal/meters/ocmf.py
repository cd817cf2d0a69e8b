"""The pieces of an OCMF record (SAFE e.V. "Open Charge Metering Format") a signing meter's driver
assembles: the record from the meter's payload and signature, and the public key in the form the
transparency software takes. The payload is never re-serialized: its bytes are what was signed."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hal.errors import SigningError

P256 = "ECDSA-secp256r1-SHA256"  # OCMF table 22, the default


def record(payload: str, signature_der: bytes, method: str = P256) -> str:
    """OCMF|<payload as the meter wrote it>|{"SA":...,"SD":<hex DER>}."""
    if "|" in payload:
        raise SigningError("signature", "the meter's payload holds a '|', which OCMF forbids")
    return "OCMF|" + payload + "|" + json.dumps({"SA": method, "SD": clean_der(signature_der).hex().upper()},
                                                separators=(",", ":"))


def clean_der(signature: bytes) -> bytes:
    """The signature in strict DER. Some meter firmware pads r or s with a zero byte DER does not
    allow (EVerest's Iskra driver notes one); decoding and encoding again mends that and turns
    garbage into a SigningError."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        try:
            r, s = _loose_der(signature)
        except (IndexError, ValueError):
            raise SigningError("signature", f"the meter's signature is not DER: {signature.hex()}") from None
    return encode_dss_signature(r, s)


def _loose_der(signature: bytes) -> tuple[int, int]:
    """SEQUENCE { INTEGER r, INTEGER s } read without DER's minimal-length rule."""
    if signature[0] != 0x30:
        raise ValueError("not a sequence")
    at, numbers = 2, []
    for _ in range(2):
        if signature[at] != 0x02:
            raise ValueError("not an integer")
        length = signature[at + 1]
        numbers.append(int.from_bytes(signature[at + 2: at + 2 + length], "big"))
        at += 2 + length
    return numbers[0], numbers[1]


def p256_key_from_xy(xy: bytes) -> str:
    """A P-256 public key given as its 64 bytes X||Y, as hex DER SubjectPublicKeyInfo."""
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + xy)
    except ValueError:
        raise SigningError("signature", f"the meter's public key is not a P-256 point: {xy.hex()}") from None
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex().upper()
