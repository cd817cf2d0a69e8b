"""Cross-checks of the bench's [mock] section against the board: the bench EV must speak what the
connector offers, and use what its protocol has."""

from __future__ import annotations

from pathlib import Path

from firmware.config import ConfigError


def check_mock(board, path: Path) -> None:
    mock = board.mock
    if mock.ev_pnc and mock.ev_protocol != "ISO_15118_2":
        raise ConfigError(f"{path}: mock.ev_pnc: Plug & Charge needs ev_protocol = \"ISO_15118_2\" "
                          "(DIN SPEC 70121 has no contracts)")
    if mock.ev_pnc_install and mock.ev_pnc_update:
        raise ConfigError(f"{path}: mock.ev_pnc_install and ev_pnc_update: the EV installs a contract or renews "
                          "the one it has, not both")
    if mock.ev_control_mode != "scheduled" and mock.ev_protocol != "ISO_15118_20_DC":
        raise ConfigError(f"{path}: mock.ev_control_mode = {mock.ev_control_mode!r} needs ev_protocol = "
                          "\"ISO_15118_20_DC\" (DIN SPEC 70121 and ISO 15118-2 have one way: the EV's targets)")
    if mock.ev_protocol == "ISO_15118_20_DC":
        for c in board.connectors:
            if c.kind == "dc" and c.dc is not None and not c.dc.iso15118_20:
                raise ConfigError(f"{path}: mock.ev_protocol = \"ISO_15118_20_DC\": connector {c.id} does not offer "
                                  "it (set [connectors.dc] iso15118_20 = true)")
