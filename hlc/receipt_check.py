"""Checks the EV's MeteringReceipts a charger kept (firmware.ev_receipts), as a driver's account or an
auditor would: the EV's message decoded from its EXI, its signature verified with the contract's leaf
certificate over the MeteringReceiptReq's EXI (ISO 15118-2 8.4.3.13, the SignedInfo of its header).

    python -m hlc.receipt_check EXPORT/transactions.json

Runs in the EV link's environment (.venv-hlc: iso15118's codec and signature check); prints one JSON
line per receipt: the session, what the EV signed, and whether the signature holds."""

from __future__ import annotations

import base64
import json
import sys

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_pem_x509_certificate
from iso15118.shared.exi_codec import EXI
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.security import verify_signature
from iso15118.shared.settings import SettingKey, shared_settings

from hlc.exi_codec import CachedExiCodec


def check(exi: str, certificate: str) -> dict:
    """What the EV signed, and `verified`: the signature holds for it and the certificate's key."""
    try:
        message = EXI().from_exi(base64.b64decode(exi, validate=True), Namespace.ISO_V2_MSG_DEF)
        request = message.body.metering_receipt_req
        leaf = load_pem_x509_certificate(certificate.encode()).public_bytes(Encoding.DER)
    except Exception as exc:  # noqa: BLE001 (base64, PEM, and the codec's kinds of its own)
        return {"verified": False, "problem": f"not a readable MeteringReceiptReq: {type(exc).__name__}"}
    if request is None or message.header.signature is None:
        return {"verified": False, "problem": "not a signed MeteringReceiptReq"}
    info = request.meter_info
    verified = verify_signature(message.header.signature,
                                [(request.id, EXI().to_exi(request, Namespace.ISO_V2_MSG_DEF))], leaf)
    return {"verified": bool(verified), "meter_wh": info.meter_reading, "meter_id": info.meter_id,
            "t_meter": info.t_meter, "session_id": request.session_id,
            "problem": None if verified else "the signature does not hold for this message and certificate"}


def main(path: str) -> int:
    # iso15118's codec reads these of its settings on every message (a session's SECC loads them from the
    # environment); a check logs no messages.
    shared_settings.update({SettingKey.MESSAGE_LOG_JSON: False, SettingKey.MESSAGE_LOG_EXI: False})
    EXI().set_exi_codec(CachedExiCodec())
    failed = 0
    for session in json.loads(open(path, encoding="utf-8").read()):
        for receipt in session.get("ev_receipts") or []:
            result = check(receipt["exi"], receipt["certificate"])
            if result["verified"] and result["meter_wh"] != receipt["meter_wh"]:
                result.update(verified=False, problem=f"the charger kept {receipt['meter_wh']} Wh")
            failed += not result["verified"]
            print(json.dumps({"session": session.get("local_id"), "transaction_id": session.get("transaction_id"),
                              **result}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
