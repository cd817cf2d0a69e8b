"""What a charger kept of its EVs' MeteringReceipts (ISO 15118-2), read as its owner would: `evse export`
of its data directory, then `hlc.receipt_check` on the bundle's transactions in .venv-hlc (the EV's
message decoded and its signature verified with the contract's certificate, outside the controller)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from controller import ROOT
from hlc_bench import HLC_PYTHON


def exported_receipts(data_dir: Path, board: str, tmp: Path) -> tuple[list[dict], list[dict]]:
    """(the export's sessions, one check per receipt in them)."""
    bundle = tmp / "receipts-export.zip"
    subprocess.run([sys.executable, "-m", "firmware", "export", "--data-dir", str(data_dir), "--board", board,
                    "--out", str(bundle), "--config", "/nonexistent"], cwd=ROOT, check=True, timeout=120,
                   capture_output=True)
    with zipfile.ZipFile(bundle) as z:
        sessions = json.loads(z.read("transactions.json"))
    return sessions, checked(sessions, tmp)


def checked(sessions: list[dict], tmp: Path) -> list[dict]:
    """`hlc.receipt_check` on these sessions: one result per receipt."""
    path = tmp / "receipts-transactions.json"
    path.write_text(json.dumps(sessions))
    done = subprocess.run([str(HLC_PYTHON), "-m", "hlc.receipt_check", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    checks = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == (1 if any(not c["verified"] for c in checks) else 0), done.stderr[-2000:]
    return checks


def tampered(sessions: list[dict]) -> list[dict]:
    """The same sessions with one bit of the first receipt's message flipped, in its meter reading's region."""
    copy = json.loads(json.dumps(sessions))
    receipt = next(r for s in copy for r in s["ev_receipts"])
    raw = bytearray(base64.b64decode(receipt["exi"]))
    raw[-3] ^= 0x01
    receipt["exi"] = base64.b64encode(bytes(raw)).decode()
    return copy
