"""What goes into an export, read from a data directory (the service may be running: SQLite's
WAL lets this read beside it). Never a secret: no private key, no password, no API token, no
web password hash; certificates are listed with their fingerprints, and the trust anchors (root
certificates, public by nature) are included so a replacement unit can trust what this one did.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from firmware import __version__
from firmware.auth.cache import AuthCache
from firmware.auth.local_list import LocalList
from firmware.clock import iso
from firmware.export.cdr import cdrs
from firmware.history import SessionHistory
from firmware.migration import HISTORY
from firmware.security.certstore import ROOT_TYPES
from firmware.signed_records import check

PUBLIC_SETTINGS = ("csms_url", "charge_point_id", "ocpp_version", "security_profile")  # never the password


def collect(*, data_dir: Path, store, board, protocol, site, now) -> tuple[dict[str, bytes], dict]:
    """(files, what the manifest says about the charger)."""
    history = SessionHistory(store)
    transaction_id = protocol.transaction_ids(store)
    sessions = history.all()
    stamp = iso(now)
    charger = {"serial": board.serial, "model": board.model, "vendor": board.vendor, "firmware_version": __version__,
               "exported_at": stamp, "ocpp_version": protocol.version,
               "settings": {name: store.get(f"setting.{name}") for name in PUBLIC_SETTINGS}}
    files = {
        "charger.json": _json(charger),
        "transactions.csv": history.csv(transaction_id).encode(),
        "transactions.json": _json([{**s.as_dict(), "transaction_id": transaction_id(s.local_id),
                                     "signed": _signed(history, s),
                                     "ev_receipts": [r.as_dict() for r in history.receipts.of(s.local_id)]}
                                    for s in sessions]),
        "meter_values.csv": _samples_csv(history.samples(), transaction_id),
        "cdrs.json": _json(cdrs(sessions, history.samples, transaction_id, board, site, _ocpi(stamp),
                                history.signed.get)),
        "configuration.json": _json({"ocpp_version": protocol.version, "items": protocol.configuration()}),
        "local_list.json": _json({"version": LocalList(store, 10**9).version,
                                  "entries": [_entry(t, i) for t, i in LocalList(store, 10**9).all()]}),
        "auth_cache.json": _json([_entry(t, i) for t, i in AuthCache(store).all()]),
        "migrations.json": _json(store.get(HISTORY, [])),
    }
    files.update(_certificates(data_dir))
    files.update(_logs(data_dir))
    last_update = Path(data_dir) / "last_update.json"  # how the last firmware update ended (firmware.ota)
    if last_update.is_file():
        files["firmware/last_update.json"] = last_update.read_bytes()
    return files, {"charger": {k: charger[k] for k in ("serial", "model", "vendor", "firmware_version")},
                   "exported_at": stamp, "ocpp_version": protocol.version, "sessions": len(sessions)}


def _json(value) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode()


def _ocpi(stamp: str) -> str:
    return stamp[:19] + "Z"


def _entry(tag: str, info) -> dict:
    return {"id_tag": tag, "status": info.status, "expiry": info.expiry, "group": info.parent_id_tag}


def _samples_csv(samples, transaction_id) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["local_id", "transaction_id", "taken_at", "energy_wh", "power_w"])
    for local_id, taken_at, energy_wh, power_w in samples:
        writer.writerow([local_id, transaction_id(local_id) or "", taken_at, energy_wh, "" if power_w is None
                         else power_w])
    return out.getvalue().encode()


def _certificates(data_dir: Path) -> dict[str, bytes]:
    """certificates.json (every certificate's subject, issuer, serial, validity, SHA-256) and the roots."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certs = Path(data_dir) / "certs"
    found, files = [], {}
    paths = [(kind, p) for kind in ROOT_TYPES for p in sorted((certs / kind).glob("*.pem"))]
    paths += [("ChargingStationCertificate", p) for p in (certs / "cp.pem",) if p.exists()]
    for kind, path in paths:
        pem = path.read_bytes()
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            found.append({"kind": kind, "file": path.name, "error": "not a readable certificate"})
            continue
        found.append({"kind": kind, "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
                      "serial": format(cert.serial_number, "x"), "not_before": cert.not_valid_before_utc.isoformat(),
                      "not_after": cert.not_valid_after_utc.isoformat(),
                      "sha256": cert.fingerprint(hashes.SHA256()).hex()})
        if kind in ROOT_TYPES:
            files[f"trust_anchors/{kind}/{path.name}"] = pem
    files["certificates.json"] = _json(found)
    return files


def _logs(data_dir: Path) -> dict[str, bytes]:
    """The diagnostics log (secrets already redacted when written) and the security log, with their
    rotated parts: the fault history and the firmware history are in them."""
    folder = Path(data_dir) / "logs"
    return {f"logs/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.log*")) if p.is_file()}


def _signed(history, s) -> dict | None:
    """A signed session's record and its reconciliation (firmware.signed_records)."""
    record = history.signed.get(s.local_id)
    if record is None:
        return None
    return {"encoding": record.encoding, "public_key": record.public_key, "data": record.data,
            **check(record, s.meter_start_wh, s.meter_stop_wh).as_dict()}
