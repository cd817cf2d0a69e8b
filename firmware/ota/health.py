"""The health gate of a new release, and its rollback.

A switched-to release is on trial (`<data-dir>/ota-trial.json`). The pre-start
check (`evse-health`, run by systemd as ExecStartPre) counts its starts; past
MAX_STARTS without an accepted BootNotification (a crash loop, even one that
dies before any of our code runs) it points `current` back to the previous
release. The new release itself also gives up when no BootNotification is
accepted within the gate time. The release that runs afterwards reports the
outcome to the CSMS once it is online. Standard library only: this must work
whatever state the new release is in.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

MAX_STARTS = 3
TRIAL_FILE = "ota-trial.json"
DATABASE = "evse.sqlite3"


def load(data_dir: Path) -> dict | None:
    path = Path(data_dir) / TRIAL_FILE
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def save(data_dir: Path, trial: dict | None) -> None:
    path = Path(data_dir) / TRIAL_FILE
    if trial is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(trial))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def roll_back(data_dir: Path, trial: dict, why: str) -> None:
    current = Path(trial["current_link"])
    tmp = current.with_name(".current.rollback")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(trial["previous"])
    os.replace(tmp, current)
    # The previous release reads the schema it had: the copy made before the new one migrated.
    # (A release from before schema versions recorded none: 0.)
    take_back_schema(Path(data_dir) / DATABASE, trial.get("schema_version", 0))
    trial.update(status="rolled_back", why=why)
    save(data_dir, trial)


def take_back_schema(db_path: Path, version: int) -> str | None:
    """A database migrated past `version` is set aside and the copy made of `version` takes its place.

    Returns the name the newer file is kept under, or None when there was nothing to do or no copy.
    """
    if not db_path.exists():
        return None
    db = sqlite3.connect(db_path)
    try:
        found = db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()
    copy = db_path.with_name(f"{db_path.name}.v{version}")
    if found <= version or not copy.exists():
        return None
    kept = db_path.with_name(f"{db_path.name}.v{found}.rolled-back")
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    os.replace(db_path, kept)
    os.replace(copy, db_path)
    return kept.name


def pre_start(data_dir: Path) -> str:
    """What systemd runs before every start: count, and roll back a crash loop."""
    trial = load(data_dir)
    if not trial or trial.get("status") != "trial":
        return "no release on trial"
    if trial.get("external"):
        return "the OS updater's bootloader decides"
    trial["starts"] = trial.get("starts", 0) + 1
    if trial["starts"] > MAX_STARTS:
        roll_back(data_dir, trial, f"{trial['version']} did not come up in {MAX_STARTS} starts")
        return f"rolled back to {trial['previous']}"
    save(data_dir, trial)
    return f"release {trial['version']} on trial, start {trial['starts']}"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: evse-health DATA_DIR", file=sys.stderr)
        return 2
    print(pre_start(Path(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
