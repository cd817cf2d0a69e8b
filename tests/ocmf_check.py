"""Checks an OCMF record the way a driver's transparency software would, independently of our code:
split it, and verify the meter's ECDSA signature over the payload's bytes with `cryptography`."""

import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def meter_key_files(tmp_path):
    """A P-256 key for a simulated meter: (its PEM file, its public key as DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "meter-key.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, der


def verify_ocmf(data: str, public_key_der: bytes) -> dict:
    """The record's payload, once its signature checks with the key (raises InvalidSignature)."""
    header, payload, signature = data.split("|")
    assert header == "OCMF"
    sig = json.loads(signature)
    assert sig["SA"] == "ECDSA-secp256r1-SHA256"
    key = serialization.load_der_public_key(public_key_der)
    key.verify(bytes.fromhex(sig["SD"]), payload.encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(payload)


async def refusals_are_signing_errors(meter, start, set_flags, key_der) -> None:
    """A signing meter's refusals, each as the SigningError kind the metering turns into a fault:
    a clock that refuses the time, a failed signature, nothing left to end, and a new key.
    `set_flags(**flags)`: the simulator's handles (refuse_clock, fail_signature, new_key)."""
    import asyncio

    import pytest

    from hal.errors import SigningError

    async def kind_of(call, *args):
        with pytest.raises(SigningError) as err:
            await asyncio.to_thread(call, *args)
        return err.value.kind

    await set_flags(refuse_clock=True)
    assert await kind_of(meter.begin_signed, start) == "clock"
    await set_flags(refuse_clock=False, fail_signature=True)
    try:  # a meter that signs its begin reading fails there already (the transaction stays open)
        await asyncio.to_thread(meter.begin_signed, start)
    except SigningError as exc:
        assert exc.kind == "signature"
    assert await kind_of(meter.end_signed, start.transaction_id) == "signature"
    assert await kind_of(meter.end_signed, start.transaction_id) == "state"  # nothing open any more
    await set_flags(fail_signature=False, new_key=True)
    assert bytes.fromhex(await asyncio.to_thread(meter.public_key)) != key_der
