"""Per-unit pilot calibration, kept in the data directory beside the runtime settings.

Board configs describe a design and are read-only; two units of one design
differ by resistor tolerances, so the measured gain and offset of each
detector belong to the unit. The file is written atomically and keyed by board
name, so a board config swapped for another never uses foreign numbers.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from hal.rpi.pilot import LinearCal

log = logging.getLogger(__name__)

FILE = "calibration.json"


def load(data_dir, board_name: str) -> dict[int, dict[str, LinearCal]]:
    if data_dir is None:
        return {}
    path = Path(data_dir) / FILE
    try:
        entries = json.loads(path.read_text()).get(board_name, {})
        return {int(cid): {k: LinearCal(*v) for k, v in cal.items()} for cid, cal in entries.items()}
    except FileNotFoundError:
        return {}
    except (ValueError, TypeError, AttributeError) as exc:
        log.error("%s is damaged (%s): nominal front-end values in use; run `evse calibrate`", path, exc)
        return {}


def save(data_dir, board_name: str, cals: dict[int, dict[str, LinearCal]]) -> Path:
    path = Path(data_dir) / FILE
    try:
        everything = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        everything = {}
    everything[board_name] = {str(cid): {k: [c.gain, c.offset_v] for k, c in cal.items()}
                              for cid, cal in cals.items()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(everything, indent=2))
    os.replace(tmp, path)
    return path
