"""ISO 15118-2 CertificateUpdate (8.4.3.10): a Plug & Charge EV whose contract nears its end, or was
replaced at its mobility operator, asks for the next one through the charger, signing the request
with the contract it holds. The charger passes it to the CSMS unread (OCPP 2.0.1 Get15118EVCertificate
with action Update, M02) and gives the EV the answer as it came, as with an installation (M01); the
EV decrypts its new private key with its present contract key and presents the new contract in its
PaymentDetailsReq.

iso15118 offers and handles the installation only. Here the SECC offers the Certificate service's
Update parameter set beside it (ISO 15118-2 Table 105: parameter set 1 Installation, 2 Update), and a
CertificateUpdateReq after the payment service selection is taken by `CertificateUpdate`: the
signature checked against the contract chain the request carries (its trust is the CSMS's to judge,
as the installation's OEM chain is), then the CSMS's answer.
"""

from __future__ import annotations

import base64

from iso15118.secc.states import iso15118_2_states
from iso15118.secc.states.secc_state import StateSECC
from iso15118.shared.exi_codec import EXI
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.messages.iso15118_2.body import CertificateUpdateReq, CertificateUpdateRes, ServiceDetailRes
from iso15118.shared.messages.iso15118_2.datatypes import Parameter, ParameterSet, ResponseCode, ServiceID
from iso15118.shared.messages.timeouts import Timeouts
from iso15118.shared.security import verify_signature
from iso15118.shared.states import Base64

from hlc.iso2_models import certificate_update_as_in_the_schema

UPDATE_PARAMETER_SET = 2  # ISO 15118-2 Table 105: the Certificate service's "Update"


class CertificateUpdate(StateSECC):
    def __init__(self, comm_session):
        super().__init__(comm_session, Timeouts.V2G_SECC_SEQUENCE_TIMEOUT)

    async def process_message(self, message, message_exi: bytes = None):
        msg = self.check_msg_v2(message, [CertificateUpdateReq])
        if not msg:
            return
        request: CertificateUpdateReq = msg.body.certificate_update_req
        signed = [(request.id, EXI().to_exi(request, Namespace.ISO_V2_MSG_DEF))]
        if not verify_signature(msg.header.signature, signed, request.contract_cert_chain.certificate):
            self.stop_state_machine("the EV's CertificateUpdateReq is not signed by the contract it carries",
                                    message, ResponseCode.FAILED_SIGNATURE_ERROR)
            return
        controller = self.comm_session.evse_controller
        try:
            answer = await controller.update_15118_ev_certificate(base64.b64encode(message_exi).decode(),
                                                                  Namespace.ISO_V2_MSG_DEF)
        except LookupError as exc:
            self.stop_state_machine(str(exc), message, ResponseCode.FAILED_NO_CERTIFICATE_AVAILABLE)
            return
        self.create_next_message(iso15118_2_states.PaymentDetails,
                                 Base64(message=answer, message_name=CertificateUpdateRes.__name__,
                                        namespace=Namespace.ISO_V2_MSG_DEF),
                                 Timeouts.V2G_SECC_SEQUENCE_TIMEOUT, Namespace.ISO_V2_MSG_DEF)


def offer_certificate_updates() -> None:
    """The Certificate service's details list Update beside Installation, and a CertificateUpdateReq
    after the payment service selection goes to `CertificateUpdate` (iso15118's state would refuse it
    as out of sequence)."""
    certificate_update_as_in_the_schema()
    detail = iso15118_2_states.ServiceDetail
    original_detail = detail.create_next_message

    def create_next_message(self, next_state, next_msg, *args, **kwargs):
        if isinstance(next_msg, ServiceDetailRes) and next_msg.service_id == ServiceID.CERTIFICATE \
                and next_msg.service_parameter_list is not None:
            sets = list(next_msg.service_parameter_list.parameter_set)
            if all(s.parameter_set_id != UPDATE_PARAMETER_SET for s in sets):
                sets.append(ParameterSet(parameter_set_id=UPDATE_PARAMETER_SET,
                                         parameters=[Parameter(name="Service", str_value="Update")]))
                next_msg = next_msg.copy(update={"service_parameter_list": next_msg.service_parameter_list.copy(
                    update={"parameter_set": sets})})
        return original_detail(self, next_state, next_msg, *args, **kwargs)

    detail.create_next_message = create_next_message
    selection = iso15118_2_states.PaymentServiceSelection
    original_selection = selection.process_message

    async def process_message(self, message, message_exi=None):
        body = getattr(message, "body", None)
        if getattr(body, "certificate_update_req", None) is not None and not self.expecting_service_selection_req:
            await CertificateUpdate(self.comm_session).process_message(message, message_exi)
            return
        await original_selection(self, message, message_exi)

    selection.process_message = process_message
