"""ISO 15118-2 AC charging end to end: `evse run` on board-configs/bench-ac-hlc.toml (a 32 A three-phase
socket with a modem on its pilot), SLAC on the bench's veth link, the bench car speaking ISO 15118-2 AC
to the controller's SECC for real (iso15118's EVCC with the car's controller of hlc/ev_ac.py), an
`ocpp` library CSMS. The pilot shows 5 % and the offer reaches the car over the link: its schedule
from the CSMS's TxProfile (K15), a lower profile mid-charge followed by its draw and renegotiated (K16),
a new schedule the car asks for (K17), a stop by the CSMS told to it (the contactor waits for the car to
leave C). A car whose modem never pairs falls back to basic charging (ISO 15118-3).
A car with a contract charges by Plug & Charge, with no card."""

import asyncio
from datetime import datetime, timezone

import pytest
from ocpp.v201 import call as call201

from controller import ROOT, ControllerProcess
from dc_stations import CARD, side_by_side
from ev_receipts_check import checked, exported_receipts, tampered
from firmware.bench.csms201 import BenchCsms201
from hlc_bench import ensure_hlc_environment
from v2g_pki import make_pki
from web_client import Browser, api_token, web_controller

pytestmark = pytest.mark.alone  # two JVMs on the link: run by itself (scripts/test.sh)

BOARD = str(ROOT / "board-configs" / "bench-ac-hlc.toml")
PER_AMP_W = 230.0 * 3  # the offered schedule is in W: A per phase at the nominal voltage, three phases


