"""A charger without a CSMS: cards managed on the page, free charging, and a CSMS added later getting everything."""

import asyncio

from controller import ControllerProcess, free_port
from web_client import Browser, set_password


class Standalone(ControllerProcess):
    """`evse run --standalone`: no CSMS URL, no charge point id."""

    def argv(self) -> list[str]:
        argv = super().argv()
        for flag in ("--csms-url", "--charge-point-id"):
            at = argv.index(flag)
            del argv[at:at + 2]
        return [*argv, "--standalone"]


async def test_standalone_cards_free_charging_and_a_csms_added_later(csms, tmp_path):
    web_port = free_port()
    set_password(tmp_path / "data")
    proc = Standalone("unused", tmp_path / "data", extra=("--web-port", str(web_port)))
    await proc.start()
    browser = Browser(f"https://127.0.0.1:{web_port}")
    try:
        await browser.login()
        status, link = await browser.get("/api/link")
        assert link["standalone"] and not link["connected"]
        assert (await browser.post("/api/cards", {"id_tag": "OWNER"}))[0] == 200
        assert (await browser.post("/api/cards", {"id_tag": "x" * 21}))[0] == 400

        await proc.post("/ev", {"connector": 1, "state": "C"})
        await proc.post("/rfid", {"connector": 1, "id_tag": "STRANGER"})
        await asyncio.sleep(1.0)
        assert not (await proc.connector(1))["contactor_closed"]  # an unknown card does not charge
        await proc.post("/rfid", {"connector": 1, "id_tag": "OWNER"})
        await proc.until(lambda c: c["contactor_closed"])
        await asyncio.sleep(1.0)
        await proc.post("/ev", {"connector": 1, "state": "A"})
        await proc.until(lambda c: c["status"] == "Available")

        assert (await browser.post("/api/cards", {"id_tag": "OWNER", "status": "Blocked"}))[0] == 200
        await proc.post("/ev", {"connector": 1, "state": "C"})
        await proc.post("/rfid", {"connector": 1, "id_tag": "OWNER"})
        await asyncio.sleep(1.0)
        assert not (await proc.connector(1))["contactor_closed"]  # blocked on the page: no more charging
        await proc.post("/ev", {"connector": 1, "state": "A"})

        assert (await browser.post("/api/free-charging", {"on": True}))[0] == 200
        await proc.post("/ev", {"connector": 2, "state": "C"})
        c2 = await proc.until(lambda c: c["contactor_closed"], cid=2, timeout=10)
        assert c2["session"]["id_tag"] == "FREE"
        await asyncio.sleep(1.0)
        await proc.post("/ev", {"connector": 2, "state": "A"})
        await proc.until(lambda c: c["status"] == "Available", cid=2)
        await asyncio.sleep(2.5)  # the meter settles, the session reaches the history
        status, history = await browser.get("/api/transactions")
        assert [t["id_tag"] for t in history["transactions"]] == ["FREE", "OWNER"]

        status, answer = await browser.post("/api/settings", {"csms_url": csms.url})
        assert status == 400 and "charge point id" in answer["error"]
        status, answer = await browser.post("/api/settings", {"csms_url": csms.url, "charge_point_id": "LATER"})
        assert status == 200
        await csms.wait_for(lambda c: len(c.actions("StopTransaction")) == 2, 30)
        assert {s["idTag"] for s in csms.actions("StartTransaction")} == {"OWNER", "FREE"}  # nothing of the standalone time is lost
        await proc.wait_api()
        again = Browser(f"https://127.0.0.1:{web_port}")
        try:
            await again.login()
            assert (await again.get("/api/transactions"))[1]["total"] == 2  # the history stays
            status, answer = await again.post("/api/cards", {"id_tag": "NEW"})
            assert status == 409 and "CSMS" in answer["error"]
        finally:
            await again.close()
    finally:
        await browser.close()
        await proc.close()
        print(proc.log())


def test_without_a_url_and_without_standalone_the_start_is_refused(tmp_path):
    import subprocess
    import sys

    from controller import ROOT

    done = subprocess.run([sys.executable, "-m", "firmware", "run", "--board", str(ROOT / "board-configs/bench.toml"),
                           "--data-dir", str(tmp_path / "d"), "--bench-port", "0"], capture_output=True, text=True,
                          cwd=ROOT, timeout=30)
    assert done.returncode == 2 and "--csms-url is required" in done.stderr
