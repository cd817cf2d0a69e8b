"""The SECC's side of ISO 15118-2 CertificateUpdate (hlc/secc_certificate_update.py), with iso15118's own
types and the test PKI, in .venv-hlc. The whole update, through the controller to a CSMS whose CPS
issues the next contract, is test_dc_contract_install's."""

import json
import os
import subprocess

from hlc_bench import HLC_PYTHON, ensure_hlc_environment
from v2g_pki import make_pki

SCRIPT = r"""
import asyncio, base64, json
from types import SimpleNamespace
from iso15118.shared.settings import load_shared_settings
load_shared_settings()
from cryptography.hazmat.primitives.asymmetric import ec
from iso15118.secc.failed_responses import init_failed_responses_iso_v2
from iso15118.shared.exi_codec import EXI
from iso15118.shared.messages.enums import Namespace, Protocol
from iso15118.shared.messages.iso15118_2.body import Body
from iso15118.shared.messages.iso15118_2.header import MessageHeader
from iso15118.shared.messages.iso15118_2.msgdef import V2GMessage
from iso15118.shared.security import create_signature
from hlc.exi_codec import CachedExiCodec
from hlc.ev_certificate_update import contract_key, update_request
from hlc.secc_certificate_update import CertificateUpdate, offer_certificate_updates

EXI().set_exi_codec(CachedExiCodec())
offer_certificate_updates()
NS = Namespace.ISO_V2_MSG_DEF

class Controller:
    def __init__(self, answer): self.asked, self.answer = [], answer
    async def update_15118_ev_certificate(self, exi, namespace):
        self.asked.append(namespace)
        if self.answer is None:
            raise LookupError("no contract certificate for the EV: the CSMS answered Failed")
        return self.answer

async def run(key, answer):
    request = update_request()
    signature = create_signature([(request.id, EXI().to_exi(request, NS))], key)
    exi = EXI().to_exi(V2GMessage(header=MessageHeader(session_id="0102030405060708", signature=signature),
                                  body=Body(certificate_update_req=request)), NS)
    # the CSMS's answer: any EXI document stands for the CPS's CertificateUpdateRes here (iso15118 decodes
    # it to log it); the request's own is one
    controller = Controller(base64.b64encode(exi).decode() if answer else None)
    session = SimpleNamespace(session_id="0102030405060708", evse_controller=controller, stop_reason=None,
                              protocol=Protocol.ISO_15118_2,
                              failed_responses_isov2=init_failed_responses_iso_v2(),
                              writer=SimpleNamespace(get_extra_info=lambda name: None))
    state = CertificateUpdate(session)
    await state.process_message(EXI().from_exi(exi, NS), exi)
    sent = state.message
    code = getattr(getattr(sent, "body", None), "certificate_update_res", None)
    as_it_came = controller.answer is not None and getattr(sent, "message", None) == controller.answer
    return {"next": state.next_state.__name__, "asked": controller.asked,
            "answer": "as it came" if as_it_came else code.response_code.value,
            "why": getattr(session.stop_reason, "reason", None)}

async def main():
    return {"good": await run(contract_key(), True),
            "forged": await run(ec.generate_private_key(ec.SECP256R1()), True),
            "failed": await run(contract_key(), False)}

print(json.dumps(asyncio.run(main())))
"""


def test_the_secc_passes_a_signed_update_on_and_refuses_a_forged_one(tmp_path):
    """A CertificateUpdateReq signed by the contract it carries goes to the CSMS (the schema's namespace) and
    its answer to the EV as it came, before the EV's PaymentDetailsReq; one signed by another key is
    refused (FAILED_SignatureError) before the CSMS is asked; a CSMS without an answer ends it with
    FAILED_NoCertificateAvailable. The request's eMAID is the schema's plain string (hlc/iso2_models.py)."""
    ensure_hlc_environment()
    pki = make_pki(tmp_path)
    done = subprocess.run([str(HLC_PYTHON), "-c", SCRIPT], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), timeout=120,
                          env={**os.environ, "PKI_PATH": f"{pki}/", "PYTHONPATH": str(HLC_PYTHON.parents[2])})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    namespace = "urn:iso:15118:2:2013:MsgDef"
    assert out["good"] == {"next": "PaymentDetails", "asked": [namespace], "answer": "as it came", "why": None}
    assert out["forged"]["next"] == "Terminate" and out["forged"]["asked"] == []
    assert out["forged"]["answer"] == "FAILED_SignatureError" and "not signed" in out["forged"]["why"]
    assert out["failed"]["next"] == "Terminate" and out["failed"]["asked"] == [namespace]
    assert out["failed"]["answer"] == "FAILED_NoCertificateAvailable" and "Failed" in out["failed"]["why"]
