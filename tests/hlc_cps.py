"""A certificate provisioning service for the DC tests' CSMS, run in .venv-hlc (it needs iso15118 and its
EXI codec): for each EV CertificateInstallationReq (base64 EXI, one per line on standard input) it
writes the CertificateInstallationRes a mobility operator's CPS would send (base64 EXI, one line): the
test PKI's contract, its key encrypted for the EV's OEM provisioning key, signed with the CPS key, in
the EV's session. For a CertificateUpdateReq it issues the next contract (same eMAID, a new key and
serial, under the test PKI's MO sub-CA 2) and encrypts its key for the contract being replaced.
Run from the project's root with it on PYTHONPATH (tests/integration/test_dc_contract_install.py). It
stays up between requests so the JVM starts once: the EV waits only 5 s. Its lines begin with "ready",
"answer " or "error " (iso15118 logs on standard output too)."""

import base64
import sys
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID

from iso15118.secc.states.iso15118_2_states import CertificateInstallation
from iso15118.shared.exi_codec import EXI
from iso15118.shared.exificient_exi_codec import ExificientEXICodec
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.messages.iso15118_2.body import Body, CertificateUpdateReq, CertificateUpdateRes
from iso15118.shared.messages.iso15118_2.datatypes import (EMAID, CertificateChain, DHPublicKey, EncryptedPrivateKey,
                                                           ResponseCode, SubCertificates)
from iso15118.shared.messages.iso15118_2.header import MessageHeader
from iso15118.shared.messages.iso15118_2.msgdef import V2GMessage
from iso15118.shared.security import (CertPath, KeyEncoding, KeyPasswordPath, KeyPath, create_signature,
                                      encrypt_priv_key, get_cert_cn, load_cert, load_priv_key)
from iso15118.shared.settings import load_shared_settings

from hlc.iso2_models import certificate_update_as_in_the_schema


def answer(request_b64: str) -> str:
    request = EXI().from_exi(base64.b64decode(request_b64), Namespace.ISO_V2_MSG_DEF)
    if request.body.certificate_update_req is not None:
        response, signature = update(request.body.certificate_update_req)
        body = Body(certificate_update_res=response)
    else:
        response, signature = CertificateInstallation.generate_certificate_installation_res(None)
        body = Body(certificate_installation_res=response)
    message = V2GMessage(header=MessageHeader(session_id=request.header.session_id, signature=signature), body=body)
    return base64.b64encode(EXI().to_exi(message, Namespace.ISO_V2_MSG_DEF)).decode()


def next_contract(old_der: bytes) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """The old contract's subject and extensions, a new key, serial and validity, under MO sub-CA 2."""
    old = x509.load_der_x509_certificate(old_der)
    issuer = x509.load_der_x509_certificate(load_cert(CertPath.MO_SUB_CA2_DER))
    issuer_key = load_priv_key(KeyPath.MO_SUB_CA2_PEM, KeyEncoding.PEM, KeyPasswordPath.MO_SUB_CA2_PASSWORD)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(issuer.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=730)))
    for ext in old.extensions:
        value = x509.SubjectKeyIdentifier.from_public_key(key.public_key()) \
            if ext.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER else ext.value
        builder = builder.add_extension(value, ext.critical)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER), key


def update(request: CertificateUpdateReq) -> tuple[CertificateUpdateRes, object]:
    new_der, key = next_contract(request.contract_cert_chain.certificate)
    dh_public, encrypted = encrypt_priv_key(oem_prov_cert=request.contract_cert_chain.certificate,
                                            priv_key_to_encrypt=key)
    mo = SubCertificates(certificates=[load_cert(CertPath.MO_SUB_CA2_DER), load_cert(CertPath.MO_SUB_CA1_DER)])
    cps = CertificateChain(certificate=load_cert(CertPath.CPS_LEAF_DER), sub_certificates=SubCertificates(
        certificates=[load_cert(CertPath.CPS_SUB_CA2_DER), load_cert(CertPath.CPS_SUB_CA1_DER)]))
    response = CertificateUpdateRes(
        response_code=ResponseCode.OK, cps_cert_chain=cps,
        contract_cert_chain=CertificateChain(id="id1", certificate=new_der, sub_certificates=mo),
        encrypted_private_key=EncryptedPrivateKey(id="id2", value=encrypted), dh_public_key=DHPublicKey(
            id="id3", value=dh_public), emaid=EMAID(id="id4", value=get_cert_cn(new_der)), retry_counter=0)
    parts = (response.contract_cert_chain, response.encrypted_private_key, response.dh_public_key, response.emaid)
    signature = create_signature([(p.id, EXI().to_exi(p, Namespace.ISO_V2_MSG_DEF)) for p in parts],
                                 load_priv_key(KeyPath.CPS_LEAF_PEM, KeyEncoding.PEM,
                                               KeyPasswordPath.CPS_LEAF_KEY_PASSWORD))
    return response, signature


def main() -> None:
    certificate_update_as_in_the_schema()  # as the SECC and the car read it
    load_shared_settings()  # PKI_PATH: the test PKI
    EXI().set_exi_codec(ExificientEXICodec())
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            print(f"answer {answer(line.strip())}", flush=True)
        except Exception as exc:  # noqa: BLE001 (the test reads the refusal)
            print(f"error {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
