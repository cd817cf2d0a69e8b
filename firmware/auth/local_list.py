"""The local authorization list (OCPP 1.6 section 3.5.2, SendLocalList 5.15).

Stored in SQLite with the id tag as primary key, so a decision is one indexed
lookup whatever the size. An update is applied atomically: all of it or,
on any error, none of it.
"""

from __future__ import annotations

from firmware.auth.id_tag_info import IdTagInfo
from firmware.clock import parse_utc
from firmware.core.vocabulary import LocalListResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS local_list (
    id_tag TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL, expiry TEXT, parent_id_tag TEXT
);
"""
VERSION_KEY = "local_list.version"
MAX_VERSION = 2**31 - 1  # OCPP integers are 32-bit


class LocalList:
    def __init__(self, store, max_length: int):
        self._store = store
        self._db = store.db
        self.max_length = max_length
        store.ensure(SCHEMA)

    @property
    def version(self) -> int:
        return self._store.get(VERSION_KEY, 0)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM local_list").fetchone()[0]

    def get(self, id_tag: str) -> IdTagInfo | None:
        row = self._db.execute(
            "SELECT status, expiry, parent_id_tag FROM local_list WHERE id_tag = ?", (id_tag,)
        ).fetchone()
        return None if row is None else IdTagInfo(*row)

    def entries(self, limit: int = 10_000) -> list[tuple[str, str]]:
        """(id tag, status), sorted: for the installer's page in standalone mode."""
        return self._db.execute("SELECT id_tag, status FROM local_list ORDER BY id_tag LIMIT ?", (limit,)).fetchall()

    def all(self) -> list[tuple[str, IdTagInfo]]:
        """Every entry, sorted (the export; a replacement unit gets them back by `update`)."""
        rows = self._db.execute("SELECT id_tag, status, expiry, parent_id_tag FROM local_list ORDER BY id_tag")
        return [(r[0], IdTagInfo(*r[1:])) for r in rows.fetchall()]

    def update(self, version: int, full: bool, entries: list[tuple[str, IdTagInfo | None]]) -> LocalListResult:
        """Accepted, version mismatch or failed: an update applies whole or not at all."""
        if not 0 <= version <= MAX_VERSION:
            return LocalListResult.FAILED  # schema-valid integers, but no list version
        if any(i is not None and i.expiry is not None and parse_utc(i.expiry) is None for _, i in entries):
            return LocalListResult.FAILED  # an expiry date that is no date: nothing of the update applies
        if not full and version <= self.version:
            return LocalListResult.VERSION_MISMATCH
        if full and any(info is None for _, info in entries):
            return LocalListResult.FAILED  # a full list gives every entry its IdTagInfo
        with self._store.transaction():
            if full:
                self._db.execute("DELETE FROM local_list")
            upserts = [(t, i.status, i.expiry, i.parent_id_tag) for t, i in entries if i is not None]
            self._db.executemany("INSERT OR REPLACE INTO local_list VALUES (?, ?, ?, ?)", upserts)
            self._db.executemany("DELETE FROM local_list WHERE id_tag = ?", [(t,) for t, i in entries if i is None])
            if len(self) > self.max_length:
                raise ListTooLong
            self._store.put(VERSION_KEY, version)
        return LocalListResult.ACCEPTED


class ListTooLong(Exception):
    """The update would exceed LocalAuthListMaxLength; nothing was applied."""
