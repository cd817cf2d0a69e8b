"""The controller's end of the EV link (firmware/dc/hlc_bridge.py) with a scripted child on the Unix
socket: what the EV says lands in the power path's request, anything malformed is dropped without
dropping the link, the charger's state goes back, and a child that dies is started again."""

import asyncio
import os
import json
import math
import sys

from firmware.dc.hlc_bridge import CHILD_NICE, HlcBridge
from hlc import protocol as p


async def connected(tmp_path, **kw):
    bridge = HlcBridge(1, str(tmp_path / "hlc.sock"), clock=lambda: 42.0, **kw)
    await bridge.start()
    reader, writer = await asyncio.open_unix_connection(bridge.socket_path)
    return bridge, reader, writer


async def settle(predicate, seconds=2.0):
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return False


async def test_what_the_ev_says_reaches_the_request_and_nonsense_does_not(tmp_path, caplog):
    bridge, reader, writer = await connected(tmp_path)
    try:
        writer.write(p.encode("ev", protocol="DIN_SPEC_70121", stage="precharge", target_voltage_v=380.0,
                              target_current_a=2.0, max_voltage_v=420.0, soc_pct=31))
        await writer.drain()
        assert await settle(lambda: bridge.request.stage == "precharge")
        r = bridge.request
        assert (r.target_voltage_v, r.target_current_a, r.max_voltage_v, r.soc_pct, r.heard_at) == \
            (380.0, 2.0, 420.0, 31.0, 42.0) and bridge.protocol == "DIN_SPEC_70121"
        writer.write(b"not json\n[1, 2]\n" + json.dumps({"type": "ev", "stage": "teleport",
                                                          "target_current_a": "lots"}).encode() + b"\n")
        writer.write(b'{"type": "ev", "stage": "current_demand", "target_current_a": NaN, "max_current_a": true}\n')
        await writer.drain()
        assert await settle(lambda: bridge.request.stage == "current_demand")
        assert r.target_current_a == 2.0 and r.max_current_a is None, "non-numbers and NaN are ignored"
        assert "not JSON" in caplog.text and "not a message of a known type" in caplog.text
        assert not math.isnan(r.target_current_a)
        assert bridge.control_mode is None  # DIN: no control mode
        writer.write(p.encode("ev", protocol="ISO_15118_20_DC", stage="current_demand", control_mode="dynamic"))
        writer.write(p.encode("ev", protocol="ISO_15118_20_DC", stage="current_demand", control_mode="by hand"))
        await writer.drain()
        assert await settle(lambda: bridge.protocol == "ISO_15118_20_DC")
        await asyncio.sleep(0.05)
        assert bridge.control_mode == "dynamic", "an unknown control mode is ignored"
    finally:
        writer.close()
        await bridge.stop()


async def test_the_chargers_state_goes_back_to_the_child(tmp_path):
    bridge, reader, writer = await connected(tmp_path)
    try:
        assert await settle(lambda: bridge._writer is not None)
        bridge.publish(state="cable_ok", present_voltage_v=12.0, present_current_a=0.0, isolation="valid",
                       authorized=True, max_voltage_v=1000.0, max_current_a=200.0, max_power_w=60000.0, fault=None)
        line = await asyncio.wait_for(reader.readline(), 2)
        assert p.decode(line) == {"type": "evse", "state": "cable_ok", "present_voltage_v": 12.0,
                                  "present_current_a": 0.0, "isolation": "valid", "authorized": True,
                                  "max_voltage_v": 1000.0, "max_current_a": 200.0, "max_power_w": 60000.0,
                                  "fault": None}
    finally:
        writer.close()
        await bridge.stop()


async def test_a_child_that_dies_is_started_again(tmp_path):
    bridge = HlcBridge(1, str(tmp_path / "hlc.sock"), [sys.executable, "-c", "import sys; sys.exit(3)"])
    await bridge.start()
    try:
        assert await settle(lambda: bridge.starts >= 2, 3.0), "started again after the first pause (1 s)"
        assert bridge.restarts >= 1
    finally:
        await bridge.stop()


