"""Signed firmware updates end to end: download, verify, install a release, restart, health gate, rollback."""

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.exceptions import NotSupportedError
from ocpp.v16 import call
from ocpp.v201 import call as call201

from bundles import bundle, dependency_wheels, sign
from controller import ROOT, ControllerProcess, free_port
from once import made_once
from firmware.bench.csms201 import BenchCsms201
from pki import CA, pem


VERSIONS = ("0.1.0", "0.1.1", "0.1.2")


def make_releases(work) -> None:
    deps = dependency_wheels(work / "deps")
    for v in VERSIONS:
        bundle(work, deps, v, broken=(v == "0.1.2"))


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    work = made_once(tmp_path_factory, "bundles", make_releases)
    return {v: work / f"evse-{v}.tar" for v in VERSIONS}


@pytest.fixture
async def web_server(tmp_path):
    files = tmp_path / "www"
    files.mkdir()
    app = web.Application()
    app.add_routes([web.static("/fw", files)])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield files, f"http://127.0.0.1:{port}/fw"
    await runner.cleanup()


def install(root, bundle_path) -> str:
    done = subprocess.run([sys.executable, "-m", "firmware", "install", "--root", str(root), "--bundle",
                           str(bundle_path), "--no-user"], check=True, capture_output=True, text=True, cwd=ROOT)
    return done.stdout


def statuses(csms, request_id):
    return [p["status"] for p in csms.actions("SignedFirmwareStatusNotification") if p["requestId"] == request_id]


def boots(csms):
    return [b.get("firmwareVersion") or b["chargingStation"]["firmwareVersion"]
            for b in csms.actions("BootNotification")]


class Manufacturer:
    def __init__(self):
        self.ca = CA("Manufacturer Root")
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Firmware Signing")])
        self.cert = self.ca.issue(subject, self.key.public_key())


async def installed_controller(csms, tmp_path, releases, ocpp_version="1.6"):
    root = tmp_path / "root"
    install(root, releases["0.1.0"])
    ctl = ControllerProcess(csms.url, root / "var/lib/evse", command=[str(root / "opt/evse/current/bin/evse")],
                            env={"EVSE_ROOT": str(root)}, ocpp_version=ocpp_version)
    try:
        await ctl.start()
        await csms.wait_for(lambda c: boots(c) == ["0.1.0"], 20)
    except BaseException:
        await ctl.close()  # never leave a controller running behind a failed start
        raise
    return root, ctl


def request(url, maker, signature, request_id):
    return call.SignedUpdateFirmware(request_id=request_id, firmware={
        "location": url, "retrieve_date_time": datetime.now(timezone.utc).isoformat(),
        "signing_certificate": pem(maker.cert), "signature": signature})


