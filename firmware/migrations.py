"""The data directory's SQLite schema, versioned, moved forward at start.

`PRAGMA user_version` holds the schema version. A release that finds an older
version first copies the database aside (`evse.sqlite3.v<old>`, SQLite's
online backup: consistent even with WAL) and then runs the missing steps in
one transaction. A release that finds a newer version (an OTA rollback to an
older release, after the new one had migrated) takes back the copy that the
newer release made of the very version it understands: the charger goes on
with the state it had when the update began, never with tables it cannot read.
Messages queued during that short trial are in the newer file, which is kept
beside it (`evse.sqlite3.v<newer>.rolled-back`) for the operator and the export.

Each step looks before it changes: a table a step touches may not exist yet
(a fresh data directory, where every module then creates its tables at the
latest version).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from firmware.ota.health import take_back_schema

log = logging.getLogger(__name__)


def _has_table(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _columns(db, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def outbox_lanes(db) -> None:
    """1: the outbox gets a lane (transactions / notifications), so nothing holds billing back."""
    if _has_table(db, "outbox") and "lane" not in _columns(db, "outbox"):
        db.execute("ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0")
        db.execute("UPDATE outbox SET lane = 1 WHERE local_id IS NULL "
                   "AND action NOT IN ('StartTransaction', 'StopTransaction')")


def string_transaction_ids(db) -> None:
    """2: transaction ids are strings in the model (1.6 integers, 2.0.1 UUIDs)."""
    if not _has_table(db, "transaction_ids"):
        return
    db.execute("CREATE TABLE transaction_ids_text (local_id TEXT PRIMARY KEY, transaction_id TEXT NOT NULL)")
    db.execute("INSERT INTO transaction_ids_text SELECT local_id, CAST(transaction_id AS TEXT) FROM transaction_ids")
    db.execute("DROP TABLE transaction_ids")
    db.execute("ALTER TABLE transaction_ids_text RENAME TO transaction_ids")
    db.execute("CREATE INDEX IF NOT EXISTS transaction_ids_by_id ON transaction_ids (transaction_id)")


STEPS = (outbox_lanes, string_transaction_ids)
VERSION = len(STEPS)


def backup_path(db_path: Path, version: int) -> Path:
    return db_path.with_name(f"{db_path.name}.v{version}")


def prepare(db_path: Path) -> None:
    """Before the store opens: a database from a newer release is replaced by the copy it made."""
    if not db_path.exists():
        return
    db = sqlite3.connect(db_path)
    try:
        found = db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()
    if found <= VERSION:
        return
    kept = take_back_schema(db_path, VERSION)
    if kept is None:
        raise MigrationError(f"{db_path} has schema version {found}, newer than this release's {VERSION}, "
                             f"and no copy {backup_path(db_path, VERSION).name} to go back to")
    log.warning("data directory: schema %s is from a newer release (rolled back); took back the copy of "
                "schema %s made before that update; the newer file is kept as %s", found, VERSION, kept)


def migrate(db, db_path: Path) -> int:
    """Move an open database to VERSION; returns the version it had."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found >= VERSION:
        return found
    fresh = not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone()
    if not fresh:
        with sqlite3.connect(backup_path(db_path, found)) as copy:
            db.backup(copy)
        copy.close()
    db.execute("BEGIN IMMEDIATE")
    try:
        for step in STEPS[found:]:
            step(db)
        db.execute(f"PRAGMA user_version = {VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if not fresh:
        log.warning("data directory: schema %s -> %s (a copy of the old one: %s)", found, VERSION,
                    backup_path(db_path, found).name)
    return found


class MigrationError(RuntimeError):
    pass
