"""`evse slac`: the SLAC process (ISO 15118-3) of one DC connector, for systemd/evse-slac@.service. It
reads the settings file for the board and the data directory, finds the connector's modem interface,
and becomes hlc.slac_child in .venv-slac (exec: the unit's CAP_NET_RAW passes to it and to nothing else)."""

from __future__ import annotations

import os
import sys


def add_parser(sub) -> None:
    s = sub.add_parser("slac", help="SLAC on a DC connector's HomePlug modem (run by evse-slac@N.service)")
    s.add_argument("--config", default="/etc/evse/evse.toml", help="the settings file (board, data directory)")
    s.add_argument("--connector", type=int, required=True)
    s.add_argument("--log-level", default="INFO")


def slac_argv(config: str, connector: int) -> list[str]:
    from firmware.config import ConfigError, load_board
    from firmware.settings_file import load_settings_file
    from hal.dc.ev_link_child import slac_command
    from hlc.protocol import ev_link_socket, slac_socket

    settings = load_settings_file(config)
    board = load_board(settings.board)
    dc = [c for c in board.connectors if c.id == connector and c.kind == "dc"]
    if not dc:
        raise ConfigError(f"{settings.board}: connector {connector} is not a DC connector")
    socket = slac_socket(ev_link_socket(settings.data_dir, connector))
    return slac_command("-m", "hlc.slac_child", "--socket", socket, "--iface", dc[0].dc.modem_iface,
                        "--evse-id", f"connector {connector}")


def slac_command(args) -> int:
    from firmware.config import ConfigError

    try:
        argv = slac_argv(args.config, args.connector)
    except ConfigError as exc:
        print(f"evse slac: {exc}", file=sys.stderr)
        return 2
    os.execvp(argv[0], argv)  # noqa: S606 (the child takes this process's place, capabilities and all)
    return 1