def test_an_installed_release_runs_its_demo_and_documents_itself(tmp_path, releases):  # issue 14, part 2
    root = tmp_path / "root"
    said = install(root, releases["0.1.0"])
    assert "web page setup code" in said  # no terminal here: a one-time code instead of a default password
    settings = (root / "etc/evse/evse.toml").read_text()
    assert 'board = "/opt/evse/current/share/evse/board-configs/' in settings
    check = subprocess.run([str(root / "opt/evse/current/bin/evse"), "config", "check", "--config",
                            str(root / "etc/evse/evse.toml")], capture_output=True, text=True, timeout=60)
    assert check.returncode == 2 and "/opt/evse/current/share/evse/board-configs" in check.stderr  # names root paths
    done = subprocess.run([str(root / "opt/evse/current/bin/evse"), "demo", "--charge-seconds", "2"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)  # far from any source tree
    assert done.returncode == 0 and "OK: billed energy matches the meter" in done.stdout, done.stderr[-2000:]
    unit = (root / "opt/evse/current/share/evse/systemd/evse.service").read_text()
    documentation = unit.split("Documentation=file://", 1)[1].split()[0]
    assert (root / documentation.lstrip("/")).exists()  # the unit's Documentation= is installed
    assert (root / "opt/evse/current/share/evse/board-configs/rpi5-2x3ph-16a.toml").exists()


async def test_signed_update_installs_restarts_and_reports(csms, tmp_path, releases, web_server):  # TC_080, TC_081
    files, base = web_server
    maker = Manufacturer()
    root, ctl = await installed_controller(csms, tmp_path, releases)
    try:
        cp = csms.charge_points["CP001"]
        with pytest.raises(NotSupportedError):  # the plain request, once signed updates are supported
            await cp.call(call.UpdateFirmware(location=f"{base}/x", retrieve_date="2026-01-01T00:00:00Z"),
                          suppress=False)
        stranger = Manufacturer()
        assert (await cp.call(request(f"{base}/x", stranger, "AA==", 1))).status == "InvalidCertificate"
        assert (await cp.call(call.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                                      certificate=pem(maker.ca.cert)))).status == "Accepted"
        tampered = files / "tampered.tar"
        tampered.write_bytes(releases["0.1.1"].read_bytes() + b"\0")
        answer = await cp.call(request(f"{base}/tampered.tar", maker, sign(releases["0.1.1"], maker.key), 2))
        assert answer.status == "Accepted"
        await csms.wait_for(lambda c: statuses(c, 2)[-1:] == ["InvalidSignature"], 20)
        assert (root / "opt/evse/current").resolve().name == "0.1.0"  # nothing changed

        good = files / "evse-0.1.1.tar"
        good.write_bytes(releases["0.1.1"].read_bytes())
        assert (await cp.call(request(f"{base}/evse-0.1.1.tar", maker, sign(good, maker.key), 3))).status == "Accepted"
        await csms.wait_for(lambda c: boots(c) == ["0.1.0", "0.1.1"], 90)
        await csms.wait_for(lambda c: statuses(c, 3)[-1:] == ["Installed"], 30)
        assert statuses(csms, 3) == ["Downloading", "Downloaded", "SignatureVerified", "Installing",
                                     "InstallRebooting", "Installed"]
        assert (root / "opt/evse/current").resolve().name == "0.1.1"
        assert (root / "opt/evse/previous").resolve().name == "0.1.0"
        await csms.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification")
                                        if e["type"] == "FirmwareUpdated"], 15)
        events = [e["type"] for e in csms.actions("SecurityEventNotification")]
        assert "InvalidFirmwareSigningCertificate" in events and "InvalidFirmwareSignature" in events
        await ctl.wait_api()
        assert (await ctl.status())["firmware_version"] == "0.1.1"
    finally:
        await ctl.close()


