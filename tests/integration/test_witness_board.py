"""`evse witness --board` on real hardware: refused while the service holds the hardware, saying how to
stop it; otherwise a person at the charger does what the bench simulates. Real hardware is not here, so
the person is played on a bench board: the witness reads the charger through the page's API with a token
of its own (as on the board), asks the person in words, and goes on once the charger shows it was done."""

import asyncio
import io
import sys

import aiohttp
import pytest

from controller import ROOT
from firmware.bench.csms import BenchCsms
from firmware.config import load_board
from firmware.witness.person import AtTheBoard
from firmware.witness.run import Context, run_steps
from firmware.witness.steps import BASIC, PASSED, SKIPPED
from hal.hold import HardwareHold

BENCH = ROOT / "board-configs" / "bench.toml"
STEPS = {s.action: s for s in BASIC}


class BoardOnTheBench(AtTheBoard):
    """A bench board in the real board's place: the person acts through the bench API (the only change)."""

    def reading_port(self):
        return [*super().reading_port()[2:], "--bench-port", str(self.port)]


class PersonOnTheBench:
    """Does what the witness asks, in the words it asks, on the bench; records every request."""

    def __init__(self, present=True):
        self.present, self.asked, self.bench = present, [], None

    async def ask(self, text, done, timeout, who="OPERATOR"):
        self.asked.append(f"{who}: {text}")
        await self._do(text)
        for _ in range(int(timeout / 0.2)):
            if await done():
                return "done"
            await asyncio.sleep(0.2)
        return "timeout"

    async def _do(self, text):
        cid = int(text.split("connector ")[1][0]) if "connector " in text else 1
        card = text.split("card ")[1].split()[0] if "card " in text else None
        todo = {"plug the EV": ("/ev", {"connector": cid, "state": "C"}),
                "unplug the EV": ("/ev", {"connector": cid, "state": "A"}),
                "show card": ("/rfid", {"connector": cid, "id_tag": card}),
                "press the emergency stop": ("/fault", {"kind": "estop", "active": True}),
                "release the emergency stop": ("/fault", {"kind": "estop", "active": False}),
                "unplug the charger's network cable": ("/network", {"connected": False}),
                "plug the charger's network cable back in": ("/network", {"connected": True})}
        path, body = next(v for k, v in todo.items() if text.startswith(k))
        async with aiohttp.ClientSession() as http, http.post(self.bench + path, json=body) as r:
            assert r.status == 200, await r.text()


async def witness_on(person, tmp_path, csms, actions):
    service = tmp_path / "service-data"
    service.mkdir()
    (service / "calibration.json").write_text('{"bench": {}}')  # the unit's own, as `evse calibrate` left it
    ut = BoardOnTheBench(operator=person, board=str(BENCH), data_dir=tmp_path / "data", csms_url=csms.url,
                         cp_id="BOARD1", ocpp_version="1.6", security=[], service_data_dir=service)
    person.bench = f"http://127.0.0.1:{ut.port}"
    ctx = Context(ut=ut, version="1.6", board=load_board(BENCH), report_dir=tmp_path, operator=person,
                  cards=["GOOD-1"])
    await ut.start()
    try:
        return await run_steps(ctx, [STEPS[a] for a in actions], io.StringIO())
    finally:
        await ut.stop()


@pytest.mark.timeout(300)  # its steps' own limits: "link lost while idle" alone allows 15 s + 90 s to reconnect
async def test_a_person_at_the_charger_does_what_the_bench_simulates(tmp_path):
    csms = BenchCsms()
    await csms.start()
    try:
        steps = await witness_on(PersonOnTheBench(), tmp_path, csms,
                                 ["register at the CSMS", "an accepted card", "emergency stop", "over-temperature",
                                  "link lost while idle"])
    finally:
        await csms.stop()
    results = {s["action"]: (s["result"], s["detail"]) for s in steps}
    assert results["an accepted card"][0] == PASSED, results
    assert results["emergency stop"][0] == PASSED, results
    assert results["link lost while idle"][0] == PASSED, results
    assert results["over-temperature"] == (SKIPPED, "an over-temperature cannot be made safely on a live charger; "
                                                    "the bench run covers it")
    assert [s for s in csms.actions("StopTransaction")], "the person's session reached the CSMS"
    assert (tmp_path / "data" / "calibration.json").read_text() == '{"bench": {}}', "this unit's calibration"


async def test_with_nobody_at_the_charger_its_steps_are_skipped_not_failed(tmp_path):
    csms = BenchCsms()
    await csms.start()
    person = PersonOnTheBench(present=False)
    try:
        steps = await witness_on(person, tmp_path, csms, ["register at the CSMS", "an accepted card"])
    finally:
        await csms.stop()
    assert [s["result"] for s in steps] == [PASSED, SKIPPED]
    assert steps[1]["detail"] == "nobody at the charger to plug the EV into connector 1"
    assert person.asked == []


async def test_the_witness_refuses_to_start_while_the_service_holds_the_hardware(tmp_path):
    hold = HardwareHold.take()  # the service, as far as the witness can tell
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "witness", "--board", str(ROOT / "board-configs/rpi4-1x1ph-32a.toml"),
            "--csms-url", "ws://127.0.0.1:9/ocpp", "--charge-point-id", "BOARD1", "--report", str(tmp_path / "r"),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(child.communicate(), 60)
    finally:
        hold.release()
    assert child.returncode == 3
    assert "in use by process" in err.decode() and "sudo systemctl stop evse" in err.decode()
    assert "sudo systemctl start evse" in err.decode()
    assert not (tmp_path / "r").exists(), "nothing was started"
