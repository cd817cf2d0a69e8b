"""`evse export`, `evse export --verify` and `evse import`: the owner's data out, checked, and back
onto a replacement unit (firmware.export; docs/export.md)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path


def add_parsers(sub) -> None:
    ex = sub.add_parser("export", help="the charger's data as one verifiable bundle (or --verify one)")
    ex.add_argument("--data-dir", help="the controller's data directory (default: the settings file's)")
    ex.add_argument("--out", help="the bundle to write (.zip)")
    ex.add_argument("--verify", metavar="FILE", help="instead: check a bundle against its manifest")
    im = sub.add_parser("import", help="restore settings, configuration, trust anchors and the local list "
                                       "from an export onto this (replacement) unit")
    im.add_argument("bundle", help="the export bundle (.zip)")
    im.add_argument("--data-dir", help="the controller's data directory (default: the settings file's)")
    for cmd in (ex, im):
        cmd.add_argument("--board", help="board config TOML (default: the settings file's)")
        cmd.add_argument("--config", default="/etc/evse/evse.toml", help="the settings file (board, data, site)")
        cmd.add_argument("--log-level", default="WARNING")


def export_command(args) -> int:
    from firmware.export.bundle import verify
    from firmware.export.make import make_export

    if args.verify:
        manifest, problems = verify(Path(args.verify))
        for line in problems:
            print(f"evse export --verify: {line}", file=sys.stderr)
        if not problems:
            print(f"{args.verify}: {len(manifest['files'])} files, all as exported "
                  f"({manifest['charger']['serial']}, {manifest['exported_at']})")
        return 1 if problems else 0
    if not args.out:
        print("evse export: --out FILE is needed (or --verify FILE)", file=sys.stderr)
        return 2
    opened = _open(args)
    if isinstance(opened, int):
        return opened
    data_dir, store, board, site = opened
    store.close()  # the export reads on a connection of its own
    about = make_export(data_dir, board, site, Path(args.out), datetime.now(timezone.utc))
    print(f"{args.out}: {about['sessions']} sessions and {about['files']} files from {data_dir}; "
          f"check it with: evse export --verify {args.out}")
    return 0


def import_command(args) -> int:
    from firmware.export.bundle import BundleError
    from firmware.export.restore import restore

    opened = _open(args)
    if isinstance(opened, int):
        return opened
    data_dir, store, board, _ = opened
    try:
        lines = restore(Path(args.bundle), data_dir=data_dir, store=store,
                        protocol_for=lambda version: _protocol(store, board, version))
    except BundleError as exc:
        print(f"evse import: {args.bundle} refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    for line in lines:
        print(line)
    print("restart the service to use them (sudo systemctl restart evse)")
    return 0


def _protocol(store, board, version: str):
    from firmware.ocpp.protocols import protocol_for

    return protocol_for(version, store, board, on_change=lambda name: None)


def _open(args):
    """(data dir, store, board, site section), or an exit code after one line on standard error."""
    from firmware.__main__ import open_data_dir
    from firmware.config import ConfigError, load_board
    from firmware.settings import SettingsError
    from firmware.settings_file import SiteSection, load_settings_file

    settings = None
    try:
        if not (args.board and args.data_dir) or Path(args.config).exists():
            settings = load_settings_file(args.config) if Path(args.config).exists() else None
        board_path = args.board or (settings.board if settings else None)
        data_dir = args.data_dir or (settings.data_dir if settings else None)
        if board_path is None or data_dir is None:
            print(f"evse: give --board and --data-dir (no settings file at {args.config})", file=sys.stderr)
            return 2
        board = load_board(board_path)
        if not Path(data_dir).is_dir():
            print(f"evse: --data-dir {data_dir}: no such directory", file=sys.stderr)
            return 2
        store = open_data_dir(data_dir)
    except (ConfigError, SettingsError) as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2
    return Path(data_dir), store, board, settings.site if settings else SiteSection()
