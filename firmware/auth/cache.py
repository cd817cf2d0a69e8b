"""The authorization cache (OCPP 1.6 section 3.5.3): the CSMS's last word per tag.

Bounded: past MAX_ENTRIES the least recently used tag goes. Entries keep their
expiry; an Accepted entry past it answers Expired.
"""

from __future__ import annotations

import time

from firmware.auth.id_tag_info import IdTagInfo

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_cache (
    id_tag TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL, expiry TEXT, parent_id_tag TEXT, used_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_cache_lru ON auth_cache (used_at);
"""
MAX_ENTRIES = 1000


class AuthCache:
    def __init__(self, store, max_entries: int = MAX_ENTRIES):
        self._store = store
        self._db = store.db
        self.max_entries = max_entries
        store.ensure(SCHEMA)

    def get(self, id_tag: str) -> IdTagInfo | None:
        row = self._db.execute(
            "SELECT status, expiry, parent_id_tag FROM auth_cache WHERE id_tag = ?", (id_tag,)
        ).fetchone()
        if row is None:
            return None
        self._db.execute("UPDATE auth_cache SET used_at = ? WHERE id_tag = ?", (time.time(), id_tag))
        return IdTagInfo(*row)

    def put(self, id_tag: str, info: IdTagInfo) -> None:
        with self._store.transaction(durable=False):
            self._db.execute(
                "INSERT OR REPLACE INTO auth_cache VALUES (?, ?, ?, ?, ?)",
                (id_tag, info.status, info.expiry, info.parent_id_tag, time.time()),
            )
            self._db.execute(
                "DELETE FROM auth_cache WHERE id_tag IN (SELECT id_tag FROM auth_cache ORDER BY used_at DESC "
                "LIMIT -1 OFFSET ?)", (self.max_entries,))

    def clear(self) -> None:
        self._db.execute("DELETE FROM auth_cache")

    def forget(self, id_tag: str) -> bool:
        """Drop one tag (a customer's data cleared); True if it was there."""
        with self._store.transaction():
            return self._db.execute("DELETE FROM auth_cache WHERE id_tag = ?", (id_tag,)).rowcount > 0

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM auth_cache").fetchone()[0]