def tx_profile(profile_id: int, stack_level: int, tx: str, amps: float) -> dict:
    start = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {"id": profile_id, "stackLevel": stack_level, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute", "transactionId": tx, "chargingSchedule": [{
                "id": profile_id, "startSchedule": start, "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}]}


async def started(tmp_path, csms, name: str, board: str = BOARD, env: dict | None = None,
                  web: bool = False) -> ControllerProcess:
    kind = web_controller if web else ControllerProcess
    station = kind(csms.url, tmp_path / name, board=board, cp_id=name, ocpp_version="2.0.1", env=env)
    await station.start()
    await csms.wait_connected(name, 15)
    await station.until(lambda c: c["status"] == "Available", 15)
    return station


async def schedule_from_the_csms(tmp_path, csms) -> None:
    csms.needs_status = "Accepted"
    station = await started(tmp_path, csms, "ACHLC")
    try:
        cp = csms.charge_points["ACHLC"]
        answer = await cp.call(call201.SetVariables(set_variable_data=[{  # the transaction id for a TxProfile
            "component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}, "attributeValue": "Authorized"}]))
        assert answer.set_variable_result[0]["attribute_status"] == "Accepted"
        await station.post("/ev", {"connector": 1, "state": "C"})  # the driver wants to charge
        c = await station.until(lambda c: c["pwm_duty"] == 5.0, 5)
        assert c["cp_state"] == "B" and not c["contactor_closed"]  # the car waits for the link in B
        await station.post("/rfid", {"connector": 1, "id_tag": CARD})
        (needs,) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingNeeds"), 60)
        await asyncio.sleep(2)  # held at its discovery (EVSEProcessing Ongoing) while the CSMS works it out
        c = await station.connector()
        assert not c["contactor_closed"] and c["cp_state"] == "B" and not csms.actions("NotifyEVChargingSchedule")
        tx = c["session"]["transaction_id"]
        answer = await cp.call(call201.SetChargingProfile(evse_id=1, charging_profile=tx_profile(21, 0, tx, 16.0)))
        assert answer.status == "Accepted"
        (chosen,) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule"), 30)
        c = await station.until(lambda c: c["contactor_closed"] and c["ev"]["draw_a"] > 0, 30)
        assert c["cp_state"] == "C" and c["pwm_duty"] == 5.0 and c["offered_current_a"] == 16.0, c
        assert c["ev"]["draw_a"] == 16.0 and c["hlc"]["ev_stage"] == "charging_status", c
        answer = await cp.call(call201.SetChargingProfile(evse_id=1, charging_profile=tx_profile(22, 1, tx, 10.0)))
        assert answer.status == "Accepted"
        c = await station.until(lambda c: c["ev"]["draw_a"] == 10.0, 10)  # EVSEMaxCurrent in its ChargingStatusRes
        assert c["offered_current_a"] == 10.0 and c["contactor_closed"] and c["pwm_duty"] == 5.0, c
        (_, renegotiated) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule")[1:] and
                                                c.actions("NotifyEVChargingSchedule"), 30)  # K16
        await station.post("/ev", {"connector": 1, "renegotiate": True})  # K17: the car asks for a new schedule
        (_, again) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingNeeds")[1:] and
                                         c.actions("NotifyEVChargingNeeds"), 30)
        answer = await cp.call(call201.SetChargingProfile(evse_id=1, charging_profile=tx_profile(23, 2, tx, 12.0)))
        assert answer.status == "Accepted"
        (*_, third) = await csms.wait_for(lambda c: c.actions("NotifyEVChargingSchedule")[2:] and
                                          c.actions("NotifyEVChargingSchedule"), 30)
        c = await station.until(lambda c: c["ev"]["draw_a"] == 12.0, 10)
        assert c["contactor_closed"] and c["offered_current_a"] == 12.0, c  # charging on through it
        await asyncio.sleep(2)  # energy to bill
        answer = await cp.call(call201.RequestStopTransaction(transaction_id=tx))
        assert answer.status == "Accepted"
        seen = await until_the_contactor_opens(station)
        assert seen[-1] == (False, "B") and (True, "C") in seen  # held while the car was in C, opened as it left
        assert "it is told to stop" in station.log_path.read_text()
        assert (await station.connector())["ev"]["draw_a"] == 0.0
        (ended,) = await csms.wait_for(
            lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Ended"], 15)
        await station.until(lambda c: c["hlc"]["ev_stage"] == "ended", 15)  # PowerDeliveryReq Stop, SessionStopReq
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available" and c["pwm_duty"] == 100.0, 10)
    finally:
        await station.close()
    assert needs["evseId"] == 1 and needs["chargingNeeds"] == {
        "requestedEnergyTransfer": "AC_three_phase", "acChargingParameters": {
            "energyAmount": 20000, "evMinCurrent": 6, "evMaxCurrent": 32, "evMaxVoltage": 400}}
    assert chosen["chargingSchedule"]["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": 16 * PER_AMP_W}
    assert renegotiated["chargingSchedule"]["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": 10 * PER_AMP_W}
    assert third["chargingSchedule"]["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": 12 * PER_AMP_W}
    # the station's renegotiation (K16) asks the CSMS nothing; the car's (K17) states its needs again
    assert len(csms.actions("NotifyEVChargingNeeds")) == 2 and again["chargingNeeds"]["requestedEnergyTransfer"] == \
        "AC_three_phase"
    assert ended["transactionInfo"]["stoppedReason"] == "Remote"
    energy = [sv["value"] for e in csms.actions("TransactionEvent") for mv in e.get("meterValue", [])
              for sv in mv["sampledValue"] if sv.get("measurand") in (None, "Energy.Active.Import.Register")]
    assert energy and energy[-1] - energy[0] > 0  # the car's draw went through the meter into the bill


async def until_the_contactor_opens(station, seconds: float = 15.0) -> list[tuple[bool, str]]:
    """(contactor closed, pilot state) every 50 ms until the contactor is open: whether it waited for the car."""
    seen = []
    deadline = asyncio.get_running_loop().time() + seconds
    while not seen or seen[-1][0]:
        assert asyncio.get_running_loop().time() < deadline, seen[-5:]
        c = await station.connector()
        seen.append((c["contactor_closed"], c["cp_state"]))
        await asyncio.sleep(0.05)
    return seen


def logged_at(station, text: str) -> float:
    """When the controller logged `text` (its log's local time), as a timestamp."""
    line = next(line for line in station.log_path.read_text().splitlines() if text in line)
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


async def fallback_to_basic_charging(tmp_path, csms) -> None:
    """ISO 15118-3: the car's modem stays silent (the bench's `slac` fault), SLAC gives up after the bench's
    20 s, the pilot shows state F for 4 s, then the nominal duty carries the offer and the car charges
    as a basic one."""
    station = await started(tmp_path, csms, "ACBASIC")
    try:
        await station.post("/fault", {"connector": 1, "kind": "slac", "active": True})
        await station.post("/ev", {"connector": 1, "state": "C"})
        await station.post("/rfid", {"connector": 1, "id_tag": CARD})
        await station.until(lambda c: c["pwm_duty"] == 5.0, 5)
        await station.until(lambda c: c["pwm_duty"] == 0.0, 40)  # state F
        c = await station.until(lambda c: c["pwm_duty"] not in (0.0, 5.0, 100.0), 10)
        # T_step_EF, 4 s: from the controller's own word of when F began (a poll of a busy bench may see F late)
        assert datetime.now().timestamp() - logged_at(station, "falling back to basic charging") >= 3.9
        # 32 A as a duty (IEC 61851-1 Table A.8)
        assert c["offered_current_a"] == 32.0 and c["pwm_duty"] == pytest.approx(53.3, abs=0.1), c
        c = await station.until(lambda c: c["contactor_closed"] and c["ev"]["draw_a"] > 0, 10)
        assert c["status"] == "Occupied" and c["ev"]["draw_a"] == pytest.approx(32.0, abs=0.1), c
        await csms.wait_for(lambda c: [e for e in c.actions("TransactionEvent") if e["eventType"] == "Started"], 15)
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available", 10)
    finally:
        await station.close()


async def plug_and_charge(tmp_path, csms) -> None:
    """Plug & Charge on AC (ISO 15118-2 over TLS, OCPP 2.0.1 C07): the car's contract is authorized through
    the CSMS (eMAID and its chain), the transaction is the contract's, the car charges with no card. Asked
    every second, the car signs the meter's reading (MeteringReceipt); the charger keeps each receipt with
    the session, and the owner's export carries them, each verified outside the controller."""
    pki = make_pki(tmp_path)
    board = tmp_path / "bench-ac-hlc-pnc.toml"
    board.write_text((ROOT / "board-configs" / "bench-ac-hlc.toml").read_text().replace(
        "[mock]", "[mock]\nev_pnc = true").replace('cable = "socket"', 'cable = "socket"\nmetering_receipt_s = 1.0'))
    station = await started(tmp_path, csms, "ACPNC", str(board), env={"PKI_PATH": f"{pki}/"}, web=True)
    try:
        await station.post("/ev", {"connector": 1, "state": "C"})  # plugged in, nothing else
        (asked,) = await csms.wait_for(lambda c: c.actions("Authorize"), 60)
        c = await station.until(lambda c: c["contactor_closed"] and c["ev"]["draw_a"] > 0, 30)
        assert c["ev"]["draw_a"] == 32.0 and c["pwm_duty"] == 5.0 and c["session"]["id_tag"] == "UKSWI123456791A", c
        (begun,) = await csms.wait_for(lambda c: [e for e in c.actions("TransactionEvent")
                                                  if e["eventType"] == "Started"], 15)
        await station.until(lambda c: c["meter"]["energy_wh"] > 0, 10)
        await asyncio.sleep(3.5)  # receipts at 1 s intervals
        await station.post("/ev", {"connector": 1, "state": "A"})
        await station.until(lambda c: c["status"] == "Available" and not c["contactor_closed"], 10)
        page, downloaded = await receipts_on_the_page(station, tmp_path / "ACPNC")
    finally:
        await station.close()
    link_log = (station.data_dir / "logs" / "ev-link-1.log").read_text()
    assert "TLS server started" in link_log and "Falling back to TCP" not in link_log
    assert asked["idToken"] == {"idToken": "UKSWI123456791A", "type": "eMAID"} and "BEGIN CERTIFICATE" in asked[
        "certificate"]
    assert begun["idToken"] == {"idToken": "UKSWI123456791A", "type": "eMAID"}
    sessions, checks = exported_receipts(station.data_dir, str(board), tmp_path)
    (session,) = sessions
    receipts = session["ev_receipts"]
    assert len(receipts) >= 2 and len(checks) == len(receipts), (receipts, checks)
    assert all(c["verified"] and c["problem"] is None for c in checks), checks
    readings = [r["meter_wh"] for r in receipts]
    assert [c["meter_wh"] for c in checks] == readings == sorted(readings)
    assert session["meter_start_wh"] <= readings[0] and readings[-1] <= round(session["meter_stop_wh"])
    leaf = (pki / "iso15118_2" / "certs" / "contractLeafCert.pem").read_text().strip()
    assert all(r["certificate"].strip() == leaf for r in receipts)
    assert page == [{k: r[k] for k in ("received_at", "meter_wh", "meter_id")} for r in receipts]
    assert downloaded == receipts  # the installer's download is the export's
    broken = checked(tampered(sessions), tmp_path)[0]  # one bit of the EV's message changed
    assert not broken["verified"]
    assert broken["problem"] == "the signature does not hold for this message and certificate"


async def receipts_on_the_page(station, data_dir) -> tuple[list, list]:
    """The session's receipts as the installer's page lists them, and their download."""
    browser = Browser(station.web)
    auth = {"Authorization": f"Bearer {api_token(data_dir)}"}
    try:
        status, page = await browser.get("/api/transactions", headers=auth)
        assert status == 200
        (row,) = page["transactions"]
        status, downloaded = await browser.get(f"/api/transactions/{row['local_id']}/receipts", headers=auth)
        assert status == 200
        assert (await browser.get("/api/transactions/nonesuch/receipts", headers=auth))[0] == 404
        return row["ev_receipts"], downloaded
    finally:
        await browser.http.close()


@pytest.mark.timeout(400)
async def test_iso_15118_2_ac_sessions_plug_and_charge_and_a_fallback_to_basic_charging(tmp_path):
    ensure_hlc_environment()
    # Two at a time: the fallback's car never talks (no EXI, no JVM work), so it loads the others little;
    # the Plug & Charge car comes in once it is done. AC's ChargingStatusReq waits 2 s, not DC's 0.25 s.
    await side_by_side(tmp_path, (schedule_from_the_csms, BenchCsms201()),
                       (fallback_to_basic_charging, BenchCsms201()), (plug_and_charge, BenchCsms201()), at_once=2)
