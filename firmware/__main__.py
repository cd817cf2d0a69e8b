"""`evse run | demo`: the command line of ../shared/BENCH_API.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from firmware import __version__
from hal.meters.models import HTTP_MODELS, MODEL_NAMES

# A waiting control thread gets the GIL within 1 ms instead of the default 5 ms.
SWITCH_INTERVAL_S = 0.001


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evse", description="EV charge controller")
    parser.add_argument("--version", action="version", version=f"evse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the controller")
    run.add_argument("--config", help="the settings file of an installed charger (/etc/evse/evse.toml)")
    run.add_argument("--board", help="board config TOML (default: the settings file's)")
    run.add_argument("--data-dir", help="where settings, outbox and keys persist (default: the settings file's)")
    run.add_argument("--csms-url", dest="csms_url", help="ws://host:port/path (the id is appended)")
    run.add_argument("--standalone", action="store_true",
                     help="no CSMS: cards from the local list (web page) or free charging; a stored URL still wins")
    run.add_argument("--charge-point-id", dest="charge_point_id")
    run.add_argument("--ocpp-version", dest="ocpp_version", choices=["1.6", "2.0.1"])
    run.add_argument("--bench-port", type=int, default=7780, help="bench HTTP API port (mock HAL only); 0 = off")
    run.add_argument("--basic-auth-password", dest="basic_auth_password")
    run.add_argument("--security-profile", dest="security_profile", type=int, choices=[0, 1, 2, 3])
    run.add_argument("--ca-file", dest="ca_file")
    run.add_argument("--client-cert", dest="client_cert")
    run.add_argument("--client-key", dest="client_key")
    run.add_argument("--log-level", default=None, help="default INFO, or the settings file's")
    run.add_argument("--frame-log", dest="frame_log", help="write every OCPP frame in and out to this file "
                                                           "(JSON lines; the witness test's evidence)")
    web = run.add_argument_group("local web page (docs/web.md)")
    web.add_argument("--web-port", type=int, default=None, help="HTTPS port of the installer's page; 0 = off "
                                                                "(default: off, or the settings file's)")
    web.add_argument("--web-bind", default=None, help="address to listen on (default 127.0.0.1, or the "
                                                      "settings file's; 0.0.0.0: every network)")
    web.add_argument("--web-http", action="store_true", help="plain HTTP (loopback addresses only)")
    web.add_argument("--web-cert", help="the page's certificate (PEM); default: one made on the charger")
    web.add_argument("--web-key", help="its private key (PEM)")
    web.add_argument("--no-mdns", dest="mdns", action="store_false", help="do not announce evse-<serial>.local")

    cfg = sub.add_parser("config", help="check the settings file, or apply its CSMS section to the data directory")
    cfg.add_argument("action", choices=["check", "apply"])
    cfg.add_argument("--config", default="/etc/evse/evse.toml")
    cfg.add_argument("--log-level", default="WARNING")

    pw = sub.add_parser("web-password", help="set the local web page's password (read from the terminal or stdin)")
    pw.add_argument("--data-dir", required=True, help="the controller's data directory")
    pw.add_argument("--api-token", metavar="NAME", help="instead: make an API token with this name and print it")
    pw.add_argument("--log-level", default="WARNING")

    sim = sub.add_parser("meter-sim", help="serve simulated Modbus meters (RTU on a serial port, or TCP)")
    sim.add_argument("--model", required=True, choices=sorted(MODEL_NAMES + HTTP_MODELS))
    line = sim.add_mutually_exclusive_group(required=True)
    line.add_argument("--serial", help="serial port, e.g. one end of a socat pty pair")
    line.add_argument("--tcp", help="host:port to listen on")
    line.add_argument("--http", help="host:port of an HTTP meter's API (lem_dcbm)")
    sim.add_argument("--address", default="1", help="Modbus address, or several: 1,2,3")
    sim.add_argument("--baud", type=int, default=9600)
    sim.add_argument("--parity", default="N", choices=["N", "E", "O"])
    sim.add_argument("--no-pace", dest="pace", action="store_false",
                     help="answer at once instead of at the pace of a real line at --baud")
    sim.add_argument("--follow", help="bench API URL whose EV draw the meters mirror")
    sim.add_argument("--connector", default="1", help="connector per address (0 = all: a site meter)")
    sim.add_argument("--energy-wh", dest="energy_wh", type=float, default=0.0, help="starting register")
    sim.add_argument("--current-a", dest="current_a", type=float, default=0.0, help="constant current without --follow")
    sim.add_argument("--api-port", dest="api_port", type=int, default=0, help="small HTTP API to inspect and set meters")
    sim.add_argument("--signing-key", dest="signing_key", metavar="PEM",
                     help="a signing model's private key (P-256, PEM); without it each start makes a new one")
    sim.add_argument("--log-level", default="WARNING")

    inst = sub.add_parser("install", help="install a release from a wheelhouse bundle (dir or .tar)")
    inst.add_argument("--bundle", required=True)
    inst.add_argument("--root", default="/", help="install under this root (tests use a temporary one)")
    inst.add_argument("--no-user", action="store_true", help="do not create the evse system user")
    inst.add_argument("--log-level", default="WARNING")

    for name, text in (("selftest", "commissioning checks with nothing plugged: a pass/fail table"),
                       ("calibrate", "measure the pilot detectors' gain and offset and store them")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--board", required=True, help="board config TOML")
        cmd.add_argument("--data-dir", required=True, help="the controller's data directory")
        cmd.add_argument("--log-level", default="WARNING")

    from firmware.cli_ev_link import add_parser as add_ev_link
    from firmware.cli_export import add_parsers
    from firmware.cli_migrate import add_parser as add_migrate
    from firmware.cli_witness import add_parser as add_witness

    add_parsers(sub)
    add_migrate(sub)
    add_witness(sub)
    add_ev_link(sub)

    demo = sub.add_parser("demo", help="a whole charging session on the bench, with a built-in CSMS")
    demo.add_argument("--board", default=None, help="board config (default: the 2-socket bench)")
    demo.add_argument("--charge-seconds", type=float, default=8.0)
    demo.add_argument("--ocpp-version", dest="ocpp_version", choices=["1.6", "2.0.1"], default="1.6")
    demo.add_argument("--log-level", default="WARNING")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from firmware.run_plan import log_level

    logging.basicConfig(
        level=getattr(logging, str(log_level(args)).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from firmware.security.redact import RedactSecrets

    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if args.command == "run":
        return run(args)
    if args.command == "install":
        from firmware.ota.install import main as install_main

        return install_main(args)
    if args.command == "config":
        from firmware.cli_config import config_command

        return config_command(args)
    if args.command == "witness":
        from firmware.cli_witness import witness_command

        return witness_command(args)
    if args.command == "migrate":
        from firmware.cli_migrate import migrate_command

        return migrate_command(args)
    if args.command in ("slac", "secc"):
        from firmware.cli_ev_link import run as run_ev_link

        return run_ev_link(args)
    if args.command in ("export", "import"):
        from firmware.cli_export import export_command, import_command

        return export_command(args) if args.command == "export" else import_command(args)
    if args.command == "web-password":
        from firmware.web.cli import web_password

        return web_password(args)
    if args.command in ("selftest", "calibrate"):
        return commission(args)
    if args.command == "meter-sim":
        from hal.mock.meter_sim import run as run_sim

        return asyncio.run(run_sim(args))
    from firmware.bench.demo import demo

    return asyncio.run(demo(args))


def commission(args) -> int:
    """0: all passed; 1: a check failed; 2: bad config; 3: the hardware cannot be opened."""
    import hal as hal_pkg
    from firmware.config import ConfigError, load_board
    from firmware.selftest import SelfTest, format_table
    from hal.commissioning import calibrate
    from hal.errors import HalError

    try:
        board = load_board(args.board)
    except ConfigError as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2
    try:
        hal = hal_pkg.create(board, wake=lambda: None, state_dir=args.data_dir)
    except HalError as exc:
        print(f"evse: the hardware cannot be opened (is the evse service still running?): {exc}", file=sys.stderr)
        return 3
    try:
        rows = SelfTest(board, hal).run() if args.command == "selftest" else calibrate(board, hal, args.data_dir)
    finally:
        hal.close()
    print(format_table(rows))
    return 1 if any(r.result == "FAIL" for r in rows) else 0


def open_data_dir(path: str):
    """The data directory's store, or a SettingsError naming the path and what is wrong."""
    import sqlite3

    from firmware.migrations import MigrationError
    from firmware.settings import SettingsError
    from firmware.store import Store

    try:
        store = Store(path)
        store.db.execute("CREATE TABLE IF NOT EXISTS write_check (x)")  # read-only media fail here, not later
        store.db.execute("DROP TABLE write_check")
        return store
    except (OSError, sqlite3.Error, MigrationError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SettingsError(f"--data-dir {path}: {why} (it must be a directory the controller can write)") from None


def run(args) -> int:
    from firmware.app import Controller, StartupError
    from firmware.config import ConfigError, load_board
    from firmware.run_plan import plan
    from firmware.settings import SettingsError, resolve
    from hal.errors import HalError

    try:
        todo = plan(args)
        board = load_board(todo.board)
        store = open_data_dir(todo.data_dir)
        try:
            settings = resolve(args, store, seed=todo.seed, allow_standalone=args.standalone or args.config is not None)
        finally:
            store.close()
    except (ConfigError, SettingsError) as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2

    async def go() -> int:
        try:
            controller = Controller(board, settings, todo.data_dir, args.bench_port or None, web=todo.web,
                                    frame_log=args.frame_log)
        except HalError as exc:
            print(f"evse: the hardware cannot be opened: {exc}", file=sys.stderr)
            return 3
        try:
            return await controller.run()
        except StartupError as exc:
            print(f"evse: {exc}", file=sys.stderr)
            return 2

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