async def test_a_heartbeat_keeps_the_link_but_does_not_vouch_for_the_ev(tmp_path):
    times = iter(range(100, 200))
    bridge = HlcBridge(1, str(tmp_path / "hlc.sock"), clock=lambda: float(next(times)))
    await bridge.start()
    reader, writer = await asyncio.open_unix_connection(bridge.socket_path)
    try:
        writer.write(p.encode("ev", stage="current_demand", target_current_a=80.0, fresh=True))
        await writer.drain()
        assert await settle(lambda: bridge.request.heard_at is not None)
        heard = bridge.request.heard_at
        writer.write(p.encode("ev", stage="current_demand", target_current_a=80.0, fresh=False) * 3)
        await writer.drain()
        await asyncio.sleep(0.1)
        assert bridge.request.heard_at == heard, "the EV may be gone while the SECC child still beats"
    finally:
        writer.close()
        await bridge.stop()


async def test_the_evs_schedule_round_and_chosen_profile_and_what_is_not_a_profile(tmp_path, caplog):
    bridge, reader, writer = await connected(tmp_path)
    try:
        profile = {"round": 1, "entries": [[0, 20000], [3600, 11000.0], [86400, 0]]}
        writer.write(p.encode("ev", stage="none", session=1, schedule_round=1, departure_s=7200,
                              energy_request_wh=30000.0, ev_profile=profile))
        await writer.drain()
        assert await settle(lambda: bridge.request.ev_profile is not None)
        r = bridge.request
        assert (r.schedule_round, r.departure_s, r.energy_request_wh) == (1, 7200, 30000.0)
        assert r.ev_profile.entries == ((0, 20000.0), (3600, 11000.0), (86400, 0.0))
        for bad in ({"round": 1, "entries": [[3600, 1.0], [0, 2.0]]}, {"round": 1, "entries": [[0, -5]]},
                    {"round": 1, "entries": [[i, 1.0] for i in range(25)]}, {"round": "1", "entries": [[0, 1]]}):
            writer.write(p.encode("ev", stage="cable_check", session=1, schedule_round=1, ev_profile=bad))
        await writer.drain()
        assert await settle(lambda: caplog.text.count("charging profile dropped") == 4)
        assert bridge.request.ev_profile == r.ev_profile  # the EV's real choice stands
        writer.write(p.encode("ev", stage="none", session=2, schedule_round=1, ev_profile=profile))
        await writer.drain()
        assert await settle(lambda: bridge.request.session == 2)
        assert bridge.request.ev_profile == r.ev_profile and bridge.request.schedule_round == 1  # a new EV's own
    finally:
        writer.close()
        await bridge.stop()


CHILD = """
import os, socket, sys, time
open(sys.argv[1], "a").write((os.environ.get("EVSE_SECC_PKI") or "-") + f" {os.nice(0)}\\n")
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[2])
time.sleep(60)
"""


async def test_a_new_secc_certificate_restarts_the_child_only_once_no_ev_is_in_a_session(tmp_path):
    """The SECC's TLS server reads its certificate at start: a new one needs a new child, but never under
    a charging EV; the child gets the certificate's folder (the SECC takes it as its PKI_PATH)."""
    starts, sock = tmp_path / "starts", str(tmp_path / "hlc.sock")
    folder = {"path": None}
    now = [100.0]
    bridge = HlcBridge(1, sock, [sys.executable, "-c", CHILD, str(starts), sock], clock=lambda: now[0],
                       child_env=dict(os.environ), pki_path=lambda: folder["path"])
    await bridge.start()
    try:
        assert await settle(lambda: bridge._writer is not None, 10.0)
        writer = bridge._writer
        bridge._take(p.encode("ev", session=1, stage="current_demand", target_current_a=80.0))
        folder["path"] = "/data/certs/secc/pki/"
        bridge.renew_certificate()
        await asyncio.sleep(0.3)
        assert bridge.starts == 1 and bridge.child.returncode is None  # the EV charges: not now
        bridge._take(p.encode("ev", session=1, stage="ended"))
        assert await settle(lambda: bridge.starts == 2, 5.0), "started again once the EV's session ended"
        assert await settle(lambda: starts.exists() and len(starts.read_text().splitlines()) == 2, 5.0)
        nice = os.nice(0) + CHILD_NICE  # the safety tick comes first: the child runs nicer
        assert starts.read_text().splitlines() == [f"- {nice}", f"/data/certs/secc/pki/ {nice}"]
        assert bridge.restarts == 0  # a deliberate restart, no failure pause
        writer.close()
    finally:
        await bridge.stop()