async def test_2_0_1_update_firmware_installs_restarts_and_reports(tmp_path, releases, web_server):
    """TC_L_02, TC_L_03, TC_L_05, TC_L_06, TC_L_07, TC_L_11: the same OTA chain under 2.0.1's UpdateFirmware."""
    files, base = web_server
    maker = Manufacturer()
    csms = BenchCsms201()
    await csms.start()
    root, ctl = await installed_controller(csms, tmp_path, releases, ocpp_version="2.0.1")
    try:
        cp = csms.charge_points["CP001"]
        stranger = Manufacturer()
        assert (await cp.call(request201(f"{base}/x", stranger, "AA==", 1))).status == "InvalidCertificate"
        assert (await cp.call(call201.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                                         certificate=pem(maker.ca.cert)))).status == "Accepted"
        tampered = files / "tampered.tar"
        tampered.write_bytes(releases["0.1.1"].read_bytes() + b"\0")
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        scheduled = await cp.call(request201(f"{base}/tampered.tar", maker, sign(releases["0.1.1"], maker.key), 2,
                                             at=later))
        assert scheduled.status == "Accepted"
        await csms.wait_for(lambda c: statuses201(c, 2) == ["DownloadScheduled"], 20)
        replaced = await cp.call(request201(f"{base}/tampered.tar", maker, sign(releases["0.1.1"], maker.key), 3))
        assert replaced.status == "AcceptedCanceled"  # TC_L_11: the scheduled one gives way
        await csms.wait_for(lambda c: statuses201(c, 3)[-1:] == ["InvalidSignature"], 20)
        assert (root / "opt/evse/current").resolve().name == "0.1.0"

        good = files / "evse-0.1.1.tar"
        good.write_bytes(releases["0.1.1"].read_bytes())
        tonight = await cp.call(request201(f"{base}/evse-0.1.1.tar", maker, sign(good, maker.key), 4,
                                           install_at=later))
        assert tonight.status == "Accepted"  # TC_L_03: downloaded and verified now, installed later
        await csms.wait_for(lambda c: statuses201(c, 4) == ["Downloading", "Downloaded", "SignatureVerified",
                                                            "InstallScheduled"], 30)
        answer = await cp.call(request201(f"{base}/evse-0.1.1.tar", maker, sign(good, maker.key), 5))
        assert answer.status == "AcceptedCanceled"
        await csms.wait_for(lambda c: boots(c) == ["0.1.0", "0.1.1"], 90)
        await csms.wait_for(lambda c: statuses201(c, 5)[-1:] == ["Installed"], 30)
        assert statuses201(csms, 5) == ["Downloading", "Downloaded", "SignatureVerified", "Installing",
                                        "InstallRebooting", "Installed"]
        assert (root / "opt/evse/current").resolve().name == "0.1.1"
        events = await csms.wait_for(lambda c: {e["type"] for e in c.actions("SecurityEventNotification")}
                                     >= {"FirmwareUpdated", "InvalidFirmwareSignature"}, 15)
        assert events
    finally:
        await ctl.close()
        await csms.stop()


def request201(url, maker, signature, request_id, at=None, install_at=None):
    firmware = {"location": url, "retrieveDateTime": (at or datetime.now(timezone.utc)).isoformat(),
                "signingCertificate": pem(maker.cert), "signature": signature}
    if install_at is not None:
        firmware["installDateTime"] = install_at.isoformat()
    return call201.UpdateFirmware(request_id=request_id, firmware=firmware)


def statuses201(csms, request_id):
    return [p["status"] for p in csms.actions("FirmwareStatusNotification") if p.get("requestId") == request_id]


async def test_a_release_that_crashes_is_rolled_back(csms, tmp_path, releases, web_server):
    files, base = web_server
    maker = Manufacturer()
    root, ctl = await installed_controller(csms, tmp_path, releases)
    data = root / "var/lib/evse"
    try:
        cp = csms.charge_points["CP001"]
        await cp.call(call.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                              certificate=pem(maker.ca.cert)))
        broken = files / "evse-0.1.2.tar"
        broken.write_bytes(releases["0.1.2"].read_bytes())
        await cp.call(request(f"{base}/evse-0.1.2.tar", maker, sign(broken, maker.key), 9))
        await csms.wait_for(lambda c: "InstallRebooting" in statuses(c, 9), 60)
        for start in range(6):  # the test plays systemd: ExecStartPre, then ExecStart, Restart=on-failure
            code = await asyncio.wait_for(ctl.proc.wait(), 30) if ctl.proc.returncode is None else ctl.proc.returncode
            assert code != 0
            subprocess.run([str(root / "opt/evse/bin/evse-health"), str(data)], check=True)
            await ctl.start(wait=False)
            await asyncio.sleep(1.5)
            if ctl.proc.returncode is None:
                break
        assert (root / "opt/evse/current").resolve().name == "0.1.0"
        await csms.wait_for(lambda c: statuses(c, 9)[-1:] == ["InstallationFailed"], 30)
        assert boots(csms) == ["0.1.0", "0.1.0"]
        rolled = await csms.wait_for(lambda c: [e for e in c.actions("SecurityEventNotification")
                                                if e["type"] == "FirmwareUpdated"], 15)
        assert "rolled back" in rolled[-1]["techInfo"]
    finally:
        await ctl.close()


