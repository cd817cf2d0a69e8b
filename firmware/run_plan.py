"""What `evse run` is to do, from its flags and, on an installed charger, /etc/evse/evse.toml.

A flag given on the command line wins over the file (the bench contract's
flags keep their meaning); the file's CSMS section only seeds the data
directory (firmware.settings.resolve).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.config import ConfigError


@dataclass(frozen=True)
class RunPlan:
    board: str
    data_dir: str
    log_level: str
    web: object | None  # firmware.web.server.WebOptions, or None: the page is off
    seed: dict | None  # the settings file's CSMS values


def web_options(port, bind, http, cert, key, mdns, site=None):
    if not port:
        return None
    from firmware.web.server import WebOptions

    return WebOptions(port=port, bind=bind, tls=not http, cert_file=cert, key_file=key, mdns=mdns, site=site)


def plan(args) -> RunPlan:
    if args.config is None:
        if not (args.board and args.data_dir):
            raise ConfigError("give --config /etc/evse/evse.toml, or --board and --data-dir")
        return RunPlan(args.board, args.data_dir, args.log_level or "INFO",
                       web_options(args.web_port, args.web_bind or "127.0.0.1", args.web_http, args.web_cert,
                                   args.web_key, args.mdns), None)
    from firmware.settings_file import load_settings_file

    f = load_settings_file(args.config)
    w = f.web
    web = web_options(args.web_port if args.web_port is not None else w.port, args.web_bind or w.bind,
                      args.web_http, args.web_cert or w.cert, args.web_key or w.key, args.mdns and w.mdns, f.site)
    return RunPlan(args.board or f.board, args.data_dir or f.data_dir, args.log_level or f.log_level, web,
                   f.csms_values())


def log_level(args) -> str:
    """Before logging is set up: the flag, else the settings file's (a broken file is reported later)."""
    if getattr(args, "log_level", None):
        return args.log_level
    if getattr(args, "config", None):
        try:
            return plan(args).log_level
        except (ConfigError, OSError):
            pass
    return "INFO"
