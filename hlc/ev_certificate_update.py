"""The bench car's contract update (ISO 15118-2 CertificateUpdate, 8.4.3.10), which iso15118's EV does not
do: where it would ask for an installation, a car told to update (`--update-contract`) sends a
CertificateUpdateReq signed with the contract it holds, checks the CPS's signature on the answer,
decrypts its new private key with the present contract key (ECDH with the CPS's ephemeral key, as the
installation does with the OEM provisioning key), keeps the new contract where its PKI keeps the old
one, and presents it in its PaymentDetailsReq. Everything it signs from then on (AuthorizationReq,
MeteringReceiptReq) is signed with the new key."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import load_der_x509_certificate
from iso15118.evcc.states import iso15118_2_states
from iso15118.evcc.states.evcc_state import StateEVCC
from iso15118.shared.exceptions import DecryptionError, PrivateKeyReadError
from iso15118.shared.exi_codec import EXI
from iso15118.shared.messages.enums import Namespace, Protocol
from iso15118.shared.messages.iso15118_2.body import CertificateUpdateReq, CertificateUpdateRes, PaymentDetailsReq
from iso15118.shared.messages.iso15118_2.datatypes import RootCertificateIDList, X509IssuerSerial
from iso15118.shared.security import (CertPath, KeyEncoding, KeyPasswordPath, KeyPath, create_signature,
                                      decrypt_priv_key, get_cert_cn, get_cert_issuer_serial, load_cert,
                                      load_cert_chain, load_priv_key, load_priv_key_pass, to_ec_pub_key,
                                      verify_signature)

from hlc.iso2_models import certificate_update_as_in_the_schema


def contract_key():
    """The contract's private key where the car's PKI keeps it (after an update, the new one)."""
    return load_priv_key(KeyPath.CONTRACT_LEAF_PEM, KeyEncoding.PEM, KeyPasswordPath.CONTRACT_LEAF_KEY_PASSWORD)


def _contract_chain():
    return load_cert_chain(protocol=Protocol.ISO_15118_2, leaf_path=CertPath.CONTRACT_LEAF_DER,
                           sub_ca2_path=CertPath.MO_SUB_CA2_DER, sub_ca1_path=CertPath.MO_SUB_CA1_DER)


def update_request() -> CertificateUpdateReq:
    issuer, serial = get_cert_issuer_serial(CertPath.V2G_ROOT_DER)
    return CertificateUpdateReq(
        id="id1", contract_cert_chain=_contract_chain(),
        emaid=get_cert_cn(load_cert(CertPath.CONTRACT_LEAF_DER)),
        list_of_root_cert_ids=RootCertificateIDList(
            x509_issuer_serials=[X509IssuerSerial(x509_issuer_name=issuer, x509_serial_number=serial)]))


def keep_contract(certificate_der: bytes, private_value: bytes) -> None:
    """The new contract where the PKI held the old one: the certificate in DER and PEM, the key (ISO 15118-2
    sends its 32-byte private value, encrypted) in PEM under the contract key's password."""
    certificate = load_der_x509_certificate(certificate_der)
    if len(private_value) != 32:
        raise DecryptionError(f"a contract key of {len(private_value)} bytes, not 32")
    key = ec.derive_private_key(int.from_bytes(private_value, "big"), ec.SECP256R1())
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise DecryptionError("the decrypted key is not the new contract certificate's")
    with open(CertPath.CONTRACT_LEAF_DER, "wb") as f:
        f.write(certificate_der)
    with open(CertPath.CONTRACT_LEAF_DER.removesuffix(".der") + ".pem", "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    password = load_priv_key_pass(KeyPasswordPath.CONTRACT_LEAF_KEY_PASSWORD)
    with open(KeyPath.CONTRACT_LEAF_PEM, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(password)))


class ContractUpdate(StateEVCC):
    """The CPS's CertificateUpdateRes, through the charger."""

    def __init__(self, comm_session):
        super().__init__(comm_session, iso15118_2_states.Timeouts.CERTIFICATE_INSTALLATION_REQ)

    async def process_message(self, message, message_exi: bytes = None):
        msg = self.check_msg_v2(message, CertificateUpdateRes)
        if not msg:
            return
        res: CertificateUpdateRes = msg.body.certificate_update_res
        signed = [(part.id, EXI().to_exi(part, Namespace.ISO_V2_MSG_DEF))
                  for part in (res.contract_cert_chain, res.encrypted_private_key, res.dh_public_key, res.emaid)]
        if not verify_signature(msg.header.signature, signed, res.cps_cert_chain.certificate,
                                res.cps_cert_chain.sub_certificates.certificates, load_cert(CertPath.V2G_ROOT_DER)):
            self.stop_state_machine("the CertificateUpdateRes is not signed by a CPS under the V2G root")
            return
        try:
            new_key = decrypt_priv_key(encrypted_priv_key_with_iv=res.encrypted_private_key.value,
                                       ecdh_priv_key=contract_key(),
                                       ecdh_pub_key=to_ec_pub_key(res.dh_public_key.value))
            keep_contract(res.contract_cert_chain.certificate, new_key)
        except (DecryptionError, PrivateKeyReadError, ValueError) as exc:
            self.stop_state_machine(f"the new contract's key could not be taken: {exc}")
            return
        self.create_next_message(iso15118_2_states.PaymentDetails,
                                 PaymentDetailsReq(emaid=get_cert_cn(load_cert(CertPath.CONTRACT_LEAF_DER)),
                                                   cert_chain=_contract_chain()),
                                 iso15118_2_states.Timeouts.PAYMENT_DETAILS_REQ, Namespace.ISO_V2_MSG_DEF)


def update_instead_of_installing() -> None:
    """Where iso15118's EV chose to install a contract after its PaymentServiceSelectionRes, this car
    updates the one it holds."""
    certificate_update_as_in_the_schema()
    states = iso15118_2_states
    original = states.PaymentServiceSelection.process_message

    async def process_message(self, message, message_exi=None):
        await original(self, message, message_exi)
        if self.next_state is not states.CertificateInstallation:
            return
        request = update_request()
        try:
            signature = create_signature([(request.id, EXI().to_exi(request, Namespace.ISO_V2_MSG_DEF))],
                                         contract_key())
        except PrivateKeyReadError as exc:
            self.stop_state_machine(f"no contract key to sign the CertificateUpdateReq with: {exc}")
            return
        self.create_next_message(ContractUpdate, request, states.Timeouts.CERTIFICATE_INSTALLATION_REQ,
                                 Namespace.ISO_V2_MSG_DEF, signature=signature)

    states.PaymentServiceSelection.process_message = process_message
