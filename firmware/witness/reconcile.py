"""Metering and billing: a reconciliation sheet of every transaction of the run, from three
places: what the meter counted (the charger's own history), what was sent (the frames), and
optionally what the CSMS billed (its session export, CSV). Energy must agree to the Wh and
times to the second. A session a signing meter measured must have its record sent untouched,
with a signature that holds and readings equal to what was billed (firmware.signed_records)."""

from __future__ import annotations

import base64
import csv
from datetime import datetime
from pathlib import Path

from firmware.signed_records import check
from firmware.witness.evidence import answer, calls
from firmware.witness.steps import FAILED, PASSED, SKIPPED, Step

UNSENT = "its start or stop was not sent with a meter reading"
UNANSWERED = "its end was not answered by the CSMS"
UNSIGNED = "the signing meter's record was not sent untouched"


def sent_16(frames) -> dict[str, dict]:
    out = {}
    for c in calls(frames, "StartTransaction", "out"):
        a = answer(frames, c) or {}
        if "transactionId" in a:
            p = c["message"][3]
            out[str(a["transactionId"])] = {"start_wh": p["meterStart"], "started": p["timestamp"]}
    for c in calls(frames, "StopTransaction", "out"):
        p = c["message"][3]
        signed = [v["value"] for mv in p.get("transactionData", []) for v in mv["sampledValue"]
                  if v.get("format") == "SignedData"]
        out.setdefault(str(p["transactionId"]), {}).update(stop_wh=p["meterStop"], stopped=p["timestamp"],
                                                          answered=answer(frames, c) is not None, signed=signed)
    return out


def sent_201(frames) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for c in calls(frames, "TransactionEvent", "out"):
        p = c["message"][3]
        row = out.setdefault(p["transactionInfo"]["transactionId"], {})
        register = [s["value"] for mv in p.get("meterValue", []) for s in mv["sampledValue"]
                    if s.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"]
        if p["eventType"] == "Started":
            row.update(started=p["timestamp"], **({"start_wh": register[0]} if register else {}))
        elif p["eventType"] == "Ended":
            signed = [base64.b64decode(s["signedMeterValue"]["signedMeterData"]).decode("utf-8", "replace")
                      for mv in p.get("meterValue", []) for s in mv["sampledValue"] if "signedMeterValue" in s]
            row.update(stopped=p["timestamp"], answered=answer(frames, c) is not None, signed=signed,
                       **({"stop_wh": register[-1]} if register else {}))
    return out


def sheet(sessions, transaction_id, frames, version: str, signed_of=lambda local_id: None) -> list[dict]:
    sent = (sent_16 if version == "1.6" else sent_201)(frames)
    rows = []
    for s in sessions:
        tx = transaction_id(s.local_id)
        got = sent.get(str(tx), {})
        row = {"transaction_id": tx, "id_tag": s.id_tag, "connector": s.connector_id, "started": s.started_at,
               "stopped": s.ended_at, "meter_wh": s.energy_wh, "sent_wh": None, "problems": []}
        if "start_wh" in got and "stop_wh" in got:
            row["sent_wh"] = round(got["stop_wh"] - got["start_wh"], 3)
            if abs(row["sent_wh"] - s.energy_wh) > 1.0:
                row["problems"].append(f"sent {row['sent_wh']} Wh, the meter counted {s.energy_wh} Wh")
        else:
            row["problems"].append(UNSENT)
        if not got.get("answered"):
            row["problems"].append(UNANSWERED)
        _signed_row(row, signed_of(s.local_id), s, got)
        rows.append(row)
    return rows


def _signed_row(row: dict, record, s, got: dict) -> None:
    """The `signed` column: none, or whether the record holds, matches the bill and was sent as it is."""
    if record is None:
        row["signed"] = None
        return
    checked = check(record, s.meter_start_wh, s.meter_stop_wh)
    row["signed"] = "verified" if checked.verified and checked.matches else "not verified"
    if checked.problem:
        row["problems"].append(f"signed record: {checked.problem}")
    if record.data not in got.get("signed", []):
        row["problems"].append(UNSIGNED)


def compare_csms(rows: list[dict], path: Path) -> list[str]:
    """The CSMS's own export: columns transaction_id, energy_wh (or energy_kwh), start, stop (ISO 8601)."""
    theirs = {r["transaction_id"]: r for r in csv.DictReader(path.read_text().splitlines())}
    problems = []
    for row in rows:
        t = theirs.get(str(row["transaction_id"]))
        if t is None:
            problems.append(f"{row['transaction_id']}: not in the CSMS's export")
            continue
        wh = float(t["energy_wh"]) if t.get("energy_wh") else float(t["energy_kwh"]) * 1000
        if abs(wh - row["meter_wh"]) >= 1.0:
            problems.append(f"{row['transaction_id']}: the CSMS billed {wh:.0f} Wh, the meter counted "
                            f"{row['meter_wh']:.0f} Wh")
        for ours, key in ((row["started"], "start"), (row["stopped"], "stop")):
            if t.get(key) and abs((datetime.fromisoformat(t[key].replace("Z", "+00:00"))
                                   - datetime.fromisoformat(ours)).total_seconds()) >= 1.0:
                problems.append(f"{row['transaction_id']}: {key} {t[key]} at the CSMS, {ours} here")
    return problems


SETTLE_S = 60.0  # how long the last ends may take to reach the CSMS (a reboot, a backoff) before the sheet is read


def _read_sheet(ctx, frames) -> list[dict]:
    from firmware.history import SessionHistory
    from firmware.ocpp.protocols import protocol_for
    from firmware.store import Store

    store = Store(ctx.ut.data_dir)
    try:
        protocol = protocol_for(ctx.version, store, ctx.board, on_change=lambda n: None)
        history = SessionHistory(store)
        return sheet(history.all(), protocol.transaction_ids(store), frames, ctx.version, history.signed.get)
    finally:
        store.close()


async def reconciliation(ctx) -> tuple[str, str]:
    """The sheet is read once every end of the run has been answered, or after SETTLE_S: the step
    right before may have ended a session whose end is still on its way out of the outbox."""
    def settled(frames) -> bool:
        ctx.sheet = _read_sheet(ctx, frames)
        return not any(p in (UNANSWERED, UNSENT) for r in ctx.sheet for p in r["problems"])

    await ctx.ut.frames_until(settled, SETTLE_S)
    if not ctx.sheet:
        return SKIPPED, "no transaction in this run to reconcile (no --card given)"
    problems = [f"{r['transaction_id']}: {p}" for r in ctx.sheet for p in r["problems"]]
    if ctx.csms_export is not None:
        problems += compare_csms(ctx.sheet, ctx.csms_export)
    if problems:
        return FAILED, "; ".join(problems)
    extra = " and the CSMS's export agrees line by line" if ctx.csms_export else ""
    return PASSED, f"{len(ctx.sheet)} transaction(s): what was sent is what the meter counted{extra}"


RECONCILE = Step("metering and billing", "reconciliation sheet", "every transaction of this run",
                 "energy sent = energy metered to the Wh; every end answered (and the CSMS's export agrees, when given)",
                 reconciliation)
