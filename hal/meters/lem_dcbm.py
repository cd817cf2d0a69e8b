"""LEM DCBM 400/600 (DC, MID and German calibration law) over its own HTTP(S) API, as EVerest's
LemDCBM400600 module drives it: GET /v1/livemeasure for readings, PUT /v1/settings for the legal
clock, GET /v1/status for its state and key, POST /v1/legal to begin a signed transaction,
PUT /v1/legal?transactionId= to end it and GET /v1/ocmf?transactionId= for its OCMF record.

A hal.interfaces.SigningMeter whose transport is HTTP instead of Modbus; every call blocks for
at most `timeout_s` per request. Energies in livemeasure are read as Wh, as EVerest reads them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from hal.errors import MeterError, SigningError
from hal.meters.ocmf import P256, p256_key_from_xy
from hal.types import MeterReading, SignedRecord, SignedStart

TRANSACTION_ON_GOING = 0b100  # transactionStatus / status bit 2


class LemDcbm:
    def __init__(self, url: str, timeout_s: float = 2.0, wall=time.time):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._wall = wall
        self._meter_id: str | None = None  # asked once, and again after a failure (a swapped meter)

    def read(self) -> MeterReading:
        try:
            if self._meter_id is None:
                self._meter_id = str(self._status().get("meterId", "")) or None
            _, m = self._call("GET", "/v1/livemeasure")
            return MeterReading(energy_wh=float(m["energyImportTotal"]), power_w=float(m["power"]),
                                currents_a=(float(m["current"]),), voltages_v=(float(m["voltage"]),),
                                taken_at=time.monotonic(), serial=self._meter_id, dc=True)
        except (KeyError, TypeError, ValueError) as exc:
            self._meter_id = None
            raise MeterError(f"LEM DCBM at {self.url}: livemeasure without {exc}") from None
        except MeterError:
            self._meter_id = None
            raise

    def public_key(self) -> str:
        status = self._status()
        der = str(status.get("publicKeyOcmf", ""))
        if der.upper().startswith("3059"):  # already DER SubjectPublicKeyInfo, hex
            return der.upper()
        try:
            return p256_key_from_xy(bytes.fromhex(str(status["publicKey"])))
        except (KeyError, ValueError):
            raise SigningError("signature", f"LEM DCBM at {self.url}: no public key in its status") from None

    def begin_signed(self, start: SignedStart) -> None:
        """The LEM signs a transaction's record at its end only: no begin record."""
        utc = datetime.fromtimestamp(self._wall(), timezone.utc).isoformat(timespec="seconds")
        code, answer = self._call("PUT", "/v1/settings", {"time": {"utc": utc}}, ok=(200, 409))
        bits = self._status().get("status", {}).get("bits", {})
        if code != 200 or answer.get("result") != 1 or not bits.get("timeSyncStatusIsOk", False):
            raise SigningError("clock", f"LEM DCBM at {self.url}: its legal clock did not take {utc}")
        body = {"evseId": start.charge_point, "transactionId": start.transaction_id, "clientId": start.id_token,
                "tariffId": 0, "cableId": 0, "userData": ""}
        code, answer = self._call("POST", "/v1/legal", body, ok=(201, 409))
        if code == 409:
            raise SigningError("state", f"LEM DCBM at {self.url}: a transaction is still running")
        if answer.get("running") is not True:
            raise SigningError("signature", f"LEM DCBM at {self.url}: transaction {start.transaction_id} not running")

    def sign_reading(self, transaction_id: str) -> None:
        """Its API hands out a transaction's OCMF record at the end only."""
        return None

    def end_signed(self, transaction_id: str) -> SignedRecord:
        path = f"/v1/legal?transactionId={urllib.request.quote(transaction_id)}"
        code, answer = self._call("PUT", path, {"running": False}, ok=(200, 404))
        if code == 404:
            raise SigningError("state", f"LEM DCBM at {self.url}: no transaction {transaction_id}")
        status = answer.get("meterValue", {}).get("transactionStatus", 0)
        if not isinstance(status, int) or status & TRANSACTION_ON_GOING:
            raise SigningError("signature", f"LEM DCBM at {self.url}: transaction {transaction_id} did not end "
                                            f"(status {status})")
        record = self._text(f"/v1/ocmf?transactionId={urllib.request.quote(transaction_id)}")
        if not record.startswith("OCMF|") or record.count("|") != 2:
            raise SigningError("signature", f"LEM DCBM at {self.url}: its record is no OCMF: {record[:40]!r}")
        method = json.loads(record.rsplit("|", 1)[1]).get("SA", P256)
        return SignedRecord(record, self.public_key(), method)

    # ---- HTTP -----------------------------------------------------------------------------
    def _status(self) -> dict:
        return self._call("GET", "/v1/status")[1]

    def _call(self, method: str, path: str, body: dict | None = None, ok=(200,)) -> tuple[int, dict]:
        code, text = self._request(method, path, body, ok)
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            raise MeterError(f"LEM DCBM at {self.url}: {method} {path} answered no JSON") from None
        if not isinstance(answer, dict):
            raise MeterError(f"LEM DCBM at {self.url}: {method} {path} answered {type(answer).__name__}")
        return code, answer

    def _text(self, path: str) -> str:
        return self._request("GET", path, None, (200,))[1]

    def _request(self, method: str, path: str, body, ok) -> tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as r:
                code, text = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            code, text = exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            raise MeterError(f"LEM DCBM at {self.url}: {method} {path}: {exc}") from None
        if code not in ok:
            raise MeterError(f"LEM DCBM at {self.url}: {method} {path} answered HTTP {code}")
        return code, text

    def close(self) -> None:
        """Nothing held open between requests."""
