"""A signed session's reconciliation: the record checked as transparency software checks it, kept
with the session, and shown in the OCPI CDR and the witness sheet."""

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from firmware.core.session import Session, StopReason
from firmware.export.cdr import cdrs
from firmware.history import SessionHistory
from firmware.signed_records import check
from firmware.store import Store
from firmware.witness.reconcile import UNSIGNED, sheet
from hal.types import SignedRecord

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = KEY.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex().upper()


def record(begin_kwh=12.345, end_kwh=12.789, key=KEY) -> SignedRecord:
    payload = json.dumps({"PG": "T1", "MS": "X1", "RD": [{"TX": "B", "RV": begin_kwh, "RU": "kWh"},
                                                         {"TX": "E", "RV": end_kwh}]}, separators=(",", ":"))
    signature = key.sign(payload.encode(), ec.ECDSA(hashes.SHA256())).hex().upper()
    return SignedRecord(f'OCMF|{payload}|{{"SA":"ECDSA-secp256r1-SHA256","SD":"{signature}"}}', PUBLIC,
                        "ECDSA-secp256r1-SHA256")


def test_a_record_that_holds_and_matches_the_bill():
    checked = check(record(), 12_345.0, 12_789.4)
    assert (checked.verified, checked.matches, checked.problem) == (True, True, None)
    assert (checked.begin_wh, checked.end_wh) == pytest.approx((12_345.0, 12_789.0))


def test_a_record_that_differs_from_the_bill_is_named():
    checked = check(record(), 12_345.0, 12_800.0)
    assert checked.verified and not checked.matches
    assert checked.problem == "signed 12345-12789 Wh, billed 12345-12800 Wh"


@pytest.mark.parametrize("spoil, problem", [
    (lambda r: SignedRecord(r.data.replace("12.789", "12.889"), r.public_key, r.signing_method),
     "the signature does not hold"),
    (lambda r: SignedRecord(record(key=ec.generate_private_key(ec.SECP256R1())).data, PUBLIC, r.signing_method),
     "the signature does not hold"),  # signed by another key than the one it came with
    (lambda r: SignedRecord("OCMF|{}|", r.public_key, r.signing_method), "not a readable OCMF record"),
    (lambda r: SignedRecord(r.data, "00", r.signing_method), "not a readable OCMF record"),
])
def test_a_spoilt_record_is_not_verified(spoil, problem):
    checked = check(spoil(record()), 12_345.0, 12_789.0)
    assert not checked.verified and problem in checked.problem


def finished_session(store):
    history = SessionHistory(store)
    s = Session(1, "04A1B2C3", datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), local_id="abc",
                meter_start_wh=12_345.0)
    s.ended_at, s.meter_stop_wh, s.stop_reason, s.signed = (datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc),
                                                            12_789.0, StopReason.EV_DISCONNECTED, record())
    with store.transaction():
        history.add(s)
    return history


def test_the_record_is_kept_with_the_session_and_goes_into_the_cdr(tmp_path):
    store = Store(tmp_path)
    history = finished_session(store)
    kept = history.signed.get("abc")
    assert kept.data.startswith("OCMF|") and kept.public_key == PUBLIC and check(kept, 12_345.0, 12_789.0).matches
    assert history.signed.get("nonesuch") is None
    board = SimpleNamespace(connectors=[], serial="B1", phases=3)
    site = SimpleNamespace(country_code="DE", party_id="EXA", currency="EUR", evse_id_prefix="", location_id="",
                           name="", address="", city="", postal_code="", country="DEU", latitude="0", longitude="0")
    (cdr,) = cdrs(history.all(), history.samples, lambda lid: "7", board, site, "2026-12-01T10:00:00Z",
                  history.signed.get)
    signed = cdr["signed_data"]
    assert (signed["encoding_method"], signed["public_key"]) == ("OCMF", PUBLIC)
    assert signed["signed_values"][0]["signed_data"] == history.signed.get("abc").data
    assert "12345 Wh to 12789 Wh" in signed["signed_values"][0]["plain_data"]
    store.close()


def test_the_witness_sheet_wants_the_record_sent_untouched(tmp_path):
    store = Store(tmp_path)
    history = finished_session(store)
    sent = history.signed.get("abc").data

    def frames(value):
        stop = {"transactionId": 7, "meterStop": 12_789, "timestamp": "2026-12-01T09:00:00Z",
                "transactionData": [{"timestamp": "2026-12-01T09:00:00Z", "sampledValue": [
                    {"value": value, "format": "SignedData", "context": "Transaction.End"}]}]}
        start = {"meterStart": 12_345, "timestamp": "2026-12-01T08:00:00Z"}
        return [{"at": "1", "dir": "out", "message": [2, "s", "StartTransaction", start]},
                {"at": "2", "dir": "in", "message": [3, "s", {"transactionId": 7}]},
                {"at": "3", "dir": "out", "message": [2, "e", "StopTransaction", stop]},
                {"at": "4", "dir": "in", "message": [3, "e", {}]}]

    (row,) = sheet(history.all(), lambda lid: "7", frames(sent), "1.6", history.signed.get)
    assert (row["signed"], row["problems"]) == ("verified", [])
    (row,) = sheet(history.all(), lambda lid: "7", frames(sent.replace("T1", "T2")), "1.6", history.signed.get)
    assert row["problems"] == [UNSIGNED]
    store.close()
