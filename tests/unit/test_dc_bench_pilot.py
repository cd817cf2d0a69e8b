"""The bench's DC car, physical side (hal.mock.dc_bench): its charging controller's S2 (state C from its
cable check on) and its contactors reach the wire and the DC bus through a file, only for the plug-in
they belong to; a file left by the last car closes nothing."""

import json
from pathlib import Path

from firmware.config import load_board
from hal.mock.dc_bench import DcBench
from hal.mock.ev import HIGH_LEVEL_V, SimulatedEV
from hal.mock.wire import ConnectorWire

ROOT = Path(__file__).resolve().parents[2]


def bench(tmp_path):
    board = load_board(ROOT / "board-configs" / "bench-dc.toml")
    wire = ConnectorWire(1, 3, 230.0, SimulatedEV(hlc=True), None, wake=lambda: None)
    return DcBench(board.connectors[0], board.mock, wire, tmp_path, wake=lambda: None), wire


def test_the_cars_s2_and_contactors_reach_the_wire_and_the_bus(tmp_path):
    b, wire = bench(tmp_path)
    wire.set_ev(state="B")
    wire.update(duty_pct=5.0)
    b.step(1.0)
    assert wire.ev.pilot_high_v(5.0) == HIGH_LEVEL_V["B"] and not b.bus.ev_contactors_closed  # before it wrote
    b.ev_file.write_text(json.dumps({"plugin": 1, "state": "C", "contactors_closed": False}))
    b.step(1.02)
    assert wire.ev.pilot_high_v(5.0) == HIGH_LEVEL_V["C"] and not b.bus.ev_contactors_closed
    b.ev_file.write_text(json.dumps({"plugin": 1, "state": "C", "contactors_closed": True}))
    b.step(1.04)
    assert b.bus.ev_contactors_closed
    b.ev_file.write_text(json.dumps({"plugin": 1, "state": "B", "contactors_closed": False}))
    b.step(1.06)
    assert wire.ev.pilot_high_v(5.0) == HIGH_LEVEL_V["B"] and not b.bus.ev_contactors_closed
    wire.update(duty_pct=100.0)  # no PWM (a fault): the pilot shows the plug as the bench API set it
    assert wire.ev.pilot_high_v(100.0) == HIGH_LEVEL_V["B"]


def test_the_last_cars_word_closes_nothing(tmp_path):
    b, wire = bench(tmp_path)
    b.ev_file.write_text(json.dumps({"plugin": 0, "state": "C", "contactors_closed": True}))  # killed mid-session
    wire.set_ev(state="B")
    b.step(1.0)
    assert wire.ev.digital == {"state": "B", "draw_a": 0.0} and not b.bus.ev_contactors_closed
    b.ev_file.write_text("{not json")
    b.step(1.02)
    assert wire.ev.digital == {"state": "B", "draw_a": 0.0} and not b.bus.ev_contactors_closed
    wire.set_ev(state="A")
    b.step(1.04)
    assert wire.ev.digital is None


def test_the_link_runs_the_car_in_the_boards_control_mode(tmp_path):
    for name, mode in (("bench-dc-iso20.toml", "dynamic"), ("bench-dc.toml", "scheduled")):
        board = load_board(ROOT / "board-configs" / name)
        wire = ConnectorWire(1, 3, 230.0, SimulatedEV(hlc=True), None, wake=lambda: None)
        argv = DcBench(board.connectors[0], board.mock, wire, tmp_path, wake=lambda: None).ev_link_command("s.sock")
        assert argv[argv.index("--control-mode") + 1] == mode
