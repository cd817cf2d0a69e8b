"""The controller's end of the digital link with the EV: a Unix socket the HLC child connects to
(hlc.protocol), and the child itself, supervised: started, restarted with a growing pause when it
dies, stopped with the controller.

What the EV says lands in `request` (an EvRequest the DC power path reads on its tick); what the
power path does goes back with `publish`. Nothing here waits on the EV: a silent or dead child only
stops refreshing `request.heard_at`, and the power path switches the output off on that silence.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import os
import time

from firmware.child_process import die_with_parent, end_child
from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.dc.unix_link import Handoff, read_lines, serve
from hlc import protocol as p

log = logging.getLogger(__name__)

STAGES = {ev_link.NONE, ev_link.CABLE_CHECK, ev_link.PRECHARGE, ev_link.POWER_ON, ev_link.CURRENT_DEMAND,
          ev_link.CHARGING_STATUS, ev_link.RENEGOTIATE, ev_link.POWER_OFF, ev_link.WELDING, ev_link.ENDED}
NUMBERS = ("max_voltage_v", "max_current_a", "min_current_a", "target_voltage_v", "target_current_a", "soc_pct",
           "energy_request_wh")
MAX_PROFILE_ENTRIES = 24  # ISO 15118-2 ChargingProfile: at most 24 ProfileEntry
RESTART_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
# The safety tick comes first: the EV link's process (iso15118 and its JVM, the charger's busiest part
# while charging) runs this much nicer than the controller, so the tick never waits for an EXI codec.
CHILD_NICE = 5
IDLE_S = 30.0  # an EV not heard for this long is in no session: the child may be started again


class HlcBridge:
    def __init__(self, cid: int, socket_path: str, child_argv: list[str] | None = None, *,
                 child_env: dict | None = None, child_output=None, clock=time.monotonic, on_message=lambda: None,
                 pki_path=lambda: None, ev_certificate=None, slac=None, on_receipt=lambda message: None):
        """`on_message`: called (on the event loop) after each message of the EV; the controller wakes
        its control loop with it. `pki_path()`: the SECC's own certificate folder (iso15118's PKI_PATH),
        or None to keep the environment's; read at each start of the child. `ev_certificate(schema, action,
        exi)`: awaitable (status, exi) of the CSMS for the EV's contract certificate request (None: Failed).
        `slac`: the connector's SLAC link (firmware.dc.slac_link), started and stopped with this one.
        `on_receipt(message)`: an EV's signed MeteringReceipt the SECC accepted (firmware.ev_receipts)."""
        self.cid, self.socket_path, self.child_argv = cid, socket_path, child_argv
        self.child_env = child_env or {**os.environ, "JAVA_TOOL_OPTIONS": p.JAVA_OPTIONS}
        self.child_output = child_output  # where the child logs: None = the controller's own output (the journal)
        self.clock = clock
        self.request = EvRequest()
        self.protocol: str | None = None
        self.control_mode: str | None = None  # ISO 15118-20's, once the EV chose
        self.cycles, self.cycle_at = 0, 0.0  # PreCharge and CurrentDemand requests the EV made, the last one's time
        self.child: asyncio.subprocess.Process | None = None
        self.restarts = 0  # in a row, each after a short life: the pause grows with it
        self.starts = 0
        self._writer: asyncio.StreamWriter | None = None
        self._server: asyncio.AbstractServer | None = None
        self._supervisor: asyncio.Task | None = None
        self._last_sent: bytes = b""
        self.on_message = on_message
        self._handoff = Handoff(clock)  # the power path's state, from the control thread
        self._profile_seen: dict | None = None
        self.pki_path = pki_path
        self.ev_certificate = ev_certificate
        self._asking: set[asyncio.Task] = set()  # the EV's certificate requests under way
        self._session_base = 0  # EV sessions counted by the children before the one connected
        self._renew = False  # a new SECC certificate waits for the EV to leave before the child restarts
        self._renewing = False
        self.slac = slac
        self.on_receipt = on_receipt

    @property
    def slac_state(self) -> str | None:
        return None if self.slac is None else self.slac.state

    def pilot(self, state: str, digital: bool) -> None:
        """The pilot's state for SLAC (the EV looks for the charger once it sees 5 %); never blocks."""
        if self.slac is not None:
            self.slac.pilot(state, digital)

    async def start(self) -> None:
        self._handoff.loop = asyncio.get_running_loop()
        if self.slac is not None:
            await self.slac.start()
        self._server = await serve(self.socket_path, self._serve)
        if self.child_argv:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"hlc child {self.cid}")
        else:
            log.info("connector %s: waiting for the SECC's service (evse-secc@%s) to connect on %s", self.cid,
                     self.cid, self.socket_path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            self._writer.close()  # a new child replaces the old one's link
        self._writer = writer
        # A new child counts its EV sessions from 0 again: its numbers go on from the last one seen (the
        # power path tells a new EV by a higher number), nothing the old child said holds (its EV, if any,
        # is gone with it), and the new one is told the charger's state at once.
        self._session_base = self.request.session
        self.request, self._profile_seen, self._handoff.last = EvRequest(session=self._session_base), None, None
        log.info("connector %s: the EV link's process connected", self.cid)
        try:
            await read_lines(reader, self._take, self.cid, "the EV link's process")
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()

    def _take(self, line: bytes) -> None:
        try:
            message = p.decode(line)
        except p.BadLine as exc:
            log.warning("connector %s: a line from the EV link dropped: %s", self.cid, exc)
            return
        if message["type"] == "certificate":
            self._ask_for_the_ev(message)
        if message["type"] == "receipt":
            self.on_receipt(message)
        if message["type"] != "ev":
            return
        stage = message.get("stage")
        # A new one, swapped in whole: a tick never sees half a message. A new EV session forgets the last.
        session = message.get("session")
        if _count(session) and self._session_base + session > self.request.session:
            r = EvRequest(session=self._session_base + session)
            self._profile_seen = None
        else:
            r = dataclasses.replace(self.request)
        if stage in STAGES and stage != r.stage:
            log.info("connector %s: the EV is at %s", self.cid, stage.replace("_", " "))
            r.stage = stage
        for name in NUMBERS:
            value = message.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                setattr(r, name, float(value))
        error = message.get("error")
        r.error = error if isinstance(error, str) and error else None
        contract = message.get("contract")
        if isinstance(contract, dict) and r.contract is None:
            r.contract = self._contract(contract)
        self._take_schedule(message, r)
        if isinstance(message.get("protocol"), str) and message["protocol"]:
            self.protocol = message["protocol"]
        if message.get("control_mode") in ("scheduled", "dynamic", None):
            self.control_mode = message.get("control_mode")
        if message.get("fresh") is not False:  # a heartbeat proves the child alive, not the EV
            r.heard_at = self.clock()
        cycle = message.get("cycle")
        if isinstance(cycle, int) and not isinstance(cycle, bool) and cycle > self.cycles:
            self.cycles, self.cycle_at = cycle, self.clock()  # the EV's request loop, for the benchmarks
        self.request = r
        self.on_message()
        self._renew_when_idle()

    def _take_schedule(self, message: dict, r: EvRequest) -> None:
        """ISO 15118 smart charging: the EV's rounds, what it asked for, the profile it chose."""
        rounds, departure = message.get("schedule_round"), message.get("departure_s")
        if _count(rounds) and rounds > r.schedule_round:
            r.schedule_round = rounds
            r.departure_s = departure if _count(departure) else None
        profile = message.get("ev_profile")
        if isinstance(profile, dict) and profile != self._profile_seen:
            self._profile_seen = profile
            chosen = _profile(profile)
            if chosen is None:
                log.warning("connector %s: the EV's charging profile dropped: not (start s, W) entries", self.cid)
            r.ev_profile = chosen or r.ev_profile

    def _contract(self, raw: dict) -> ev_link.Contract | None:
        """The EV's contract as OCPP can carry it: an eMAID of at most 36 characters (IdToken), a PEM
        chain of at most 5500 (Authorize.certificate); anything else is dropped with a log line."""
        emaid, pem = raw.get("emaid"), raw.get("certificate")
        if not (isinstance(emaid, str) and 1 <= len(emaid) <= 36 and isinstance(pem, str)
                and 0 < len(pem) <= 5500 and "BEGIN CERTIFICATE" in pem):
            log.warning("connector %s: the EV's contract dropped: not an eMAID with a PEM chain OCPP can carry",
                        self.cid)
            return None
        log.info("connector %s: the EV presents contract %s (Plug & Charge)", self.cid, emaid)
        return ev_link.Contract(emaid, pem)

    def _ask_for_the_ev(self, message: dict) -> None:
        """The EV's contract certificate request: to the CSMS, the answer back to the child; the request
        runs on its own, so the EV link goes on meanwhile."""
        ask_id, action, schema, exi = (message.get(k) for k in ("id", "action", "schema", "exi"))
        if not (_count(ask_id) and action in ("Install", "Update") and isinstance(schema, str) and len(schema) <= 50
                and isinstance(exi, str) and 0 < len(exi) <= p.MAX_EXI):
            log.warning("connector %s: the EV's certificate request dropped: not one OCPP can carry", self.cid)
            return
        log.info("connector %s: the EV asks for a contract certificate (%s)", self.cid, action)
        task = asyncio.create_task(self._answer_the_ev(ask_id, action, schema, exi), name="EV certificate")
        self._asking.add(task)
        task.add_done_callback(self._asking.discard)

    async def _answer_the_ev(self, ask_id: int, action: str, schema: str, exi: str) -> None:
        status, answer = "Failed", ""
        if self.ev_certificate is not None:
            try:
                status, answer = await self.ev_certificate(schema, action, exi)
            except Exception as exc:  # noqa: BLE001 (whatever went wrong, the EV hears Failed)
                log.warning("connector %s: the EV's certificate request failed: %s", self.cid, exc)
        if self._writer is not None:
            self._writer.write(p.encode("certificate_answer", id=ask_id, status=status, exi=answer or ""))

    def publish(self, **status) -> None:
        """The power path's state for the EV; sent at once when it changed, else as a heartbeat."""
        if self._writer is None:
            return
        line = p.encode("evse", **status)
        if line != self._last_sent or self._writer.transport.get_write_buffer_size() == 0:
            self._writer.write(line)
            self._last_sent = line

    def tell(self, status: dict) -> None:
        """From the control thread, every tick: handed to the event loop when it changed, and at
        least every heartbeat; never blocks."""
        self._handoff.offer(status, lambda s: self.publish(**s))

    async def _supervise(self) -> None:
        while True:
            began = self.clock()
            pki = self.pki_path()
            env = self.child_env if pki is None else {**self.child_env, p.SECC_PKI_ENV: pki}
            self.child = await asyncio.create_subprocess_exec(*self.child_argv, env=env,
                                                              stdout=self.child_output, stderr=self.child_output,
                                                              preexec_fn=_nicer_child)
            self.starts += 1
            code = await self.child.wait()
            if self._renewing:
                self._renewing = False
                log.info("connector %s: the EV link's process started again with the new SECC certificate", self.cid)
                continue
            pause = RESTART_S[min(self.restarts, len(RESTART_S) - 1)]
            self.restarts = 0 if self.clock() - began > 60 else self.restarts + 1
            log.error("connector %s: the EV link's process ended (exit %s); starting it again in %.0f s",
                      self.cid, code, pause)
            await asyncio.sleep(pause)

    def renew_certificate(self) -> None:
        """A new SECC certificate: the child's TLS server reads it at start, so the child is started again,
        at once when no EV is in a session, else when its session has ended."""
        self._renew = True
        self._renew_when_idle()

    def _renew_when_idle(self) -> None:
        if not self._renew:
            return  # the usual case, on every message of the EV
        heard = self.request.heard_at
        idle = self.request.stage in (ev_link.NONE, ev_link.ENDED) or heard is None or self.clock() - heard > IDLE_S
        if not self.child_argv:  # a service of its own (evse-secc@): it ends with its link, systemd starts it again
            if idle and self._writer is not None:
                self._renew = False
                log.info("connector %s: a new SECC certificate: closing the link so that the SECC's service "
                         "starts again with it", self.cid)
                self._writer.close()
            return
        if not (idle and self.child is not None and self.child.returncode is None):
            return
        self._renew, self._renewing = False, True
        log.info("connector %s: a new SECC certificate: starting the EV link's process again", self.cid)
        self.child.terminate()

    async def stop(self) -> None:
        for task in list(self._asking):
            task.cancel()
        if self._supervisor is not None:
            self._supervisor.cancel()
        await end_child(self.child, 10)
        if self.slac is not None:
            await self.slac.stop()
        if self._server is not None:
            self._server.close()
        if self._writer is not None:
            self._writer.close()


def _nicer_child() -> None:
    """In the child, before it runs: it dies with the controller, at a lower CPU priority."""
    die_with_parent()
    os.nice(CHILD_NICE)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _profile(raw: dict) -> ev_link.EvProfile | None:
    """{"round", "entries": [[start_s, max_w], ...]} with starts rising from 0, at most 24 entries."""
    entries = raw.get("entries")
    if not _count(raw.get("round")) or not isinstance(entries, list) or not 0 < len(entries) <= MAX_PROFILE_ENTRIES:
        return None
    out = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and _count(entry[0])
                and isinstance(entry[1], (int, float)) and not isinstance(entry[1], bool)
                and math.isfinite(entry[1]) and entry[1] >= 0):
            return None
        if out and entry[0] <= out[-1][0]:
            return None
        out.append((entry[0], float(entry[1])))
    return ev_link.EvProfile(raw["round"], tuple(out))
