"""A simulated LEM DCBM 400/600: its HTTP API (hal.meters.lem_dcbm drives the real one) on aiohttp.

The energy register integrates voltage x current (set through `/sim`, or followed from the bench's
DC power path by `evse meter-sim --follow`); a signed transaction notes its begin reading, and its
end makes an OCMF record of both readings signed with the simulator's key (ECDSA P-256, SHA-256).
`/sim` also makes the legal clock refuse the time, signatures fail, or the key change.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ON_GOING = 0b100


class LemSim:
    def __init__(self, key: ec.EllipticCurvePrivateKey | None = None, meter_id: str = "LEM0000001",
                 energy_wh: float = 0.0):
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.meter_id = meter_id
        self.energy_wh = energy_wh
        self.voltage_v = self.current_a = 0.0
        self._at = time.monotonic()
        self.time_synced = False
        self.refuse_clock = self.fail_signature = False
        self.open: dict | None = None  # the running transaction
        self.records: dict[str, str] = {}
        self.page = 0

    def integrate(self) -> None:
        now = time.monotonic()
        self.energy_wh += self.voltage_v * self.current_a * (now - self._at) / 3600.0
        self._at = now

    def set_flow(self, voltage_v: float, current_a: float) -> None:
        self.integrate()
        self.voltage_v, self.current_a = voltage_v, current_a

    def _reading(self, letter: str) -> dict:
        self.integrate()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S,%f")[:-3] + "+0000 " + \
            ("S" if self.time_synced else "U")
        return {"TM": stamp, "TX": letter, "RV": round(self.energy_wh / 1000.0, 3), "RI": "1-b:1.8.0", "RU": "kWh",
                "RT": "DC", "EF": "", "ST": "G"}

    def _sign(self, tx: dict, end: dict) -> str:
        self.page += 1
        payload = {"FV": "1.0", "GI": "", "GS": "", "GV": "", "PG": f"T{self.page}", "MV": "LEM", "MM": "DCBM 400/600",
                   "MS": self.meter_id, "MF": "1.0", "IS": bool(tx["clientId"]), "IL": "NONE", "IF": [],
                   "IT": "ISO14443" if tx["clientId"] else "NONE", "ID": tx["clientId"], "CT": "EVSEID",
                   "CI": tx["evseId"], "RD": [tx["begin"], end]}
        text = json.dumps(payload, separators=(",", ":"))
        signature = self.key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        return f'OCMF|{text}|{{"SA":"ECDSA-secp256r1-SHA256","SD":"{signature.hex().upper()}"}}'

    def public_key(self) -> tuple[str, str]:
        """(raw X||Y hex, DER SubjectPublicKeyInfo hex), the two forms its status shows."""
        point = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        der = self.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return point[1:].hex().upper(), der.hex().upper()

    # ---- the API --------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes([web.get("/v1/livemeasure", self._livemeasure), web.get("/v1/status", self._status),
                        web.put("/v1/settings", self._settings), web.post("/v1/legal", self._begin),
                        web.put("/v1/legal", self._end), web.get("/v1/ocmf", self._ocmf),
                        web.get("/sim", self._sim_get), web.post("/sim", self._sim_set)])
        return app

    async def _livemeasure(self, request):
        self.integrate()
        return web.json_response({"voltage": self.voltage_v, "current": self.current_a,
                                  "power": self.voltage_v * self.current_a, "temperatureH": 30.0,
                                  "temperatureL": 28.0, "energyImportTotal": round(self.energy_wh, 3),
                                  "energyExportTotal": 0.0, "timestamp": datetime.now(timezone.utc).isoformat()})

    async def _status(self, request):
        raw, der = self.public_key()
        bits = {"suLinkStatusIsOk": True, "muFatalErrorOccured": False, "transactionIsOnGoing": self.open is not None,
                "tamperingIsDetected": False, "timeSyncStatusIsOk": self.time_synced,
                "overTemperatureIsDetected": False, "reversedVoltage": False, "suMeasureFailureOccurred": False}
        return web.json_response({"status": {"value": sum(1 << i for i, v in enumerate(bits.values()) if v),
                                             "bits": bits},
                                  "meterId": self.meter_id, "publicKey": raw, "publicKeyOcmf": der,
                                  "numberOfStoredTransactions": len(self.records)})

    async def _settings(self, request):
        body = await request.json()
        if self.open is not None:
            return web.json_response({"meterId": self.meter_id, "result": 0}, status=409)
        if "time" in body and "utc" in body["time"]:
            self.time_synced = not self.refuse_clock
        return web.json_response({"meterId": self.meter_id, "result": 0 if self.refuse_clock else 1})

    async def _begin(self, request):
        body = await request.json()
        if self.open is not None:
            return web.json_response({"error": "a transaction is running"}, status=409)
        if not self.time_synced:
            return web.json_response({"error": "time not synchronized"}, status=403)
        self.open = {**body, "begin": self._reading("B")}
        return web.json_response({**body, "running": True}, status=201)

    async def _end(self, request):
        tx_id = request.query.get("transactionId")
        if self.open is None or self.open["transactionId"] != tx_id:
            return web.json_response({"error": "no such running transaction"}, status=404)
        tx, self.open = self.open, None
        end = self._reading("E")
        status = ON_GOING if self.fail_signature else 0  # a failed signature leaves it marked running
        if not self.fail_signature:
            self.records[tx_id] = self._sign(tx, end)
        return web.json_response({"transactionId": tx_id, "meterId": self.meter_id,
                                  "meterValue": {"transactionStatus": status, "sampleValue": {
                                      "energyUnit": "kWh", "energyImportTotalStart": tx["begin"]["RV"],
                                      "energyImportTotalStop": end["RV"]}}})

    async def _ocmf(self, request):
        record = self.records.get(request.query.get("transactionId", ""))
        if record is None:
            return web.Response(status=404, text="")
        return web.Response(text=record)

    async def _sim_get(self, request):
        return web.json_response({"energy_wh": round(self.energy_wh, 3), "voltage_v": self.voltage_v,
                                  "current_a": self.current_a, "public_key": self.public_key()[1],
                                  "transaction_open": self.open is not None, "records": len(self.records)})

    async def _sim_set(self, request):
        try:
            body = await request.json()
            if "voltage_v" in body or "current_a" in body:
                self.set_flow(float(body.get("voltage_v", self.voltage_v)), float(body.get("current_a", self.current_a)))
            if "energy_wh" in body:
                self.integrate()
                self.energy_wh = float(body["energy_wh"])
        except (ValueError, TypeError):
            return web.json_response({"error": "numbers, please"}, status=400)
        for flag in ("refuse_clock", "fail_signature"):
            if flag in body:
                setattr(self, flag, bool(body[flag]))
        if body.get("new_key"):
            self.key = ec.generate_private_key(ec.SECP256R1())
        return await self._sim_get(request)


async def follow_dc(sim: LemSim, url: str, connector: int, period_s: float = 0.1) -> None:
    """Mirror the DC bench's power path on `connector`: its output voltage and current."""
    import asyncio

    import aiohttp

    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url.rstrip("/") + "/status") as r:
                    status = await r.json()
                dc = next(c for c in status["connectors"] if c["id"] == connector).get("dc") or {}
                sim.set_flow(float(dc.get("present_voltage_v", 0.0)), float(dc.get("present_current_a", 0.0)))
            except (aiohttp.ClientError, KeyError, StopIteration, ValueError, TypeError):
                sim.set_flow(0.0, 0.0)
            await asyncio.sleep(period_s)


async def serve(args, key: ec.EllipticCurvePrivateKey | None) -> int:
    """`evse meter-sim --model lem_dcbm --http host:port`, signing with `key` (None: one of its own)."""
    import asyncio

    if not args.http:
        raise SystemExit("evse meter-sim: lem_dcbm answers over HTTP: --http host:port")
    sim = LemSim(key, energy_wh=args.energy_wh)
    host, _, port = args.http.rpartition(":")
    runner = web.AppRunner(sim.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    print(f"meter-sim: lem_dcbm {sim.meter_id} on http://{host or '127.0.0.1'}:{port}", flush=True)
    if args.follow:
        await follow_dc(sim, args.follow, int(str(args.connector).split(",")[0]))
    else:
        await asyncio.Event().wait()
    return 0