async def test_plain_update_waits_for_the_session_to_end(csms, tmp_path, releases, web_server):  # TC_044_1
    files, base = web_server
    root, ctl = await installed_controller(csms, tmp_path, releases)
    try:
        cp = csms.charge_points["CP001"]
        await cp.call(call.ChangeConfiguration(key="UnsignedFirmwareUpdates", value="true"))
        await ctl.post("/ev", {"connector": 1, "state": "C"})
        await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
        await ctl.until(lambda c: c["contactor_closed"])
        (files / "evse-0.1.1.tar").write_bytes(releases["0.1.1"].read_bytes())
        await cp.call(call.UpdateFirmware(location=f"{base}/evse-0.1.1.tar",
                                          retrieve_date=datetime.now(timezone.utc).isoformat()))

        def plain(c):
            return [p["status"] for p in c.actions("FirmwareStatusNotification")]
        await csms.wait_for(lambda c: plain(c)[-1:] == ["Downloaded"], 30)
        await ctl.until(lambda c: c["status"] == "Unavailable", cid=2)  # no new session meanwhile
        await asyncio.sleep(1.0)
        assert (await ctl.connector(1))["contactor_closed"]  # the running session is not cut short
        assert "Installing" not in plain(csms)
        await ctl.post("/rfid", {"connector": 1, "id_tag": "TAG"})
        await csms.wait_for(lambda c: boots(c) == ["0.1.0", "0.1.1"], 90)
        await csms.wait_for(lambda c: plain(c)[-1:] == ["Installed"], 30)
        assert plain(csms) == ["Downloading", "Downloaded", "Installing", "Installed"]
        assert csms.actions("StopTransaction")[0]["reason"] == "Local"
    finally:
        await ctl.close()


async def test_hand_off_to_rauc(csms, tmp_path, releases, web_server):
    files, base = web_server
    root = tmp_path / "root"
    install(root, releases["0.1.0"])
    install(root, releases["0.1.1"])  # stands for the slot RAUC writes
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    calls = tmp_path / "calls"
    for tool in ("rauc", "systemctl"):
        script = fakebin / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n')
        script.chmod(0o755)
    board = tmp_path / "rauc.toml"
    board.write_text((ROOT / "board-configs/bench.toml").read_text() + '\n[ota]\ninstaller = "rauc"\n')
    env = {"EVSE_ROOT": str(root), "PATH": f"{fakebin}:/usr/bin:/bin"}
    old_slot = ControllerProcess(csms.url, root / "var/lib/evse", board=str(board), env=env,
                                 command=[str(root / "opt/evse/releases/0.1.0/bin/evse")])
    new_slot = ControllerProcess(csms.url, root / "var/lib/evse", board=str(board), env=env,
                                 command=[str(root / "opt/evse/releases/0.1.1/bin/evse")])
    maker = Manufacturer()
    try:
        await old_slot.start()
        cp = await csms.wait_connected("CP001")
        await cp.call(call.InstallCertificate(certificate_type="ManufacturerRootCertificate",
                                              certificate=pem(maker.ca.cert)))
        bundle_file = files / "system.raucb"
        bundle_file.write_bytes(b"a RAUC bundle")
        await cp.call(request(f"{base}/system.raucb", maker, sign(bundle_file, maker.key), 4))
        await csms.wait_for(lambda c: "InstallRebooting" in statuses(c, 4), 30)
        await asyncio.sleep(0.5)
        log = calls.read_text()
        assert "rauc install" in log and "system.raucb" in log and "systemctl reboot" in log
        await old_slot.close()  # the machine reboots ... into the new slot
        await new_slot.start()
        await csms.wait_for(lambda c: statuses(c, 4)[-1:] == ["Installed"], 30)
        assert "rauc status mark-good" in calls.read_text()
        assert boots(csms)[-1] == "0.1.1"
    finally:
        await old_slot.close()
        await new_slot.close()
