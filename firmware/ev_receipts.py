"""The EV's own signed word on the meter (ISO 15118-2 MeteringReceipt, 8.4.3.13), kept with its session.

A Plug & Charge EV asked for a receipt signs, with its contract's private key, the MeterInfo the
charger told it (the meter's register in Wh, its id, the time). The SECC verified the signature against
the contract chain before accepting it (hlc.secc_receipts); what is kept here is the EV's whole message
as it came, in EXI, with the contract's leaf certificate, so that the driver's account can be checked
against it later by anyone with an ISO 15118-2 decoder (`hlc.receipt_check` does it in the EV link's
environment). The export carries each session's receipts beside the meter's own signed record.

A receipt is the driver's acknowledgement, not the meter's measurement: the bill stays the meter's
start and stop (firmware.recorder); a receipt that does not match them says something went wrong
between the charger and the EV, and the export shows it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import sqlite3
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ev_receipts (
    local_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    meter_wh INTEGER NOT NULL,
    meter_id TEXT NOT NULL,
    t_meter INTEGER,
    exi TEXT NOT NULL,
    certificate TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ev_receipts_session ON ev_receipts (local_id);
"""
MAX_EXI_CHARS = 8000  # a MeteringReceiptReq with its signature is some 300 bytes of EXI
MAX_PEM_CHARS = 5500  # one certificate of at most 800 bytes (ISO 15118-2 certificateType) is far less
MAX_METER_WH = 999_999_999  # ISO 15118-2 MeterReading


@dataclass(frozen=True)
class EvReceipt:
    received_at: str  # ISO 8601 UTC, the charger's clock
    meter_wh: int  # MeterReading the EV signed
    meter_id: str
    t_meter: int | None  # TMeter: the reading's time as the charger told it (Unix seconds)
    exi: str  # the EV's MeteringReceiptReq message, header and signature included, EXI in base64
    certificate: str  # the contract's leaf certificate, PEM

    def as_dict(self) -> dict:
        return asdict(self)


def receipt_from_link(message: dict, received_at: str) -> EvReceipt | None:
    """The EV link's `receipt` line as a receipt, or None (with a log line) when it is not one."""
    wh, meter_id, t_meter = message.get("meter_wh"), message.get("meter_id"), message.get("t_meter")
    exi, pem = message.get("exi"), message.get("certificate")
    problem = None
    if not isinstance(wh, int) or isinstance(wh, bool) or not 0 <= wh <= MAX_METER_WH:
        problem = f"meter reading {wh!r}"
    elif not isinstance(meter_id, str) or not 0 < len(meter_id) <= 32:
        problem = f"meter id {meter_id!r}"
    elif t_meter is not None and (not isinstance(t_meter, int) or isinstance(t_meter, bool)):
        problem = f"meter time {t_meter!r}"
    elif not isinstance(exi, str) or not 0 < len(exi) <= MAX_EXI_CHARS or not _base64(exi):
        problem = "its message is not base64 of a size a receipt has"
    elif not isinstance(pem, str) or len(pem) > MAX_PEM_CHARS or "BEGIN CERTIFICATE" not in pem:
        problem = "no contract certificate"
    if problem is not None:
        log.warning("an EV's metering receipt dropped: %s", problem)
        return None
    return EvReceipt(received_at, wh, meter_id, t_meter, exi, pem)


def _base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


class EvReceipts:
    def __init__(self, store):
        self._store = store
        store.ensure(SCHEMA)

    def add(self, local_id: str, receipt: EvReceipt) -> None:
        with self._store.transaction():
            self._store.db.execute("INSERT INTO ev_receipts VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   (local_id, receipt.received_at, receipt.meter_wh, receipt.meter_id,
                                    receipt.t_meter, receipt.exi, receipt.certificate))

    def of(self, local_id: str) -> list[EvReceipt]:
        """A session's receipts, oldest first."""
        rows = self._store.db.execute(
            "SELECT received_at, meter_wh, meter_id, t_meter, exi, certificate FROM ev_receipts WHERE local_id = ? "
            "ORDER BY received_at, rowid", (local_id,)).fetchall()
        return [EvReceipt(*row) for row in rows]


def keep_receipt(receipts: EvReceipts, connector, message: dict, now) -> None:
    """An EV link's `receipt` line, kept with the session of the connector's plug-in (running, or ended by
    the stop whose reading the EV signed); dropped with a log line when it is no receipt or has no session."""
    receipt = receipt_from_link(message, now.isoformat())
    if receipt is None:
        return
    local_id = connector.receipt_session
    if local_id is None:
        log.warning("connector %s: the EV signed the meter's %d Wh but no session of this plug-in is known; "
                    "the receipt is dropped", connector.id, receipt.meter_wh)
        return
    try:
        receipts.add(local_id, receipt)
    except sqlite3.Error as exc:  # evidence, not safety: the EV's session goes on, the technician is told
        log.error("connector %s: the EV's receipt of %d Wh for session %s could not be kept: %s", connector.id,
                  receipt.meter_wh, local_id, exc)
        return
    log.info("connector %s: the EV signed the meter's %d Wh (ISO 15118-2 MeteringReceipt) for session %s",
             connector.id, receipt.meter_wh, local_id)
