"""The installer's page and JSON API on a running controller, reached over HTTPS as a user would."""

import asyncio
import csv
import io
import json
import ssl

import aiohttp
import pytest

from web_client import PASSWORD, Browser, api_token, set_password, started_with_password, web_controller


@pytest.fixture
async def web(csms, tmp_path):
    proc = await started_with_password(csms, tmp_path / "data")
    browser = Browser(proc.web, cert_file=tmp_path / "data" / "web" / "server.crt")
    yield proc, browser
    await browser.close()
    await proc.close()
    print(f"---- controller log ----\n{proc.log()}")


async def test_without_a_password_the_page_only_explains_how_to_set_one(csms, tmp_path):
    proc = web_controller(csms.url, tmp_path / "data")
    await proc.start()
    browser = Browser(proc.web)
    try:
        status, page = await browser.get("/")
        assert status == 200 and "evse web-password" in page and 'name="password"' not in page
        assert await browser.login("anything at all") == 401
        assert (await browser.get("/api/status"))[0] == 401
    finally:
        await browser.close()
        await proc.close()


def test_web_password_refuses_a_short_one(tmp_path):
    done = set_password(tmp_path / "d", "short")
    assert done.returncode == 1 and "10 to 128 characters" in done.stderr


async def test_https_with_a_certificate_made_for_this_charger(web, tmp_path):
    proc, browser = web
    context = ssl.create_default_context(cafile=str(tmp_path / "data" / "web" / "server.crt"))
    async with aiohttp.ClientSession() as http:  # verified: the certificate names 127.0.0.1
        async with http.get(proc.web + "/", ssl=context) as r:
            assert r.status == 200 and r.headers["X-Frame-Options"] == "DENY"
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]


async def test_login_sets_a_strict_cookie_and_wrong_passwords_are_throttled(web):
    proc, browser = web
    async with browser.http.post(proc.web + "/login", data={"password": PASSWORD}, allow_redirects=False) as r:
        assert r.status == 303
        cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
    other = Browser(proc.web)
    try:
        assert [await other.login("wrong password!") for _ in range(5)] == [401] * 5
        assert await other.login(PASSWORD) == 429  # even the right one waits now
    finally:
        await other.close()


async def test_changes_need_the_csrf_token_and_our_own_origin(web):
    proc, browser = web
    assert await browser.login() == 303
    assert (await browser.get("/api/settings"))[1]["charge_point_id"] == "CP001"
    status, answer = await browser.post("/api/settings", {"security_profile": 0}, csrf=False)
    assert status == 403 and "CSRF" in answer["error"]
    status, answer = await browser.post("/api/settings", {"security_profile": 0},
                                        headers={"Origin": "https://evil.example"})
    assert status == 403 and "origin" in answer["error"]
    status, answer = await browser.post("/api/settings", {"security_profile": 0})
    assert status == 200 and answer["changed"] == []


