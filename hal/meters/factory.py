"""Board config [[buses]]/[[meters]] -> ModbusMeter objects keyed by what they measure."""

from __future__ import annotations

from hal.meters.bus import ModbusBus, ModbusMeter
from hal.meters.maps import MODELS


def build_meters(board) -> dict[int, ModbusMeter]:
    """{connector id (0 = site supply): meter} for every [[meters]] entry."""
    buses = {
        b.name: ModbusBus(
            b.name, port=b.port, host=b.host, tcp_port=b.tcp_port, baud=b.baud, parity=b.parity,
            stopbits=b.stopbits, timeout_s=b.timeout_s, retries=b.retries,
        )
        for b in board.buses
    }
    return {m.measures: ModbusMeter(buses[m.bus], m.address, MODELS[m.model]) for m in board.meters}
