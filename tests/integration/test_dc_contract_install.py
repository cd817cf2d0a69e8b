"""An EV without a contract gets one through the charger (ISO 15118-2 CertificateInstallation, OCPP
2.0.1 M01): its request goes from the SECC child through the controller to the CSMS unread, the
CSMS's mobility operator (the test PKI's CPS, in .venv-hlc) answers, the EV checks the answer's
signature, decrypts its new key and goes on to Plug & Charge. A CSMS that has nothing for it makes
the EV stop before any authorization."""

import asyncio
import os

import pytest
from cryptography import x509

from controller import ROOT
from dc_stations import plugged_and_refused, pnc_station
from ev_receipts_check import exported_receipts
from firmware.bench.csms201 import BenchCsms201
from hlc_bench import HLC_PYTHON, ensure_hlc_environment
from v2g_pki import make_pki

pytestmark = pytest.mark.alone  # timing under load: run by itself (scripts/test.sh)

ISO_2 = "urn:iso:15118:2:2013:MsgDef"


class Cps:
    """tests/hlc_cps.py kept running: each answer in well under the EV's 5 s."""

    def __init__(self, proc):
        self.proc = proc
        self.errors: list[str] = []
        self.lock = asyncio.Lock()

    @classmethod
    async def start(cls, pki) -> "Cps":
        proc = await asyncio.create_subprocess_exec(
            str(HLC_PYTHON), str(ROOT / "tests" / "hlc_cps.py"), cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, "PKI_PATH": f"{pki}/", "PYTHONPATH": str(ROOT)})
        cps = cls(proc)
        assert await asyncio.wait_for(cps.said(), 60) == "ready"
        return cps

    async def said(self) -> str:
        """Its next line of its own (iso15118 logs on the same output)."""
        while True:
            line = (await self.proc.stdout.readline()).decode().strip()
            if not line or line.split(" ")[0] in ("ready", "answer", "error"):
                return line

    async def answer(self, action: str, exi: str) -> tuple[str, str]:
        async with self.lock:
            self.proc.stdin.write(exi.encode() + b"\n")
            await self.proc.stdin.drain()
            line = await asyncio.wait_for(self.said(), 10)
        if not line.startswith("answer "):
            self.errors.append(line)
            return "Failed", ""
        return "Accepted", line.removeprefix("answer ")

    async def stop(self) -> None:
        self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 10)


async def operator_and_csms(pki) -> tuple[Cps, BenchCsms201]:
    """The test PKI's mobility operator (its CPS) behind a 2.0.1 bench CSMS, both started."""
    cps = await Cps.start(pki)
    csms = BenchCsms201()
    csms.contract_service = cps.answer
    await csms.start()
    return cps, csms


async def close_all(station, csms, cps) -> None:
    await station.close()
    await csms.stop()
    await cps.stop()


async def one_charge(station, csms) -> tuple[list, list]:
    """The car plugged in with no card: its certificate request reaches the CSMS, it goes on to authorize
    with the contract it then holds, charges to its end and leaves. (The requests, the Authorizes.)"""
    await station.post("/ev", {"connector": 1, "state": "B"})
    asked = await csms.wait_for(lambda c: c.actions("Get15118EVCertificate"), 60)
    authorize = await csms.wait_for(lambda c: c.actions("Authorize"), 30)  # the EV went on with it
    await station.until(lambda c: c["dc"]["ev_stage"] == "ended" and not c["dc"]["fault"], 60)
    await station.post("/ev", {"connector": 1, "state": "A"})
    await station.until(lambda c: c["status"] == "Available" and not c["session"], 10)
    return asked, authorize


@pytest.mark.timeout(300)
async def test_an_ev_without_a_contract_gets_one_through_the_csms(tmp_path):
    ensure_hlc_environment()
    pki = make_pki(tmp_path)
    cps, csms = await operator_and_csms(pki)
    station = await pnc_station(tmp_path, csms, "DCINST", pki, "ev_pnc_install = true")
    try:
        asked, authorize = await one_charge(station, csms)

        csms.pki_status = "Failed"  # the mobility operator has nothing for the next one
        await plugged_and_refused(station, csms, lambda c: len(c.actions("Get15118EVCertificate")) == 2)
    finally:
        await close_all(station, csms, cps)
    assert not cps.errors, cps.errors
    assert asked[0]["action"] == "Install" and asked[0]["iso15118SchemaVersion"] == ISO_2
    assert authorize[0]["idToken"] == {"idToken": "UKSWI123456791A", "type": "eMAID"}
    assert len(csms.actions("Authorize")) == 1  # the second EV, without a contract, never got that far
    link_log = (station.data_dir / "logs" / "ev-link-1.log").read_text()
    assert link_log.count("contract certificate for the EV (Install): the CSMS answered Accepted") == 1
    assert "the CSMS answered Failed" in link_log
    assert "Signature verification of CertificateInstallationRes failed" not in link_log


@pytest.mark.timeout(300)
async def test_an_ev_has_its_contract_renewed_through_the_csms(tmp_path):
    """ISO 15118-2 CertificateUpdate (OCPP 2.0.1 M02): the car signs its request with the contract it holds,
    the SECC checks that signature and passes the request to the CSMS unread (action Update), the CPS
    issues the next contract (same eMAID, new key) encrypted for the old one; the car takes it and
    presents it: the Authorize carries the new certificate, and its receipts of the meter are signed
    with the new key."""
    ensure_hlc_environment()
    pki = make_pki(tmp_path)
    leaf_file = pki / "iso15118_2" / "certs" / "contractLeafCert.pem"
    old_leaf = x509.load_pem_x509_certificate(leaf_file.read_bytes())
    cps, csms = await operator_and_csms(pki)
    station = await pnc_station(tmp_path, csms, "DCUPD", pki, "ev_pnc_update = true")
    try:
        asked, authorize = await one_charge(station, csms)
    finally:
        await close_all(station, csms, cps)
    assert not cps.errors, cps.errors
    assert asked[0]["action"] == "Update" and asked[0]["iso15118SchemaVersion"] == ISO_2
    new_leaf = x509.load_pem_x509_certificate(leaf_file.read_bytes())  # where the car keeps its contract
    assert new_leaf.serial_number != old_leaf.serial_number and new_leaf.subject == old_leaf.subject
    assert new_leaf.public_key().public_numbers() != old_leaf.public_key().public_numbers()
    presented = x509.load_pem_x509_certificates(authorize[0]["certificate"].encode())[0]
    assert presented == new_leaf and authorize[0]["idToken"] == {"idToken": "UKSWI123456791A", "type": "eMAID"}
    sessions, checks = exported_receipts(station.data_dir, str(tmp_path / "bench-dc-DCUPD.toml"), tmp_path)
    (session,) = sessions
    assert session["ev_receipts"] and checks and all(c["verified"] for c in checks), checks
    assert all(x509.load_pem_x509_certificate(r["certificate"].encode()) == new_leaf for r in session["ev_receipts"])
    link_log = (station.data_dir / "logs" / "ev-link-1.log").read_text()
    assert link_log.count("contract certificate for the EV (Update): the CSMS answered Accepted") == 1
    assert "DC output off" not in station.log_path.read_text()  # a clean end: no fault on the way