async def test_an_api_token_works_without_a_cookie(web, tmp_path):
    proc, browser = web
    token = api_token(tmp_path / "data")
    status, body = await browser.get("/api/status", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and [c["id"] for c in body["connectors"]] == [1, 2]
    status, _ = await browser.get("/api/status", headers={"Authorization": "Bearer not-a-token"})
    assert status == 401


async def test_settings_are_checked_like_the_command_line(web):
    proc, browser = web
    await browser.login()
    for change, words in (({"csms_url": "http://x/ocpp"}, "ws:// or wss://"),
                          ({"charge_point_id": "a/b"}, "no '/'"),
                          ({"ocpp_version": "1.5"}, "1.6 or 2.0.1"),
                          ({"security_profile": 2}, "wss://"),
                          ({"basic_auth_password": "short"}, "16 to 40"),
                          ({"heartbeat": 5}, "not editable")):
        status, answer = await browser.post("/api/settings", change)
        assert status == 400 and words in answer["error"], (change, answer)
    assert (await browser.get("/api/settings"))[1]["charge_point_id"] == "CP001"


async def test_a_finished_session_is_in_the_transactions_and_the_csv(web, csms):
    proc, browser = web
    await browser.login()
    await proc.post("/ev", {"connector": 1, "state": "C"})
    await proc.post("/rfid", {"connector": 1, "id_tag": "WEBTAG"})
    await proc.until(lambda c: c["contactor_closed"])
    await asyncio.sleep(1.5)
    await proc.post("/ev", {"connector": 1, "state": "A"})
    stop = (await csms.wait_for(lambda c: c.actions("StopTransaction")))[0]
    await asyncio.sleep(0.3)
    status, page = await browser.get("/api/transactions")
    assert status == 200 and page["total"] == 1
    row = page["transactions"][0]
    start = csms.actions("StartTransaction")[0]
    assert row["id_tag"] == "WEBTAG" and row["transaction_id"] == str(stop["transactionId"])
    assert row["energy_wh"] == pytest.approx(stop["meterStop"] - start["meterStart"], abs=1.0)
    status, text = await browser.get("/api/transactions.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200 and len(rows) == 1 and rows[0]["id_tag"] == "WEBTAG"
    assert float(rows[0]["energy_wh"]) == row["energy_wh"]


async def test_the_live_stream_follows_a_session(web):
    proc, browser = web
    await browser.login()
    seen = []
    async with browser.http.get(proc.web + "/api/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await proc.post("/ev", {"connector": 2, "state": "C"})
        await proc.post("/rfid", {"connector": 2, "id_tag": "LIVE"})
        async with asyncio.timeout(20):
            async for line in stream.content:
                if line.startswith(b"data: "):
                    c2 = json.loads(line[6:])["connectors"][1]
                    seen.append(c2["status"])
                    if c2["status"] == "Charging" and c2["power_w"] > 0:
                        break
    assert seen[0] == "Available" and seen[-1] == "Charging"
    assert any(s["source"] == "board" for s in c2["limit_sources"]) and c2["session"]["id_tag"] == "LIVE"


async def test_a_new_charge_point_id_from_the_page_reconnects_under_it(web, csms):
    proc, browser = web
    await browser.login()
    status, answer = await browser.post("/api/settings", {"charge_point_id": "CP-NEW"})
    assert status == 200 and answer["changed"] == ["charge_point_id"]
    await csms.wait_for(lambda c: "CP-NEW" in c.charge_points, 30)
    events = [p for a, p in csms.received if a == "SecurityEventNotification"]
    assert any("local web page" in (e.get("techInfo") or "") for e in events)
    await proc.wait_api()
    again = Browser(proc.web)
    try:
        assert await again.login() == 303  # the password lives in the data directory, across the restart
        assert (await again.get("/api/settings"))[1]["charge_point_id"] == "CP-NEW"
    finally:
        await again.close()


async def test_the_charger_announces_its_page_by_mdns(csms, tmp_path):
    from zeroconf import IPVersion
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

    proc = web_controller(csms.url, tmp_path / "data", extra=("--web-bind", "0.0.0.0"))
    await proc.start()
    port = int(proc.web.rsplit(":", 1)[1])
    zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
    try:
        info = AsyncServiceInfo("_http._tcp.local.", "evse-bench-0001._http._tcp.local.")
        assert await info.async_request(zc.zeroconf, 5000), f"not announced:\n{proc.log()}"
        assert info.port == port and info.server == "evse-bench-0001.local."
        assert info.properties[b"scheme"] == b"https"
        address = info.parsed_addresses()[0]
        async with aiohttp.ClientSession() as http:  # the page answers at the announced address
            async with http.get(f"https://{address}:{port}/", ssl=False) as r:
                assert r.status == 200
    finally:
        await zc.async_close()
        await proc.close()


async def test_the_page_works_for_ocpp_2_0_1_too(csms201, tmp_path):
    assert set_password(tmp_path / "data").returncode == 0
    proc = web_controller(csms201.url, tmp_path / "data", ocpp_version="2.0.1")
    await proc.start()
    browser = Browser(proc.web)
    try:
        await csms201.wait_for(lambda c: len({p["evseId"] for p in c.actions("StatusNotification")}) == 2, 15)
        await browser.login()
        await proc.post("/ev", {"connector": 1, "state": "C"})
        await proc.post("/rfid", {"connector": 1, "id_tag": "TWO01"})
        await proc.until(lambda c: c["contactor_closed"])
        await asyncio.sleep(0.5)
        status, body = await browser.get("/api/status")
        assert body["link"]["version"] == "2.0.1" and body["link"]["connected"]
        c1 = body["connectors"][0]
        assert c1["status"] == "Occupied" and c1["session"]["id_tag"] == "TWO01"
        started = next(p for p in csms201.actions("TransactionEvent") if p["eventType"] == "Started")
        assert c1["session"]["transaction_id"] == started["transactionInfo"]["transactionId"]
    finally:
        await browser.close()
        await proc.close()


async def test_firmware_and_log_panels(web):
    proc, browser = web
    await browser.login()
    status, fw = await browser.get("/api/firmware")
    assert status == 200 and fw["version"] == "0.1.0" and fw["last_update"] is None
    await browser.post("/api/settings", {"basic_auth_password": "0123456789abcdef0123456789abcdef"})
    status, logs = await browser.get("/api/logs")
    assert status == 200 and any("web page: logged in" in line for line in logs["lines"])
    status, whole = await browser.get("/api/logs/download")
    assert status == 200 and "BootNotification accepted" in whole
    assert "0123456789abcdef0123456789abcdef" not in whole  # never a secret, in the page or the file


async def test_the_self_test_runs_only_with_nothing_plugged_then_the_charger_restarts(web, csms):
    proc, browser = web
    await browser.login()
    await proc.post("/ev", {"connector": 2, "state": "B"})
    await proc.until(lambda c: c["cp_state"] == "B", cid=2)
    status, info = await browser.get("/api/selftest")
    assert not info["can_run"] and "connector 2" in info["why_not"] and "plugged" in info["why_not"]
    status, answer = await browser.post("/api/selftest", {})
    assert status == 409 and "connector 2" in answer["error"]
    await proc.post("/ev", {"connector": 2, "state": "A"})
    await proc.until(lambda c: c["cp_state"] == "A", cid=2)
    boots = len(csms.actions("BootNotification"))
    status, answer = await browser.post("/api/selftest", {})
    assert status == 200 and answer["started"]
    await csms.wait_for(lambda c: len(c.actions("BootNotification")) > boots, 60)  # it restarted
    await proc.wait_api()
    again = Browser(proc.web)
    try:
        await again.login()
        status, info = await again.get("/api/selftest")
        last = info["last"]
        assert last["passed"], last["rows"]
        results = {(r["where"], r["check"]): r["result"] for r in last["rows"]}
        assert results[("connector 2", "pilot -12 V (state F)")] == "PASS"  # it drove the pilot itself
        assert results[("connector 1", "RCD test")] == "PASS" and results[("station", "e-stop released")] == "PASS"
    finally:
        await again.close()


async def test_the_whole_configuration_can_be_read_without_secrets(web):
    proc, browser = web
    await browser.login()
    await browser.post("/api/settings", {"basic_auth_password": "0123456789abcdef0123456789abcdef"})
    status, config = await browser.get("/api/configuration")
    assert status == 200 and config["board"]["serial"] == "BENCH-0001" and len(config["board"]["connectors"]) == 2
    assert config["csms"]["basic_auth_password_set"] and "0123456789abcdef" not in str(config)


async def test_the_export_downloads_from_the_page_and_verifies(web, tmp_path):  # issue 16, part 2
    from firmware.export.bundle import verify

    proc, browser = web
    async with browser.http.get(browser.base + "/api/export") as r:
        assert r.status == 401  # personal data: only for the logged-in installer
    await browser.login()
    async with browser.http.get(browser.base + "/api/export") as r:
        assert r.status == 200 and r.content_type == "application/zip"
        assert 'filename="evse-export-' in r.headers["Content-Disposition"]
        body = await r.read()
    (tmp_path / "page.zip").write_bytes(body)
    manifest, problems = verify(tmp_path / "page.zip")
    assert problems == [] and "transactions.csv" in manifest["files"] and "logs/evse.log" in manifest["files"]
    assert not list((proc.data_dir / "exports").glob("*.zip"))  # nothing left behind on the charger
