"""Where iso15118's ISO 15118-2 message models fall short of the norm's schema for CertificateUpdateReq,
mended once in each process that needs it (the SECC child, the bench car, the test's CPS), before any
message is made or read:

- its eMAID is the simple eMAIDType (a string of 14 or 15 characters) in the schema
  (V2G_CI_MsgBody.xsd); iso15118 declares it as the complex EMAIDType with an Id, which only
  CertificateInstallationRes and CertificateUpdateRes carry. Its EXI codec, driven by the schema,
  decodes the EV's request to a plain string that the model then refuses;
- iso15118's list of message names (`get_msg_type`) lacks CertificateUpdateReq and -Res, so its SECC
  cannot name the failed answer to one (stop_state_machine), whatever the state that refuses it."""

from __future__ import annotations

from pydantic import Field
from pydantic.fields import ModelField

from iso15118.secc.states import secc_state
from iso15118.shared import exi_codec
from iso15118.shared.messages.iso15118_2 import body
from iso15118.shared.messages.iso15118_2.body import CertificateUpdateReq, CertificateUpdateRes
from iso15118.shared.messages.iso15118_2.datatypes import eMAID

NAMED = {"CertificateUpdateReq": CertificateUpdateReq, "CertificateUpdateRes": CertificateUpdateRes}


def certificate_update_as_in_the_schema() -> None:
    if CertificateUpdateReq.__fields__["emaid"].type_ is eMAID:
        return
    CertificateUpdateReq.__fields__["emaid"] = ModelField.infer(
        name="emaid", value=Field(..., alias="eMAID"), annotation=eMAID, class_validators=None,
        config=CertificateUpdateReq.__config__)
    named = body.get_msg_type

    def get_msg_type(msg_name: str):
        return NAMED.get(msg_name) or named(msg_name)

    for module in (body, secc_state, exi_codec):
        module.get_msg_type = get_msg_type
