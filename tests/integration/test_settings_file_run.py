"""An installed charger's way of running: `evse run --config evse.toml`, `evse config check | apply`."""

import subprocess
import sys

from controller import ROOT, ControllerProcess, free_port
from web_client import Browser, set_password


def config_file(tmp_path, csms_url: str, cp_id: str, web_port: int) -> str:
    path = tmp_path / "evse.toml"
    path.write_text(f"""
board = "{ROOT}/board-configs/bench.toml"
data_dir = "{tmp_path / 'data'}"
[csms]
url = "{csms_url}"
charge_point_id = "{cp_id}"
[web]
port = {web_port}
bind = "127.0.0.1"
""")
    return str(path)


def evse(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "firmware", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


class FromFile(ControllerProcess):
    """`evse run --config FILE`, with only the bench port given as a flag."""

    def __init__(self, config: str, data_dir):
        super().__init__("unused", data_dir)
        self.config = config

    def argv(self) -> list[str]:
        return [*self.command, "run", "--config", self.config, "--bench-port", str(self.port)]


async def test_the_file_seeds_the_first_start_and_apply_imposes_it_again(csms, tmp_path):
    web_port = free_port()
    config = config_file(tmp_path, csms.url, "FROM-FILE", web_port)
    assert evse("config", "check", "--config", config).returncode == 0
    set_password(tmp_path / "data")
    proc = FromFile(config, tmp_path / "data")
    await proc.start()
    try:
        await csms.wait_for(lambda c: "FROM-FILE" in c.charge_points, 15)
        browser = Browser(f"https://127.0.0.1:{web_port}")  # the page is on: the file says so
        try:
            assert await browser.login() == 303
            status, answer = await browser.post("/api/settings", {"charge_point_id": "FROM-PAGE"})
            assert status == 200
        finally:
            await browser.close()
        await csms.wait_for(lambda c: "FROM-PAGE" in c.charge_points, 30)
        await proc.wait_api()
        await proc.stop()
        connections = csms.connections.get("FROM-PAGE", 0)
        await proc.start()  # a manual restart: the page's change stays, the file does not undo it
        await csms.wait_for(lambda c: c.connections.get("FROM-PAGE", 0) > connections, 15)
        await proc.stop()
        applied = evse("config", "apply", "--config", config)
        assert applied.returncode == 0 and "charge_point_id" in applied.stdout
        connections = csms.connections.get("FROM-FILE", 0)
        await proc.start()
        await csms.wait_for(lambda c: c.connections.get("FROM-FILE", 0) > connections, 15)
    finally:
        await proc.close()
        print(proc.log())


def test_check_names_what_is_wrong(tmp_path):
    path = tmp_path / "evse.toml"
    path.write_text(f'board = "{ROOT}/board-configs/bench.toml"\n[csms]\nurl = "http://x"\ncharge_point_id = "A"\n')
    done = evse("config", "check", "--config", str(path))
    assert done.returncode == 2 and "url" in done.stderr and "ws://" in done.stderr
    path.write_text(f'board = "{ROOT}/board-configs/bench.toml"\n[csms]\nurll = "ws://x/o"\n')
    done = evse("config", "check", "--config", str(path))
    assert done.returncode == 2 and "unknown key csms.urll" in done.stderr and str(path) in done.stderr
    path.write_text('board = "/nowhere/board.toml"\n')
    done = evse("config", "check", "--config", str(path))
    assert done.returncode == 2 and "/nowhere/board.toml: no such board config" in done.stderr
    done = evse("run", "--config", str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and "no such settings file" in done.stderr and "Traceback" not in done.stderr
