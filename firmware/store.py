"""The controller's SQLite database (WAL) and its runtime settings.

Each module that persists something owns its table (outbox, session journal,
local list, cache) and creates it here through `ensure`. Writes that must
survive a power cut before anyone is told about them use `transaction()`
(synchronous=FULL: the WAL is fsynced at commit); bookkeeping whose loss only
causes a harmless resend uses `transaction(durable=False)`. Used from the
asyncio side only; the safety core never touches it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from firmware import migrations


class Store:
    def __init__(self, data_dir: str | Path):
        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / "evse.sqlite3"
        migrations.prepare(path)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        migrations.migrate(self.db, path)
        self.ensure("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._depth = 0

    def ensure(self, schema: str) -> None:
        self.db.executescript(schema)

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self, durable: bool = True):
        """One atomic write; nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        if not durable:
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
            if not durable:
                self.db.execute("PRAGMA synchronous=FULL")

    # ---- settings -------------------------------------------------------
    def get(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )


def match_owner(data_dir: Path) -> None:
    """Run as root before the service ever started, the store's files would be root's and the
    service (user evse) could not open them: they get the data directory's owner."""
    if os.geteuid() != 0:
        return
    owner = data_dir.stat()
    for path in data_dir.iterdir():
        if path.is_file() and path.stat().st_uid != owner.st_uid:
            os.chown(path, owner.st_uid, owner.st_gid)
