"""`evse demo` on a board whose EV talks ISO 15118 says what to install when iso15118's environment is
missing, before it starts anything (it used to wait for a car that could never talk, then show a
traceback)."""

import sys
from pathlib import Path
from types import SimpleNamespace

from firmware.bench import demo
from firmware.config import load_board

ROOT = Path(__file__).resolve().parents[2]


def test_a_board_with_an_ev_link_needs_iso15118s_environment(monkeypatch, tmp_path):
    ac_hlc = load_board(ROOT / "board-configs" / "bench-ac-hlc.toml")
    assert demo.missing_ev_link(load_board(ROOT / "board-configs" / "bench.toml")) is None  # basic charging
    monkeypatch.setenv("EVSE_HLC_PYTHON", str(tmp_path / "nothing" / "python"))
    said = demo.missing_ev_link(ac_hlc)
    assert said is not None and ".venv-hlc" in said and "hlc/requirements.txt" in said
    assert demo.missing_ev_link(load_board(ROOT / "board-configs" / "bench-dc.toml")) == said
    monkeypatch.setenv("EVSE_HLC_PYTHON", sys.executable)  # iso15118 is not in the controller's environment
    assert demo.missing_ev_link(ac_hlc) == said


async def test_the_demo_refuses_at_once_with_that_word(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("EVSE_HLC_PYTHON", str(tmp_path / "nothing" / "python"))
    args = SimpleNamespace(board=str(ROOT / "board-configs" / "bench-ac-hlc.toml"), ocpp_version="2.0.1",
                           charge_seconds=2.0)
    assert await demo.demo(args) == 2
    assert "evse demo: this board's EV talks ISO 15118" in capsys.readouterr().err
