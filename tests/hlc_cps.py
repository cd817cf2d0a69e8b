"""A certificate provisioning service for the DC tests' CSMS, run in .venv-hlc (it needs iso15118 and its
EXI codec): for each EV CertificateInstallationReq (base64 EXI, one per line on standard input) it
writes the CertificateInstallationRes a mobility operator's CPS would send (base64 EXI, one line): the
test PKI's contract, its key encrypted for the EV's OEM provisioning key, signed with the CPS key, in
the EV's session. It stays up between requests so the JVM starts once: the EV waits only 5 s. Its
lines begin with "ready", "answer " or "error " (iso15118 logs on standard output too)."""

import base64
import sys

from iso15118.secc.states.iso15118_2_states import CertificateInstallation
from iso15118.shared.exi_codec import EXI
from iso15118.shared.exificient_exi_codec import ExificientEXICodec
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.messages.iso15118_2.body import Body
from iso15118.shared.messages.iso15118_2.header import MessageHeader
from iso15118.shared.messages.iso15118_2.msgdef import V2GMessage
from iso15118.shared.settings import load_shared_settings


def answer(request_b64: str) -> str:
    request = EXI().from_exi(base64.b64decode(request_b64), Namespace.ISO_V2_MSG_DEF)
    response, signature = CertificateInstallation.generate_certificate_installation_res(None)
    message = V2GMessage(header=MessageHeader(session_id=request.header.session_id, signature=signature),
                         body=Body(certificate_installation_res=response))
    return base64.b64encode(EXI().to_exi(message, Namespace.ISO_V2_MSG_DEF)).decode()


def main() -> None:
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
