"""`evse slac` and `evse secc`: the two processes of a connector's EV link (a DC connector's, or an
ISO 15118-2 AC one's) that run as services of their own (systemd/evse-slac@.service, systemd/evse-secc@.service). Each reads the settings file for
the board and the data directory, finds the connector's modem interface and the socket the controller
serves, and becomes its child in that child's own environment (exec: the unit's sandbox, and
evse-slac's CAP_NET_RAW, pass to it and to nothing else).

Why the SECC is not the controller's child on a board: iso15118's EXI codec is a JVM, whose JIT
compiler writes code it then runs, which the controller's MemoryDenyWriteExecute=yes forbids (as the
controller's SystemCallFilter forbids the setpriority that would make the child nicer). Its unit
gives the JVM what it needs and nothing of the controller's.
"""

from __future__ import annotations

import os
import sys


def add_parser(sub) -> None:
    for name, what in (("slac", "SLAC on a connector's HomePlug modem (run by evse-slac@N.service)"),
                       ("secc", "the SECC of a DC or ISO 15118-2 AC connector: ISO 15118 / DIN 70121 with the EV "
                                "(evse-secc@N.service)")):
        s = sub.add_parser(name, help=what)
        s.add_argument("--config", default="/etc/evse/evse.toml", help="the settings file (board, data directory)")
        s.add_argument("--connector", type=int, required=True)
        s.add_argument("--log-level", default="INFO")


def _link_connector(config: str, connector: int):
    """(settings, the modem's interface, the SECC's extra arguments); ConfigError when the board's
    connector has no EV link (neither DC nor an AC one with hlc_iface)."""
    from firmware.config import ConfigError, load_board
    from firmware.settings_file import load_settings_file

    settings = load_settings_file(config)
    board = load_board(settings.board)
    for c in board.connectors:
        if c.id == connector and c.kind == "dc":
            return settings, c.dc.modem_iface, ["--iso15118-20"] if c.dc.iso15118_20 else []
        if c.id == connector and c.hlc_iface:
            return settings, c.hlc_iface, ["--ac-phases", str(board.phases)]
    raise ConfigError(f"{settings.board}: connector {connector} has no EV link (neither DC nor AC with hlc_iface)")


def slac_argv(config: str, connector: int) -> tuple[list[str], dict]:
    from hal.dc.ev_link_child import slac_command
    from hlc.protocol import ev_link_socket, slac_socket

    settings, iface, _ = _link_connector(config, connector)
    socket = slac_socket(ev_link_socket(settings.data_dir, connector))
    return slac_command("-m", "hlc.slac_child", "--socket", socket, "--iface", iface,
                        "--evse-id", f"connector {connector}"), dict(os.environ)


def secc_argv(config: str, connector: int) -> tuple[list[str], dict]:
    """The SECC child as the controller would start it: its JVM's options, the SECC's certificate folder
    once the CSMS issued one (read at each start: the controller closes the link to renew it)."""
    from firmware.security.secc import SeccCertificate
    from hal.dc.ev_link_child import hlc_command
    from hlc import protocol as p

    settings, iface, extra = _link_connector(config, connector)
    env = {**os.environ, "JAVA_TOOL_OPTIONS": p.JAVA_OPTIONS}
    pki = SeccCertificate(settings.data_dir).pki_path()
    if pki is not None:
        env[p.SECC_PKI_ENV] = pki
    socket = p.ev_link_socket(settings.data_dir, connector)
    return hlc_command("-m", "hlc.secc_child", "--socket", socket, "--iface", iface, *extra), env


def run(args) -> int:
    from firmware.config import ConfigError

    try:
        argv, env = (slac_argv if args.command == "slac" else secc_argv)(args.config, args.connector)
    except ConfigError as exc:
        print(f"evse {args.command}: {exc}", file=sys.stderr)
        return 2
    os.execvpe(argv[0], argv, env)  # noqa: S606 (the child takes this process's place)
    return 1
