"""Several backends in one go: a witness file (TOML) names them; the same run goes against each into
its own signed report, and a matrix puts their results side by side (matrix.json, matrix.html)."""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from firmware.witness import DEPTHS

KEYS = {"name": str, "csms_url": str, "charge_point_id": str, "ocpp_version": str, "security_profile": int,
        "basic_auth_password": str, "ca_file": str, "cards": list, "blocked_card": str, "connection_timeout": float,
        "csms_export": str, "depth": str}
REQUIRED = ("name", "csms_url", "charge_point_id")


class WitnessFileError(ValueError):
    pass


def backends(path: Path, defaults: argparse.Namespace) -> list[tuple[str, argparse.Namespace]]:
    """(name, the arguments of one run) per [[backend]], each key checked; the command line's for the rest."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WitnessFileError(f"{path}: {exc}") from None
    items = raw.get("backend")
    if not isinstance(items, list) or not items:
        raise WitnessFileError(f"{path}: no [[backend]] table")
    runs, names = [], set()
    for n, item in enumerate(items, 1):
        where = f"{path}: backend {n}"
        for key, value in item.items():
            if key not in KEYS:
                raise WitnessFileError(f"{where}: unknown key {key}; allowed: {', '.join(KEYS)}")
            if not isinstance(value, KEYS[key]) and not (KEYS[key] is float and isinstance(value, int)):
                raise WitnessFileError(f"{where}: {key} must be a {KEYS[key].__name__}")
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            raise WitnessFileError(f"{where}: give {', '.join(missing)}")
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", item["name"]) or item["name"] in names:
            raise WitnessFileError(f"{where}: name must be unique, 1-40 letters, digits, '.', '_' or '-'")
        if item.get("depth", defaults.depth) not in DEPTHS or item.get("ocpp_version", "1.6") not in ("1.6", "2.0.1"):
            raise WitnessFileError(f"{where}: depth is one of {', '.join(DEPTHS)}; ocpp_version 1.6 or 2.0.1")
        names.add(item["name"])
        one = argparse.Namespace(**vars(defaults))
        for key, value in item.items():
            setattr(one, {"cards": "card"}.get(key, key), value)
        runs.append((item["name"], one))
    return runs


def write_matrix(folder: Path, bodies: dict[str, dict]) -> bool:
    """matrix.json and matrix.html; True when any backend failed a step."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for name, body in bodies.items():
        for step in body["steps"]:
            rows.setdefault((step["area"], step["action"]), {})[name] = step["result"]
    matrix = {"backends": {name: {"csms": b["csms"], "summary": b["summary"], "depth": b["depth"]}
                           for name, b in bodies.items()},
              "steps": [{"area": a, "action": s, "results": r} for (a, s), r in rows.items()]}
    (folder / "matrix.json").write_text(json.dumps(matrix, indent=2, ensure_ascii=False))
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())
    (folder / "matrix.html").write_text(env.get_template("matrix.html").render(m=matrix, names=list(bodies)))
    return any(b["summary"]["failed"] for b in bodies.values())
