"""The bench's ISO 15118-2 AC car, physical side (hal.mock.ac_hlc_bench, hal.mock.ev): its charging
controller's pilot state and draw reach the wire through a file, only for the plug-in they belong to;
the bench tells the car what the bench API says of it."""

import json
from pathlib import Path

from firmware.config import load_board
from hal.mock.ac_hlc_bench import AcHlcBench
from hal.mock.ev import HIGH_LEVEL_V, SimulatedEV
from hal.mock.wire import ConnectorWire

ROOT = Path(__file__).resolve().parents[2]


def bench(tmp_path):
    board = load_board(ROOT / "board-configs" / "bench-ac-hlc.toml")
    wire = ConnectorWire(1, 3, 230.0, SimulatedEV(hlc=True), 32, wake=lambda: None)
    return AcHlcBench(board.connectors[0], board, wire, tmp_path), wire


def test_the_car_is_told_what_the_bench_says_and_its_own_word_goes_on_the_wire(tmp_path):
    b, wire = bench(tmp_path)
    b.step()
    assert json.loads(b.plug_file.read_text())["plugged"] is False
    wire.set_ev(state="C", max_current_a=16.0)
    wire.update(duty_pct=5.0, contactor_cmd=True)
    b.step()
    told = json.loads(b.plug_file.read_text())
    assert told["plugged"] and told["wants_charge"] and told["plugins"] == 1 and told["max_current_a"] == 16.0
    assert wire.ev.pilot_high_v(5.0) == HIGH_LEVEL_V["B"] and wire.draw_a() == 0.0  # it waits for the link in B
    b.ev_file.write_text(json.dumps({"plugin": 1, "state": "C", "draw_a": 20.0}))
    b.step()
    assert wire.ev.pilot_high_v(5.0) == HIGH_LEVEL_V["C"] and wire.draw_a() == 16.0  # within its own limit
    wire.update(duty_pct=50.0)  # a nominal duty (basic charging): the car reads the duty instead
    assert wire.draw_a() == 16.0 and wire.ev.pilot_high_v(50.0) == HIGH_LEVEL_V["C"]


def test_a_word_of_the_last_plug_in_or_a_bad_one_is_not_this_cars(tmp_path):
    b, wire = bench(tmp_path)
    wire.set_ev(state="C")
    b.ev_file.write_text(json.dumps({"plugin": 0, "state": "C", "draw_a": 20.0}))
    b.step()
    assert wire.ev.digital is None
    b.ev_file.write_text(json.dumps({"plugin": 1, "state": "X", "draw_a": 20.0}))
    b.step()
    assert wire.ev.digital is None
    wire.set_ev(state="A")
    b.step()
    assert wire.ev.digital is None and json.loads(b.plug_file.read_text())["plugged"] is False


def test_the_link_runs_an_ac_secc_and_car_on_the_boards_phases(tmp_path):
    b, _ = bench(tmp_path)
    argv = b.ev_link_command(str(tmp_path / "ev-link-1.sock"))
    assert argv[argv.index("-m") + 1] == "hlc.bench_link" and argv[argv.index("--ac-phases") + 1] == "3"
    assert argv[argv.index("--battery") + 1] == str(b.plug_file)
