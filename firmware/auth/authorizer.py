"""Who may charge: asks the CSMS when online, the authorization cache otherwise.

The CSMS is reached through `remote(id_tag)`, an adapter coroutine that
returns an IdTagInfo-like dict or None when the CSMS cannot be reached. The
cache keeps the last answer per tag (AuthorizationCacheEnabled) with its
expiry; the local authorization list and the full offline policy are issue 4.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

ACCEPTED = "Accepted"
INVALID = "Invalid"
CACHE_MAX = 1000


@dataclass(frozen=True)
class AuthResult:
    status: str
    parent_id_tag: str | None = None
    expiry: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


class Authorizer:
    def __init__(self, store, settings):
        self._store = store
        self._settings = settings  # reads AuthorizationCacheEnabled, LocalAuthorizeOffline
        self.remote = None  # set by the OCPP adapter: async (id_tag) -> dict | None

    async def authorize(self, id_tag: str) -> AuthResult:
        answer = await self.remote(id_tag) if self.remote else None
        if answer is not None:
            result = AuthResult(answer["status"], answer.get("parentIdTag"), answer.get("expiryDate"))
            self.remember(id_tag, result)
            return result
        cached = self._cached(id_tag)
        if cached is not None and self._settings.get_bool("LocalAuthorizeOffline"):
            return cached
        return AuthResult(INVALID)

    def remember(self, id_tag: str, result: AuthResult) -> None:
        if not self._settings.get_bool("AuthorizationCacheEnabled"):
            return
        db = self._store.db
        db.execute(
            "INSERT OR REPLACE INTO auth_cache (id_tag, status, parent_id_tag, expiry, used_at) VALUES (?,?,?,?,?)",
            (id_tag, result.status, result.parent_id_tag, result.expiry, time.time()),
        )
        db.execute(
            "DELETE FROM auth_cache WHERE id_tag NOT IN "
            "(SELECT id_tag FROM auth_cache ORDER BY used_at DESC LIMIT ?)",
            (CACHE_MAX,),
        )

    def clear_cache(self) -> None:
        self._store.db.execute("DELETE FROM auth_cache")

    def _cached(self, id_tag: str) -> AuthResult | None:
        if not self._settings.get_bool("AuthorizationCacheEnabled"):
            return None
        row = self._store.db.execute(
            "SELECT status, parent_id_tag, expiry FROM auth_cache WHERE id_tag = ?", (id_tag,)
        ).fetchone()
        if row is None:
            return None
        status, parent, expiry = row
        if expiry and datetime.fromisoformat(expiry.replace("Z", "+00:00")) < datetime.now(timezone.utc):
            status = "Expired"
        self._store.db.execute("UPDATE auth_cache SET used_at = ? WHERE id_tag = ?", (time.time(), id_tag))
        return AuthResult(status, parent, expiry)
