"""The bench: a complete charger in software, behind the same Protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from hal.interfaces import ConnectorHal, Hal
from hal.mock.board import (
    MockContactor,
    MockLock,
    MockPilot,
    MockRcd,
    MockReader,
    MockStationInput,
    MockTemperature,
)
from hal.mock.ev import SimulatedEV
from hal.mock.meter import MockMeter
from hal.mock.wire import BenchWire, ConnectorWire


class MockDisplay:
    """The bench's display: it keeps the text, the bench API shows it."""

    def __init__(self, bench: BenchWire):
        self.bench = bench

    def show(self, text: str) -> None:
        self.bench.display_text = text


def create_mock_hal(board, wake: Callable[[], None], state_file: Path | None = None) -> Hal:
    wires = {
        c.id: ConnectorWire(
            connector_id=c.id,
            phases=board.phases,
            voltage_v=board.voltage_v,
            ev=SimulatedEV(max_current_a=board.mock.ev_max_current_a, hlc=bool(c.hlc_iface) or c.kind == "dc"),
            cable_rating_a=board.mock.cable_rating_a if c.cable == "socket" else None,
            wake=wake,
        )
        for c in board.connectors
    }
    bench = BenchWire(connectors=wires, wake=wake, state_file=state_file)
    bench.restore()
    modbus = {}
    if board.meters:  # real Modbus meters (e.g. the meter simulator on a pty); pymodbus only then
        from hal.meters.factory import build_meters

        modbus = build_meters(board)
    for c in board.connectors:
        if c.hlc_iface:  # an ISO 15118-2 AC connector: the bench EV's charging controller talks to its SECC
            from hal.mock.ac_hlc_bench import AcHlcBench

            bench.hlc[c.id] = AcHlcBench(c, board, wires[c.id], state_file.parent if state_file else None)
            bench.hlc[c.id].start()
    connectors = {
        cid: ConnectorHal(
            pilot=MockPilot(w),
            contactor=MockContactor(w),
            rcd=MockRcd(w),
            meter=modbus.get(cid) or MockMeter(w),
            lock=MockLock(w),
            ev_link_command=bench.hlc[cid].ev_link_command if cid in bench.hlc else None,
        )
        for cid, w in wires.items()
    }
    for c in board.connectors:
        if c.kind == "dc":  # its DC bus, modules, insulation monitor and DC meter; the pilot is the wire's
            from hal.mock.dc_bench import DcBench

            bench.dc[c.id] = DcBench(c, board.mock, wires[c.id], state_file.parent if state_file else None, wake,
                                     meter=modbus.get(c.id))
            connectors[c.id] = bench.dc[c.id].hal
            bench.dc[c.id].start()

    return Hal(
        connectors=connectors,
        estop=MockStationInput(bench, "estop"),
        temperature=MockTemperature(bench),
        reader=MockReader(bench),
        site_meter=modbus.get(0),
        power_fail=MockStationInput(bench, "power_fail"),
        tamper=MockStationInput(bench, "tamper"),
        display=MockDisplay(bench),
        bench=bench,
    )
