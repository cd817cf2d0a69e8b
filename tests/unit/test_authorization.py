"""Local list, cache and the OCPP 1.6 authorization policy (section 3.5)."""

import pytest

from firmware.auth.authorizer import Authorizer
from firmware.auth.cache import AuthCache
from firmware.auth.id_tag_info import IdTagInfo
from firmware.auth.local_list import ListTooLong, LocalList
from firmware.clock import SteppedClock
from firmware.core.vocabulary import LocalListResult
from firmware.ocpp.v16.policy import Policy16
from firmware.store import Store

OK = IdTagInfo("Accepted")
PAST = "2000-01-01T00:00:00Z"
FUTURE = "2099-01-01T00:00:00Z"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path)
    yield s
    s.close()


def test_full_then_differential_updates(store):
    lst = LocalList(store, 100)
    assert lst.version == 0 and lst.get("A") is None
    assert lst.update(3, True, [("A", OK), ("B", IdTagInfo("Blocked"))]) == LocalListResult.ACCEPTED
    assert lst.version == 3 and lst.get("B").status == "Blocked"
    assert lst.update(4, False, [("C", OK), ("A", None)]) == LocalListResult.ACCEPTED  # upsert C, remove A
    assert lst.get("A") is None and lst.get("C") == OK and len(lst) == 2
    assert lst.update(1, True, [("Z", OK)]) == LocalListResult.ACCEPTED  # a full list replaces everything
    assert len(lst) == 1 and lst.version == 1


def test_version_mismatch_and_failures_change_nothing(store):
    lst = LocalList(store, 3)
    lst.update(5, True, [("A", OK)])
    assert lst.update(5, False, [("B", OK)]) == LocalListResult.VERSION_MISMATCH
    assert lst.update(4, False, [("B", OK)]) == LocalListResult.VERSION_MISMATCH
    assert lst.update(6, True, [("B", None)]) == LocalListResult.FAILED  # a full list entry without IdTagInfo
    with pytest.raises(ListTooLong):
        lst.update(7, False, [("B", OK), ("C", OK), ("D", OK)])
    assert lst.version == 5 and len(lst) == 1 and lst.get("B") is None


def test_ten_thousand_entries(store):
    lst = LocalList(store, 10_000)
    entries = [(f"TAG{i:06d}", IdTagInfo("Accepted", FUTURE, "FLEET")) for i in range(10_000)]
    assert lst.update(1, True, entries) == LocalListResult.ACCEPTED
    assert len(lst) == 10_000
    assert lst.get("TAG009999").parent_id_tag == "FLEET"
    assert lst.get("tag000042") is not None  # id tags compare case-insensitively (OCPP CiString)


def test_expiry_turns_accepted_into_expired():
    assert IdTagInfo("Accepted", PAST).now_status() == "Expired"
    assert IdTagInfo("Accepted", FUTURE).now_status() == "Accepted"
    assert IdTagInfo("Blocked", FUTURE).now_status() == "Blocked"
    assert IdTagInfo("Accepted", "not a date").now_status() == "Invalid"


def test_cache_evicts_the_least_recently_used(store):
    cache = AuthCache(store, max_entries=3)
    for tag in "ABC":
        cache.put(tag, OK)
    cache.get("A")  # A is now the most recently used
    cache.put("D", OK)
    assert cache.get("B") is None and cache.get("A") is not None and len(cache) == 3


def test_cache_lifetime_counts_from_the_last_use(store):  # OCPP 2.0.1 AuthCacheCtrlr.LifeTime (TC_C_46)
    clock = SteppedClock()
    lifetime = [100]
    cache = AuthCache(store, clock=clock, lifetime_s=lambda: lifetime[0])
    cache.put("A", OK)
    clock.advance(90)
    assert cache.get("A") is not None  # used: its life starts again
    clock.advance(90)
    assert cache.get("A") is not None
    clock.advance(101)
    assert cache.get("A") is None and len(cache) == 0  # unused for longer than its lifetime: gone
    cache.put("B", OK)
    lifetime[0] = None
    clock.advance(10**6)
    assert cache.get("B") is not None  # no lifetime (1.6, or LifeTime 0): kept until pushed out


class Keys:
    def __init__(self, **values):
        self.values = {"LocalAuthListEnabled": True, "AuthorizationCacheEnabled": True, "LocalPreAuthorize": False,
                       "LocalAuthorizeOffline": True, "AllowOfflineTxForUnknownId": False, **values}

    def get_bool(self, name):
        return self.values[name]


def authorizer(store, csms=None, **keys):
    calls = []

    async def remote(tag):
        calls.append(tag)
        return None if csms is None else csms.get(tag, IdTagInfo("Invalid"))

    a = Asking(store, Policy16(Keys(**keys)), remote)  # the 1.6 keys, read through the neutral policy
    return a, calls


class Asking(Authorizer):
    """As the card handler uses it: every question goes with the CSMS to ask."""

    def __init__(self, store, policy, remote):
        super().__init__(store, policy)
        self._remote = remote

    async def authorize(self, id_tag, remote=None):
        return await super().authorize(id_tag, remote or self._remote)


async def test_online_the_csms_decides_and_is_cached(store):
    a, calls = authorizer(store, csms={"A": IdTagInfo("Accepted", FUTURE, "P")})
    assert (await a.authorize("A")).accepted and calls == ["A"]
    assert a.cache.get("A").parent_id_tag == "P"
    assert (await a.authorize("X")).now_status() == "Invalid"


async def test_local_pre_authorize_skips_the_csms(store):
    a, calls = authorizer(store, csms={}, LocalPreAuthorize=True)
    a.local_list.update(1, True, [("L", OK)])
    assert (await a.authorize("L")).accepted and calls == []


@pytest.mark.parametrize("status", ["Blocked", "Expired", "Invalid", "ConcurrentTx"])
async def test_offline_list_statuses(store, status):
    a, _ = authorizer(store)
    a.local_list.update(1, True, [("T", IdTagInfo(status))])
    assert (await a.authorize("T")).now_status() == status


async def test_offline_expired_list_entry(store):
    a, _ = authorizer(store)
    a.local_list.update(1, True, [("T", IdTagInfo("Accepted", PAST))])
    assert (await a.authorize("T")).now_status() == "Expired"


async def test_offline_cache_and_its_switches(store):
    a, _ = authorizer(store)
    a.cache.put("C", OK)
    assert (await a.authorize("C")).accepted
    b, _ = authorizer(store, LocalAuthorizeOffline=False)
    assert not (await b.authorize("C")).accepted
    c, _ = authorizer(store, AuthorizationCacheEnabled=False)
    assert not (await c.authorize("C")).accepted


async def test_offline_unknown_tags(store):
    a, _ = authorizer(store)
    assert not (await a.authorize("NEW")).accepted
    b, _ = authorizer(store, AllowOfflineTxForUnknownId=True)
    assert (await b.authorize("NEW")).accepted


async def test_the_local_list_wins_over_the_cache(store):
    a, _ = authorizer(store, csms={"T": OK})
    a.local_list.update(1, True, [("T", IdTagInfo("Blocked"))])
    a.remember("T", OK)  # never cached over a listed tag
    assert a.cache.get("T") is None
    b, _ = authorizer(store)  # offline
    assert (await b.authorize("T")).now_status() == "Blocked"
