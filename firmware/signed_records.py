"""Each signed session's reconciliation: the signing meter's record kept beside the session's own
meter start and stop, checked the way a driver's transparency software checks it.

`check` verifies the OCMF record's signature with the key it came with (ECDSA over the payload's
bytes, as SAFE e.V.'s OCMF has it) and compares its begin and end readings with the meter start
and stop that were billed; the page, the export and the witness sheet show the outcome. A record
that fails here was still passed on untouched: the check is the charger telling its owner, not a
filter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hal.types import SignedRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_signed (
    local_id TEXT PRIMARY KEY,
    encoding TEXT NOT NULL,
    signing_method TEXT NOT NULL,
    public_key TEXT NOT NULL,
    data TEXT NOT NULL
);
"""
TOLERANCE_WH = 1.0  # the record's kWh with three decimals against the billed Wh
UNITS = {"kWh": 1000.0, "Wh": 1.0}


@dataclass(frozen=True)
class SignedCheck:
    verified: bool  # the signature holds for the payload and the key
    begin_wh: float | None
    end_wh: float | None
    matches: bool  # begin and end are the billed meter start and stop
    problem: str | None

    def as_dict(self) -> dict:
        return {"verified": self.verified, "begin_wh": self.begin_wh, "end_wh": self.end_wh, "matches": self.matches,
                "problem": self.problem}


class SignedRecords:
    def __init__(self, store):
        self._db = store.db
        store.ensure(SCHEMA)

    def add(self, local_id: str, record: SignedRecord) -> None:
        """Inside the caller's transaction (the session's close)."""
        self._db.execute("INSERT OR REPLACE INTO session_signed VALUES (?, ?, ?, ?, ?)",
                         (local_id, record.encoding, record.signing_method, record.public_key, record.data))

    def get(self, local_id: str) -> SignedRecord | None:
        row = self._db.execute("SELECT data, public_key, signing_method, encoding FROM session_signed "
                               "WHERE local_id = ?", (local_id,)).fetchone()
        return SignedRecord(*row) if row else None


def check(record: SignedRecord, meter_start_wh: float, meter_stop_wh: float) -> SignedCheck:
    try:
        header, payload, signature = record.data.split("|")
        key = serialization.load_der_public_key(bytes.fromhex(record.public_key))
        if header != "OCMF" or not isinstance(key, ec.EllipticCurvePublicKey):
            raise ValueError("not an OCMF record with an EC key")
        key.verify(bytes.fromhex(json.loads(signature)["SD"]), payload.encode(), ec.ECDSA(hashes.SHA256()))
        readings = json.loads(payload)["RD"]
    except InvalidSignature:
        return SignedCheck(False, None, None, False, "the signature does not hold for this record and key")
    except (ValueError, KeyError, TypeError) as exc:
        return SignedCheck(False, None, None, False, f"not a readable OCMF record: {exc}")
    begin_wh, end_wh = (_wh(readings[0]), _wh(readings[-1])) if readings else (None, None)
    if begin_wh is None or end_wh is None:
        return SignedCheck(True, begin_wh, end_wh, False, "the record has no begin and end energy readings")
    matches = abs(begin_wh - meter_start_wh) <= TOLERANCE_WH and abs(end_wh - meter_stop_wh) <= TOLERANCE_WH
    problem = None if matches else (f"signed {begin_wh:.0f}-{end_wh:.0f} Wh, billed "
                                    f"{meter_start_wh:.0f}-{meter_stop_wh:.0f} Wh")
    return SignedCheck(True, begin_wh, end_wh, matches, problem)


def _wh(reading: dict) -> float | None:
    try:
        return float(reading["RV"]) * UNITS[reading.get("RU", "kWh")]
    except (KeyError, TypeError, ValueError):
        return None
