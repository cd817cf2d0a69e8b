"""The page's login, sessions, CSRF and origin rules in process, on a stepped clock (no sleeping)."""

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from firmware.clock import SteppedClock
from firmware.store import Store
from firmware.web.guard import make_guard
from firmware.web.pages import Pages
from firmware.web.passwords import WebCredentials, hash_password, verify
from firmware.web.sessions import ABSOLUTE_S, IDLE_S, LOCKOUT_S, LoginThrottle, Sessions

PASSWORD = "installer password"


@pytest.fixture
async def site(tmp_path):
    clock = SteppedClock()
    store = Store(tmp_path)
    credentials = WebCredentials(store)
    credentials.set_password(PASSWORD)
    sessions = Sessions(clock.monotonic)
    app = web.Application(middlewares=[make_guard(credentials, sessions)])
    app.add_routes(Pages(credentials, sessions, LoginThrottle(clock.monotonic), "t", secure=False).routes())

    async def ping(request):
        return web.json_response({"ok": True})

    app.add_routes([web.get("/api/ping", ping), web.post("/api/ping", ping)])
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, clock, credentials
    await client.close()
    store.close()


async def login(client, password=PASSWORD) -> str | None:
    r = await client.post("/login", data={"password": password}, allow_redirects=False)
    if r.status != 303:
        return None
    page = await (await client.get("/")).text()
    return re.search(r'name="csrf" content="([^"]+)"', page).group(1)


async def test_an_idle_session_expires_and_is_refused(site):
    client, clock, _ = site
    csrf = await login(client)
    assert (await client.get("/api/ping")).status == 200
    clock.advance(IDLE_S - 5)
    assert (await client.post("/api/ping", headers={"X-CSRF-Token": csrf})).status == 200  # use restarts the idle time
    clock.advance(IDLE_S - 5)
    assert (await client.get("/api/ping")).status == 200
    clock.advance(IDLE_S + 1)
    r = await client.get("/api/ping")
    assert r.status == 401 and "expired" in (await r.json())["error"]
    assert 'name="password"' in await (await client.get("/")).text()  # the page asks to log in again


async def test_a_session_in_use_still_ends_after_a_working_day(site):
    client, clock, _ = site
    await login(client)
    start = clock.monotonic()
    while (await client.get("/api/ping")).status == 200:
        clock.advance(IDLE_S / 2)
        assert clock.monotonic() - start <= ABSOLUTE_S + IDLE_S, "the session never ended"
    assert clock.monotonic() - start > ABSOLUTE_S


async def test_changes_without_the_token_or_from_elsewhere_are_refused(site):
    client, _, _ = site
    csrf = await login(client)
    assert (await client.post("/api/ping")).status == 403
    assert (await client.post("/api/ping", headers={"X-CSRF-Token": "forged"})).status == 403
    assert (await client.post("/api/ping", headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})).status \
        == 403
    assert (await client.post("/api/ping", headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"})).status \
        == 403
    assert (await client.post("/api/ping", headers={"X-CSRF-Token": csrf})).status == 200
    r = await client.post("/login", data={"password": PASSWORD}, headers={"Origin": "http://evil.example"},
                          allow_redirects=False)
    assert r.status == 403  # no logging in from another site's form either


async def test_wrong_passwords_lock_the_client_out_for_a_while(site):
    client, clock, _ = site
    for _ in range(5):
        assert await login(client, "not the password") is None
    r = await client.post("/login", data={"password": PASSWORD}, allow_redirects=False)
    assert r.status == 429 and "wait" in await r.text()
    clock.advance(LOCKOUT_S + 1)
    assert await login(client) is not None


async def test_logging_out_ends_the_session(site):
    client, _, _ = site
    csrf = await login(client)
    r = await client.post("/logout", headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert r.status == 303
    assert (await client.get("/api/ping")).status == 401


def test_passwords_are_kept_as_salted_scrypt_hashes(tmp_path):
    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one != two and one.startswith("scrypt$") and PASSWORD not in one
    assert verify(PASSWORD, one) and not verify(PASSWORD + "x", one) and not verify(PASSWORD, "garbage")
    store = Store(tmp_path)
    credentials = WebCredentials(store)
    assert not credentials.password_set and not credentials.check_password("")  # no default password
    token = credentials.new_token("ci")
    assert credentials.check_token(token) == "ci" and credentials.check_token(token + "x") is None
    assert token not in str(store.get("web.api_tokens"))
    store.close()


def test_an_api_token_never_begins_with_a_dash(tmp_path, monkeypatch):
    """A command line would take such a token for an option (`evse migrate --api-token -x...`)."""
    drawn = iter(["-looks-like-an-option", "Abc-def"])
    monkeypatch.setattr("firmware.web.passwords.secrets.token_urlsafe", lambda n: next(drawn))
    store = Store(tmp_path)
    credentials = WebCredentials(store)
    assert credentials.new_token("migrate") == "Abc-def"
    assert credentials.check_token("Abc-def") == "migrate"
    store.close()


def test_sessions_are_bounded(tmp_path):
    clock = SteppedClock()
    sessions = Sessions(clock.monotonic)
    first = sessions.open()
    for _ in range(40):
        clock.advance(1)
        sessions.open()
    assert sessions.get(first.id) is None  # the least recently used gave way


async def test_the_first_password_is_chosen_with_the_one_time_setup_code(tmp_path):
    clock = SteppedClock()
    store = Store(tmp_path)
    credentials = WebCredentials(store)
    code = credentials.new_setup_code(clock.now().timestamp())
    sessions = Sessions(clock.monotonic)
    app = web.Application(middlewares=[make_guard(credentials, sessions)])
    app.add_routes(Pages(credentials, sessions, LoginThrottle(clock.monotonic), "t", secure=False,
                         wall_now=lambda: clock.now().timestamp()).routes())
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        assert 'name="code"' in await (await client.get("/")).text()
        form = {"code": "AAAA-BBBB-CCCC-DDDD", "password": PASSWORD, "again": PASSWORD}
        assert (await client.post("/setup", data=form, allow_redirects=False)).status == 401
        form = {"code": code, "password": PASSWORD, "again": PASSWORD + "x"}
        assert (await client.post("/setup", data=form, allow_redirects=False)).status == 400
        form = {"code": code.lower(), "password": PASSWORD, "again": PASSWORD}
        r = await client.post("/setup", data=form, allow_redirects=False)
        assert r.status == 303 and credentials.check_password(PASSWORD)  # set, and logged in at once
        assert 'id="connectors"' in await (await client.get("/")).text()
        form = {"code": code, "password": "another password", "again": "another password"}
        assert (await client.post("/setup", data=form, allow_redirects=False)).status == 401  # once only
    finally:
        await client.close()
        store.close()


def test_a_setup_code_expires(tmp_path):
    from firmware.web.passwords import SETUP_VALID_S

    store = Store(tmp_path)
    credentials = WebCredentials(store)
    code = credentials.new_setup_code(1000.0)
    assert not credentials.use_setup_code(code, PASSWORD, 1000.0 + SETUP_VALID_S + 1)
    assert credentials.use_setup_code(code, PASSWORD, 1000.0 + 60)
    store.close()
