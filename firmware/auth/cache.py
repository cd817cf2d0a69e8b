"""The authorization cache (OCPP 1.6 section 3.5.3): the CSMS's last word per tag.

Bounded: past MAX_ENTRIES the least recently used tag goes. Entries keep their
expiry; an Accepted entry past it answers Expired. With a lifetime (OCPP 2.0.1
AuthCacheCtrlr.LifeTime) an entry not used for that long is gone. "Used" is
measured on the injected wall clock, which survives restarts (the cache does too).
"""

from __future__ import annotations

from firmware.auth.id_tag_info import IdTagInfo
from firmware.clock import Clock

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_cache (
    id_tag TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL, expiry TEXT, parent_id_tag TEXT, used_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_cache_lru ON auth_cache (used_at);
"""
MAX_ENTRIES = 1000


class AuthCache:
    def __init__(self, store, max_entries: int = MAX_ENTRIES, clock=None, lifetime_s=lambda: None):
        self._store = store
        self._db = store.db
        self.max_entries = max_entries
        self._clock = clock or Clock()
        self._lifetime_s = lifetime_s  # () -> seconds an unused entry lives, or None: until pushed out
        store.ensure(SCHEMA)

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def get(self, id_tag: str) -> IdTagInfo | None:
        row = self._db.execute(
            "SELECT status, expiry, parent_id_tag, used_at FROM auth_cache WHERE id_tag = ?", (id_tag,)
        ).fetchone()
        if row is None:
            return None
        lifetime = self._lifetime_s()
        if lifetime is not None and self._now() - row[3] > lifetime:
            self.forget(id_tag)  # not used within its lifetime
            return None
        self._db.execute("UPDATE auth_cache SET used_at = ? WHERE id_tag = ?", (self._now(), id_tag))
        return IdTagInfo(*row[:3])

    def put(self, id_tag: str, info: IdTagInfo) -> None:
        with self._store.transaction(durable=False):
            self._db.execute(
                "INSERT OR REPLACE INTO auth_cache VALUES (?, ?, ?, ?, ?)",
                (id_tag, info.status, info.expiry, info.parent_id_tag, self._now()),
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

    def all(self) -> list[tuple[str, IdTagInfo]]:
        """Every entry as stored, sorted (the export)."""
        rows = self._db.execute("SELECT id_tag, status, expiry, parent_id_tag FROM auth_cache ORDER BY id_tag")
        return [(r[0], IdTagInfo(*r[1:])) for r in rows.fetchall()]

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM auth_cache").fetchone()[0]
