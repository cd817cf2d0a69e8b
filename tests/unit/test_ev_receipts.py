"""The EV's MeteringReceipts on the controller's side (firmware.ev_receipts): the EV link's line checked
before it is kept, kept with the plug-in's session in SQLite, carried by the owner's export; and the
board's setting refused where no EV link could ask for one."""

import base64
import json
import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from firmware.config import ConfigError, load_board
from firmware.ev_receipts import EvReceipts, keep_receipt, receipt_from_link
from firmware.history import SessionHistory
from firmware.store import Store

ROOT = Path(__file__).resolve().parents[2]
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
LINE = {"type": "receipt", "meter_wh": 81234, "meter_id": "SDM630-7", "t_meter": 1796218543,
        "exi": base64.b64encode(b"\x80\x98\x02" * 40).decode(), "certificate": PEM}
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)


def test_a_receipt_from_the_link_is_kept_as_it_came():
    r = receipt_from_link(LINE, NOW.isoformat())
    assert (r.meter_wh, r.meter_id, r.t_meter, r.exi, r.certificate) == (81234, "SDM630-7", 1796218543, LINE["exi"],
                                                                         PEM)


@pytest.mark.parametrize("change, problem", [
    ({"meter_wh": -1}, "meter reading -1"), ({"meter_wh": 1.5}, "meter reading 1.5"),
    ({"meter_wh": True}, "meter reading True"), ({"meter_id": ""}, "meter id ''"),
    ({"meter_id": "x" * 33}, "meter id"), ({"t_meter": "now"}, "meter time 'now'"),
    ({"exi": "not base64!"}, "not base64"), ({"exi": "QQ==" * 3000}, "not base64 of a size"),
    ({"certificate": "a key"}, "no contract certificate"), ({"exi": None}, "not base64"),
])
def test_a_line_that_is_no_receipt_is_dropped_with_a_reason(change, problem, caplog):
    with caplog.at_level(logging.WARNING):
        assert receipt_from_link({**LINE, **change}, NOW.isoformat()) is None
    assert problem in caplog.text


def test_receipts_are_kept_with_the_plug_ins_session_and_dropped_without_one(tmp_path, caplog):
    store = Store(tmp_path)
    receipts = EvReceipts(store)
    connector = SimpleNamespace(id=1, receipt_session="abc")
    keep_receipt(receipts, connector, LINE, NOW)
    keep_receipt(receipts, connector, {**LINE, "meter_wh": 81300}, NOW.replace(minute=1))
    keep_receipt(receipts, connector, {**LINE, "meter_wh": "lots"}, NOW)
    with caplog.at_level(logging.WARNING):
        keep_receipt(receipts, SimpleNamespace(id=2, receipt_session=None), LINE, NOW)
    assert "no session of this plug-in" in caplog.text
    kept = receipts.of("abc")
    assert [r.meter_wh for r in kept] == [81234, 81300] and kept[0].received_at == NOW.isoformat()
    assert receipts.of("other") == []
    store.close()
    assert [r.meter_wh for r in EvReceipts(Store(tmp_path)).of("abc")] == [81234, 81300]  # on disk


def test_the_history_carries_them_for_the_export(tmp_path):
    history = SessionHistory(Store(tmp_path))
    keep_receipt(history.receipts, SimpleNamespace(id=1, receipt_session="abc"), LINE, NOW)
    assert json.loads(json.dumps(history.receipts.of("abc")[0].as_dict()))["certificate"] == PEM


def test_metering_receipt_s_needs_an_ev_link(tmp_path):
    line = 'cable = "socket"\nmetering_receipt_s = 60.0'
    basic = (ROOT / "board-configs" / "bench.toml").read_text().replace('cable = "socket"', line, 1)
    path = tmp_path / "board.toml"
    path.write_text(basic)
    with pytest.raises(ConfigError, match="metering_receipt_s needs an EV link"):
        load_board(path)
    path.write_text((ROOT / "board-configs" / "bench-ac-hlc.toml").read_text().replace('cable = "socket"', line))
    assert load_board(path).connectors[0].metering_receipt_s == 60.0


def test_a_receipt_that_cannot_be_kept_leaves_the_link_running(caplog):
    """A full disk or a locked database: the link's reader must not end over evidence."""
    class Full:
        def add(self, local_id, receipt):
            raise sqlite3.OperationalError("database or disk is full")

    with caplog.at_level(logging.ERROR):
        keep_receipt(Full(), SimpleNamespace(id=1, receipt_session="abc"), LINE, NOW)
    assert "could not be kept: database or disk is full" in caplog.text
