"""The bench HTTP API of ../shared/BENCH_API.md: JSON in, JSON out, loopback only.

Every bad request answers 400 (404 for an unknown connector or path, 405 for
a wrong method, 413 for a body over 1 MiB) with {"error": ...}; bodies are
read as strict JSON (no NaN, bounded nesting); a request that changes
nothing is a bad one. Nothing a client sends can stop the controller.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from firmware import __version__
from firmware.ocpp import frames
from hal.mock.wire import DC_FAULTS, FAULT_KINDS, PP_OHMS_BY_RATING, STATION_FAULTS

log = logging.getLogger(__name__)

EV_STATES = ("A", "B", "C", "D")


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


class Conflict(Exception):
    """What was asked cannot be done in this controller's setup (409)."""


class BenchApi:
    def __init__(self, station, metering, adapter, bench_wire, reader, uplink, security_profile):
        self.station = station
        self.metering = metering
        self.adapter = adapter
        self.wire = bench_wire
        self.reader = reader
        self.uplink = uplink
        self.security_profile = security_profile
        self.app = web.Application(middlewares=[self._errors])
        self.app.add_routes([
            web.get("/status", self.status),
            web.post("/ev", self.ev),
            web.post("/cable", self.cable),
            web.post("/rfid", self.rfid),
            web.post("/fault", self.fault),
            web.post("/temperature", self.temperature),
            web.post("/network", self.network),
            web.post("/iso15118/ev-certificate", self.ev_certificate),
            web.post("/iso15118/certificate-status", self.certificate_status),
        ])
        self._runner: web.AppRunner | None = None

    async def keep_meter_registers(self) -> None:
        """The simulated meters' registers survive a crash to within a second."""
        while True:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(self.wire.persist)

    async def start(self, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True).start()
        log.info("bench API on http://127.0.0.1:%s", port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _errors(self, request, handler):
        try:
            answer = await handler(request)
            if request.method == "POST":
                self.wire.persist()
            return answer
        except BadRequest as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except NotFound as exc:
            return web.json_response({"error": str(exc)}, status=404)
        except Conflict as exc:
            return web.json_response({"error": str(exc)}, status=409)
        except web.HTTPException as exc:  # aiohttp's own: unknown path, wrong method, body too large
            return web.json_response({"error": exc.reason}, status=exc.status)
        except Exception:
            log.exception("bench API: %s %s failed", request.method, request.path)
            return web.json_response({"error": "internal error; see the controller's log"}, status=500)

    # ---- helpers --------------------------------------------------------
    async def _body(self, request) -> dict:
        try:
            body = frames.loads(await request.text())
        except (ValueError, RecursionError):
            raise BadRequest(f"body must be a JSON object nested at most {frames.MAX_DEPTH} deep") from None
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        return body

    def _connector(self, body, required=True) -> int | None:
        cid = body.get("connector")
        if cid is None and not required:
            return None
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise BadRequest("'connector' must be an integer")
        if cid not in self.wire.connectors:
            raise NotFound(f"no connector {cid}")
        return cid

    # ---- endpoints ------------------------------------------------------
    async def status(self, request):
        return web.json_response({
            "firmware_version": __version__,
            "ocpp": {
                "connected": self.adapter.connected,
                "version": self.adapter.version,
                "security_profile": self.security_profile(),
                "set_aside": [{k: m[k] for k in ("action", "local_id", "attempts", "reason", "set_aside_at")}
                              for m in self.adapter.outbox.set_aside()],
            },
            "connectors": [self._connector_status(cid) for cid in sorted(self.station.connectors)],
            "station": {"faults": sorted(self.station.faults), "temperature_c": self._temperature()},
            "display": {"text": self.wire.display_text},
        })

    def _temperature(self) -> float | None:
        temps = [c.safety.temperature_c for c in self.station.connectors.values()]
        return temps[0] if temps else None

    def _connector_status(self, cid: int) -> dict:
        c = self.station.connector(cid)
        reading = self.metering.latest.get(cid)
        session = c.session
        energy = reading.energy_wh if reading else 0.0
        faults = set(c.trips) | self.metering.faults[cid] | self.station.faults
        return {
            "id": cid,
            "evse_id": cid,  # BENCH_API.md: bench connector N is EVSE N, connector 1 of that EVSE
            "connector_id": 1,
            "cp_state": c.cp.value,
            "pwm_duty": c.duty,
            "contactor_closed": c.hal.contactor.feedback_closed(),
            "status": self.adapter.status_name(cid),
            "offered_current_a": c.own_values()["Current.Offered"][0],  # the duty's, or what the link told the EV
            "kind": c.kind,
            "meter": {
                "energy_wh": round(energy, 3),
                "power_w": round(reading.power_w, 1) if reading else 0.0,
                "online": self.metering.online[cid],
            },
            "session": None if session is None else {
                "id_tag": session.id_tag,
                "transaction_id": self.adapter.transaction_id(session),
                "energy_wh": round(energy - session.meter_start_wh, 3) if session.meter_start_wh is not None else 0.0,
                "cost": self.adapter.running_cost(session),
            },
            "faults": sorted(faults),
            "ev": self._ev(cid),
            "limits": {"schedule_a": c.csms_limit_a, "site_share_a": c.site_share_a},
            "limit_sources": [s.as_dict() for s in c.limit_sources],
            "cable_locked": c.hal.lock is not None and c.hal.lock.is_locked(),
            "cable_held_for": c.cable_held_for,
            "reservation": None if c.reserved_for is None else {
                "id": c.reserved_for.id, "id_tag": c.reserved_for.id_tag,
                "expiry": c.reserved_for.expiry.isoformat()},
            **({"dc": self._dc(c)} if c.kind == "dc" else {}),
            **({"hlc": c.hlc_status()} if hasattr(c, "hlc_status") else {}),
        }

    def _dc(self, c) -> dict:
        """A DC connector: its power path and what the EV asks (the controller's view), and the bench's
        DC bus, the EV's battery and modules (the bench's view)."""
        return {**c.dc_status(), "bench": self.wire.dc[c.id].status() if c.id in self.wire.dc else None}

    def _ev(self, cid: int) -> dict:
        """The simulated EV and what it draws now (bench extension, for the meter simulator)."""
        wire = self.wire.connectors[cid]
        return {"state": wire.ev.state, "max_current_a": wire.ev.max_current_a,
                "draw_a": round(wire.draw_a(), 3), "phases": wire.phases}

    async def ev(self, request):
        body = await self._body(request)
        cid = self._connector(body)
        if not {"state", "max_current_a", "diode_ok", "renegotiate"} & body.keys():
            raise BadRequest("nothing to change: give 'state', 'max_current_a', 'diode_ok' or 'renegotiate'")
        state = body.get("state", self.wire.connectors[cid].ev.state)
        if state not in EV_STATES:
            raise BadRequest(f"'state' must be one of {list(EV_STATES)}")
        changes = {"state": state}
        if "max_current_a" in body:
            amps = body["max_current_a"]
            if not isinstance(amps, (int, float)) or isinstance(amps, bool) or not 0 <= amps <= 80:
                raise BadRequest("'max_current_a' must be a number from 0 to 80")
            changes["max_current_a"] = float(amps)
        if "diode_ok" in body:
            if not isinstance(body["diode_ok"], bool):
                raise BadRequest("'diode_ok' must be true or false")
            changes["diode_ok"] = body["diode_ok"]
        if "renegotiate" in body:
            if body["renegotiate"] is not True:
                raise BadRequest("'renegotiate' must be true")
            if cid not in self.wire.dc and cid not in self.wire.hlc:
                raise BadRequest(f"'renegotiate' is for an EV on the digital link (ISO 15118-2); connector {cid} "
                                 "has none")
            changes["renegotiations"] = self.wire.connectors[cid].ev.renegotiations + 1
        self.wire.connectors[cid].set_ev(**changes)
        return web.json_response({"ok": True})

    async def cable(self, request):
        body = await self._body(request)
        cid = self._connector(body)
        if "rating_a" not in body:
            raise BadRequest("'rating_a' is required (13, 20, 32, 63 or null)")
        rating = body["rating_a"]
        if rating is not None and rating not in PP_OHMS_BY_RATING:
            raise BadRequest("'rating_a' must be 13, 20, 32, 63 or null")
        self.wire.connectors[cid].update(cable_rating_a=rating)
        return web.json_response({"ok": True})

    async def rfid(self, request):
        body = await self._body(request)
        tag = body.get("id_tag")
        if not isinstance(tag, str) or not 1 <= len(tag) <= 20:
            raise BadRequest("'id_tag' must be a string of 1 to 20 characters (OCPP IdToken)")
        cid = self._connector(body, required=False)
        self.reader.present(tag, cid)
        return web.json_response({"ok": True})

    async def fault(self, request):
        body = await self._body(request)
        kind = body.get("kind")
        if kind not in FAULT_KINDS:
            raise BadRequest(f"'kind' must be one of {list(FAULT_KINDS)}")
        active = body.get("active")
        if not isinstance(active, bool):
            raise BadRequest("'active' must be true or false")
        cid = self._connector(body, required=kind not in STATION_FAULTS)
        if kind in DC_FAULTS and cid not in self.wire.dc and not (kind == "slac" and cid in self.wire.hlc):
            raise BadRequest(f"'{kind}' is a fault of a DC connector; connector {cid} is not one")
        self.wire.set_fault(cid or 0, kind, active)
        return web.json_response({"ok": True})

    async def temperature(self, request):
        """Bench extension: what the charger's temperature sensor reads (derating, then the trip)."""
        body = await self._body(request)
        celsius = body.get("celsius")
        if not isinstance(celsius, (int, float)) or isinstance(celsius, bool) or not -40 <= celsius <= 150:
            raise BadRequest("'celsius' must be a number from -40 to 150")
        self.wire.set_temperature(float(celsius))
        return web.json_response({"ok": True})

    async def network(self, request):
        body = await self._body(request)
        connected = body.get("connected")
        if not isinstance(connected, bool):
            raise BadRequest("'connected' must be true or false")
        self.uplink.set(connected)
        return web.json_response({"ok": True})

    # ---- the EV's ISO 15118 stack asking through OCPP 2.0.1 (M01, M02, M06) --------
    def _pki(self):
        pki = getattr(self.adapter, "iso15118", None)
        if pki is None:
            raise Conflict("ISO 15118 certificate services go through OCPP 2.0.1; this controller runs 1.6")
        return pki

    async def ev_certificate(self, request):
        """Bench extension: the simulated EV asks for a contract certificate (install or update)."""
        body = await self._body(request)
        pki = self._pki()
        action, schema, exi = body.get("action"), body.get("schema", "urn:iso:15118:2:2013:MsgDef"), body.get("exi")
        if action not in ("Install", "Update"):
            raise BadRequest("'action' must be Install or Update")
        if not isinstance(exi, str) or not 1 <= len(exi) <= 5600 or not isinstance(schema, str) or len(schema) > 50:
            raise BadRequest("'exi' must be the EV's base64 EXI request (at most 5600 characters), 'schema' a "
                             "schema namespace of at most 50")
        status, answer = await pki.ev_certificate(schema, action, exi)
        return web.json_response({"status": status, "exi": answer})

    async def certificate_status(self, request):
        """Bench extension: the OCSP status of one certificate, asked of the CSMS (or the last one kept)."""
        body = await self._body(request)
        pki = self._pki()
        fields = ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number", "responder_url")
        limits = (None, 128, 128, 40, 512)
        if body.get("hash_algorithm") not in ("SHA256", "SHA384", "SHA512") or any(
                not isinstance(body.get(f), str) or not 1 <= len(body[f]) <= n for f, n in zip(fields[1:], limits[1:])):
            raise BadRequest("give hash_algorithm (SHA256, SHA384, SHA512), issuer_name_hash and issuer_key_hash "
                             "(at most 128), serial_number (at most 40) and responder_url (at most 512)")
        status, result = await pki.certificate_status({f: body[f] for f in fields})
        return web.json_response({"status": status, "ocsp_result": result})