async def test_a_new_secc_certificate_closes_a_service_secc_link_once_no_ev_is_in_a_session(tmp_path):
    """On a board the SECC is a service of its own (evse-secc@N, not the controller's child): for a new
    certificate the link is closed once the EV's session ended; the service ends with it, and systemd
    starts it again with the new folder (evse secc reads it at each start)."""
    bridge, reader, writer = await connected(tmp_path)  # no child command: a service connects
    try:
        assert await settle(lambda: bridge._writer is not None)
        bridge._take(p.encode("ev", session=1, stage="current_demand", target_current_a=80.0))
        bridge.renew_certificate()
        await asyncio.sleep(0.2)
        assert bridge._writer is not None and not reader.at_eof()  # the EV charges: not now
        bridge._take(p.encode("ev", session=1, stage="ended"))
        assert await asyncio.wait_for(reader.read(), 2) is not None and reader.at_eof()  # closed from our end
        reader, writer = await asyncio.open_unix_connection(bridge.socket_path)  # the service, started again
        assert await settle(lambda: bridge._writer is not None)
        bridge._take(p.encode("ev", session=1, stage="ended"))
        await asyncio.sleep(0.2)
        assert bridge._writer is not None and not reader.at_eof()  # once per new certificate
    finally:
        writer.close()
        await bridge.stop()


async def test_a_new_child_counts_on_from_the_last_ev_session(tmp_path):
    """A child started again numbers its EV sessions from 0: the bridge carries the count on, so the
    power path still sees the next car as new and nothing of the last car (its contract) is kept."""
    bridge, reader, writer = await connected(tmp_path)
    try:
        writer.write(p.encode("ev", session=1, stage="ended", contract={"emaid": "UKSWI123456791A",
                                                                         "certificate": "x"}))
        await writer.drain()
        assert await settle(lambda: bridge.request.stage == "ended")
        writer.close()
        reader, writer = await asyncio.open_unix_connection(bridge.socket_path)  # the new child
        assert await settle(lambda: bridge.request.stage == "none" and bridge.request.session == 1)
        writer.write(p.encode("ev", session=0, stage="none") + p.encode("ev", session=1, stage="cable_check"))
        await writer.drain()
        assert await settle(lambda: bridge.request.stage == "cable_check")
        assert bridge.request.session == 2 and bridge.request.contract is None
    finally:
        writer.close()
        await bridge.stop()


async def test_the_evs_certificate_request_goes_out_and_its_answer_comes_back(tmp_path, caplog):
    """ISO 15118-2 CertificateInstallationReq: passed on unread, answered by id; one OCPP could not
    carry is dropped; the link meanwhile goes on."""
    asked = []

    async def csms(schema, action, exi):
        asked.append((schema, action, exi))
        await asyncio.sleep(0.05)
        return ("Accepted", "UkVTUE9OU0U=") if exi != "bm9uZQ==" else ("Failed", "")

    bridge, reader, writer = await connected(tmp_path, ev_certificate=csms)
    try:
        ask = dict(action="Install", schema="urn:iso:15118:2:2013:MsgDef")
        writer.write(p.encode("certificate", id=7, exi="UkVRVUVTVA==", **ask)
                     + p.encode("certificate", id=8, exi="x" * (p.MAX_EXI + 1), **ask)
                     + p.encode("ev", session=1, stage="cable_check")
                     + p.encode("certificate", id=9, exi="bm9uZQ==", **ask))
        await writer.drain()
        assert await settle(lambda: bridge.request.stage == "cable_check")  # not held up by the requests
        answers = [p.decode(await asyncio.wait_for(reader.readline(), 2)) for _ in range(2)]
        answers = {a["id"]: a for a in answers if a["type"] == "certificate_answer"}
        assert answers[7] == {"type": "certificate_answer", "id": 7, "status": "Accepted", "exi": "UkVTUE9OU0U="}
        assert answers[9]["status"] == "Failed" and 8 not in answers
        assert asked[0] == ("urn:iso:15118:2:2013:MsgDef", "Install", "UkVRVUVTVA==") and len(asked) == 2
        assert "certificate request dropped" in caplog.text
    finally:
        writer.close()
        await bridge.stop()
