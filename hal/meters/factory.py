"""Board config [[buses]]/[[meters]] -> ModbusMeter objects keyed by what they measure."""

from __future__ import annotations

from hal.meters.bus import ModbusBus, ModbusMeter
from hal.meters.iskra_signing import IskraSigningMeter
from hal.meters.lem_dcbm import LemDcbm
from hal.meters.maps import MODELS

SIGNING = {"iskra_wm3m4c": IskraSigningMeter}  # hal.meters.models.SIGNING_MODELS


def build_buses(board) -> dict[str, ModbusBus]:
    """{name: line} for every [[buses]] entry: the meters' and a DC insulation monitor's."""
    return {
        b.name: ModbusBus(
            b.name, port=b.port, host=b.host, tcp_port=b.tcp_port, baud=b.baud, parity=b.parity,
            stopbits=b.stopbits, timeout_s=b.timeout_s, retries=b.retries,
        )
        for b in board.buses
    }


def build_meters(board, buses: dict[str, ModbusBus] | None = None) -> dict[int, ModbusMeter]:
    """{connector id (0 = site supply): meter} for every [[meters]] entry, on `buses` when given."""
    buses = buses if buses is not None else build_buses(board)
    return {m.measures: LemDcbm(m.url) if m.url is not None else
            SIGNING.get(m.model, ModbusMeter)(buses[m.bus], m.address, MODELS[m.model])
            for m in board.meters}
