"""Who may charge: OCPP 1.6 section 3.5, as a policy over list, cache and CSMS.

Online: with LocalPreAuthorize a tag the local list or the cache accepts
starts at once; otherwise the CSMS decides (Authorize), and its answer is
cached. Offline (or the CSMS does not answer): with LocalAuthorizeOffline the
list, then the cache decide; a tag neither knows starts only with
AllowOfflineTxForUnknownId. The local list always wins over the cache. With
2.0.1's DisableRemoteAuthorization the list and the cache decide even online.
The CSMS is asked through `remote(id_tag)`, given with each question by whoever
asks (the card handler, the adapter): a coroutine that returns an IdTagInfo, or
None when the CSMS cannot be reached.
"""

from __future__ import annotations

import logging

from firmware.auth.cache import AuthCache
from firmware.auth.id_tag_info import IdTagInfo
from firmware.auth.local_list import LocalList

log = logging.getLogger(__name__)

INVALID = IdTagInfo("Invalid")
OFFLINE_UNKNOWN = IdTagInfo("Accepted")


class Authorizer:
    def __init__(self, store, policy, list_max_length: int = 10_000, clock=None):
        self._policy = policy  # firmware.policy.Policy: whatever OCPP version stores it
        self.local_list = LocalList(store, list_max_length)
        self.cache = AuthCache(store, clock=clock, lifetime_s=policy.cache_lifetime_s)

    def local(self, id_tag: str) -> IdTagInfo | None:
        """What the local list, else the cache, says: no network involved."""
        if self._policy.local_list_enabled():
            listed = self.local_list.get(id_tag)
            if listed is not None:
                return listed
        if self._policy.cache_enabled():
            return self.cache.get(id_tag)
        return None

    async def authorize(self, id_tag: str, remote=None) -> IdTagInfo:
        known = self.local(id_tag)
        if known is not None and known.accepted and self._policy.local_pre_authorize():
            return known
        if self._policy.remote_authorization_disabled():  # 2.0.1 C: list and cache decide, online or not
            return IdTagInfo(known.now_status(), known.expiry, known.parent_id_tag) if known else INVALID
        answer = await remote(id_tag) if remote else None
        if answer is not None:
            self.remember(id_tag, answer)
            return IdTagInfo(answer.now_status(), answer.expiry, answer.parent_id_tag)
        return self._offline(id_tag, known)

    def _offline(self, id_tag: str, known: IdTagInfo | None) -> IdTagInfo:
        if known is not None:
            if not self._policy.local_authorize_offline():
                return INVALID
            return IdTagInfo(known.now_status(), known.expiry, known.parent_id_tag)
        if self._policy.offline_tx_for_unknown_id():
            log.warning("offline: unknown tag %s allowed (offline transactions for unknown ids)", id_tag)
            return OFFLINE_UNKNOWN
        return INVALID

    def remember(self, id_tag: str, info: IdTagInfo) -> None:
        """Cache what the CSMS said (Authorize, StartTransaction, StopTransaction answers)."""
        if not self._policy.cache_enabled():
            return
        if self._policy.local_list_enabled() and self.local_list.get(id_tag) is not None:
            return  # the local list is the authority for its tags
        self.cache.put(id_tag, info)

    def clear_cache(self) -> None:
        self.cache.clear()
