"""`evse migrate` (issue 16, part 3) against a running controller: the switch waits for the running session
and the outbox, a CSMS that refuses the charger sends it back to the old one (nothing lost, said so in the
security events and the history), and one that accepts keeps it."""

import asyncio
import json
import sys

from controller import ROOT
from firmware.bench.csms import BenchCsms
from integration.conftest import wait_booted
from web_client import api_token, web_controller


async def migrate(proc, token: str, url: str, *extra: str) -> tuple[int, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware", "migrate", "--csms-url", url, "--web-url", proc.web, f"--api-token={token}",
        "--data-dir", str(proc.data_dir), "--timeout", "10", "--attempts", "3", *extra,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(child.communicate(), 120)
    return child.returncode, out.decode(), err.decode()


async def test_a_refusing_csms_sends_the_charger_back_and_an_accepting_one_keeps_it(csms, tmp_path):
    refusing, accepting = BenchCsms(), BenchCsms()
    refusing.boot_answer = ("Rejected", 5)
    await refusing.start()
    await accepting.start()
    data = tmp_path / "data"
    data.mkdir()
    token = api_token(data, "migrate")
    proc = web_controller(csms.url, data)
    await proc.start()
    try:
        await wait_booted(csms, proc)
        await proc.post("/ev", {"connector": 1, "state": "C"})
        await proc.post("/rfid", {"connector": 1, "id_tag": "BEFORE"})
        await proc.until(lambda c: c["contactor_closed"])
        code, out, err = await migrate(proc, token, refusing.url, "--no-wait")
        assert code == 0 and "once no session runs" in out, err
        await asyncio.sleep(2.0)
        assert refusing.actions("BootNotification") == []  # a session runs: the switch waits
        boots = len(csms.actions("BootNotification"))
        follow = asyncio.create_task(migrate(proc, token, refusing.url))  # already under way: refused (409)
        code, out, err = await follow
        assert code == 2 and "under way" in err
        await proc.post("/ev", {"connector": 1, "state": "A"})
        await csms.wait_for(lambda c: c.actions("StopTransaction"), 15)
        await refusing.wait_for(lambda c: c.actions("BootNotification"), 30)  # it tried the new one
        await csms.wait_for(lambda c: len(c.actions("BootNotification")) > boots, 60)  # and came back
        await wait_booted(csms, proc)
        said = await csms.wait_for(lambda c: [e["techInfo"] for e in c.actions("SecurityEventNotification")
                                              if "migration fell_back" in e.get("techInfo", "")], 15)
        assert refusing.url in said[0] and "back to" in said[0]
        assert len(csms.actions("StartTransaction")) == len(csms.actions("StopTransaction")) == 1  # nothing lost

        code, out, err = await migrate(proc, token, accepting.url)  # followed through the restart
        assert code == 0 and "accepted the charger" in out, err
        await wait_booted(accepting, proc)
        status, page = await proc_get(proc, token)
        assert [h["outcome"] for h in page["history"]] == ["fell_back", "done"]
        assert "basic_auth_password" not in json.dumps(page)
    finally:
        await proc.close()
        await refusing.stop()
        await accepting.stop()


async def proc_get(proc, token: str):
    import aiohttp
    import ssl

    context = ssl.create_default_context(cafile=str(proc.data_dir / "web" / "server.crt"))
    async with aiohttp.ClientSession() as http:
        async with http.get(proc.web + "/api/migrate", headers={"Authorization": f"Bearer {token}"},
                            ssl=context) as r:
            return r.status, await r.json()
