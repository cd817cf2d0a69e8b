"""Where iso15118's ISO 15118-2 message models differ from the norm's schema, mended once in each process
that needs it (the SECC child and the bench car), before any message is made or read.

CertificateUpdateReq's eMAID is the simple eMAIDType (a string of 14 or 15 characters) in the schema
(V2G_CI_MsgBody.xsd); iso15118 declares it as the complex EMAIDType with an Id, which only
CertificateInstallationRes and CertificateUpdateRes carry. Its EXI codec, driven by the schema, then
decodes the EV's request to a plain string that the model refuses, and the SECC stops the session."""

from __future__ import annotations

from pydantic import Field
from pydantic.fields import ModelField

from iso15118.shared.messages.iso15118_2.body import CertificateUpdateReq
from iso15118.shared.messages.iso15118_2.datatypes import eMAID


def certificate_update_req_emaid_as_in_the_schema() -> None:
    if CertificateUpdateReq.__fields__["emaid"].type_ is eMAID:
        return
    CertificateUpdateReq.__fields__["emaid"] = ModelField.infer(
        name="emaid", value=Field(..., alias="eMAID"), annotation=eMAID, class_validators=None,
        config=CertificateUpdateReq.__config__)
