"""`evse run | demo`: the command line of ../shared/BENCH_API.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from firmware import __version__

# A waiting control thread gets the GIL within 1 ms instead of the default 5 ms.
SWITCH_INTERVAL_S = 0.001


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evse", description="EV charge controller")
    parser.add_argument("--version", action="version", version=f"evse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the controller")
    run.add_argument("--board", required=True, help="board config TOML")
    run.add_argument("--data-dir", required=True, help="where settings, outbox and keys persist")
    run.add_argument("--csms-url", dest="csms_url", help="ws://host:port/path (the id is appended)")
    run.add_argument("--charge-point-id", dest="charge_point_id")
    run.add_argument("--ocpp-version", dest="ocpp_version", choices=["1.6", "2.0.1"])
    run.add_argument("--bench-port", type=int, default=7780, help="bench HTTP API port (mock HAL only); 0 = off")
    run.add_argument("--basic-auth-password", dest="basic_auth_password")
    run.add_argument("--security-profile", dest="security_profile", type=int, choices=[0, 1, 2, 3])
    run.add_argument("--ca-file", dest="ca_file")
    run.add_argument("--client-cert", dest="client_cert")
    run.add_argument("--client-key", dest="client_key")
    run.add_argument("--log-level", default="INFO")

    demo = sub.add_parser("demo", help="a whole charging session on the bench, with a built-in CSMS")
    demo.add_argument("--board", default=None, help="board config (default: the 2-socket bench)")
    demo.add_argument("--charge-seconds", type=float, default=8.0)
    demo.add_argument("--log-level", default="WARNING")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if args.command == "run":
        return run(args)
    from firmware.bench.demo import demo

    return asyncio.run(demo(args))


def run(args) -> int:
    from firmware.app import Controller
    from firmware.config import ConfigError, load_board
    from firmware.settings import SettingsError, resolve
    from firmware.store import Store

    try:
        board = load_board(args.board)
        store = Store(args.data_dir)
        settings = resolve(args, store)
        store.close()
    except (ConfigError, SettingsError) as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2
    if settings.ocpp_version != "1.6":
        print("evse: OCPP 2.0.1 is not implemented yet; use --ocpp-version 1.6", file=sys.stderr)
        return 2

    async def go() -> int:
        return await Controller(board, settings, args.data_dir, args.bench_port or None).run()

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
