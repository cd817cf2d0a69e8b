"""A small OCPP 1.6J central system built on the `ocpp` library, for the bench.

Used by `evse demo` and by the tests: it accepts every charge point, answers
every request with schema-validated payloads, numbers transactions, records
every CALL it receives (action and JSON payload, in order) and can send any
request to a connected charge point.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import time
from datetime import datetime, timezone
from http import HTTPStatus

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class RecordingSide:
    """What the bench CSMS does with every frame of a station, in both versions: record it,
    answer a retransmission as before, misbehave when a test asks for it."""

    def __init__(self, cp_id, ws, csms):
        super().__init__(cp_id, ws, response_timeout=15)
        self.csms = csms

    async def start(self):
        async for raw in self._connection:
            try:
                frame = json.loads(raw)
            except ValueError:
                frame = None
            if isinstance(frame, list) and frame and frame[0] == 2 and frame[1] in self.csms.answers:
                # The same message id again: a retransmission. Answer as before, count it, once.
                self.csms.retransmissions.append((frame[2], frame[1]))
                await self._connection.send(self.csms.answers[frame[1]])
                continue
            self.csms.record(frame)
            if isinstance(frame, list) and frame and frame[0] == 2 and await self._misbehave(frame):
                continue
            await self.route_message(raw)

    async def _misbehave(self, frame) -> bool:
        """Answer as a broken CSMS would, when a test asked for it: a CALLERROR or a payload against the schema."""
        action, unique_id = frame[2], frame[1]
        if action in self.csms.refuse:  # not remembered as an answer: a retry is a new attempt
            await self._connection.send(json.dumps([4, unique_id, self.csms.refuse[action], "refused by the test", {}]))
            return True
        if action in self.csms.bad_results:
            await self._connection.send(json.dumps([3, unique_id, {"transactionId": "not a number"}]))
            return True
        return False

    async def _send(self, message):
        """An answer counts as given once it is on the wire: one cut off by a closing connection
        was never received, and the station rightly sends its request again."""
        await super()._send(message)
        frame = json.loads(message)
        if frame[0] in (3, 4):
            self.csms.answers[frame[1]] = message



class CsmsSide(RecordingSide, ChargePoint):
    """The CSMS's view of one charge point."""

    @on(Action.boot_notification)
    def on_boot(self, **_):
        status, interval = self.csms.boot_answer
        return call_result.BootNotification(current_time=now_iso(), interval=interval, status=status)

    @on(Action.heartbeat)
    def on_heartbeat(self, **_):
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.status_notification)
    def on_status(self, **_):
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag, **_):
        return call_result.Authorize(id_tag_info=self.csms.tag_info(id_tag))

    @on(Action.start_transaction)
    def on_start(self, id_tag, **_):
        tx = next(self.csms.tx_ids)
        return call_result.StartTransaction(transaction_id=tx, id_tag_info=self.csms.tag_info(id_tag))

    @on(Action.stop_transaction)
    def on_stop(self, **_):
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, **_):
        return call_result.MeterValues()

    @on(Action.security_event_notification)
    def on_security_event(self, **_):
        return call_result.SecurityEventNotification()

    @on(Action.sign_certificate)
    def on_sign_certificate(self, csr, **_):
        self.csms.csrs.append(csr)
        return call_result.SignCertificate(status=self.csms.sign_answer)

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, **_):
        return call_result.FirmwareStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status(self, **_):
        return call_result.SignedFirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, **_):
        return call_result.DiagnosticsStatusNotification()

    @on(Action.log_status_notification)
    def on_log_status(self, **_):
        return call_result.LogStatusNotification()

    @on(Action.data_transfer)
    def on_data_transfer(self, **_):
        return call_result.DataTransfer(status="Accepted")


class BenchCsms:
    subprotocol = "ocpp1.6"
    side = CsmsSide
    def __init__(self, host="127.0.0.1", port=0, ssl=None, passwords=None):
        self.host = host
        self.port = port
        self.ssl = ssl  # an SSLContext: wss:// (security profiles 2 and 3)
        self.passwords = passwords  # {charge point id: password}: HTTP Basic auth required (profiles 1, 2)
        self.peer_certs: dict[str, dict | None] = {}  # the client certificate each charge point showed
        self.tls_versions: dict[str, str | None] = {}
        self.received: list[tuple[str, dict]] = []
        self.message_ids: list[str] = []  # of `received`, in order
        self.arrived_at: list[float] = []  # perf_counter() at each of `received`
        self.counts: dict[str, int] = {}  # CALLs received per action
        self.answers: dict[str, str] = {}  # message id -> the answer sent
        self.retransmissions: list[tuple[str, str]] = []
        self.tags: dict[str, dict] = {}  # id tag -> IdTagInfo answered (default Accepted)
        self.csrs: list[str] = []  # SignCertificate requests received
        self.sign_answer = "Accepted"  # what a SignCertificate request is answered
        self.responses: list[list] = []  # CALLRESULT / CALLERROR frames, raw
        self.changed = asyncio.Event()
        self.charge_points: dict[str, CsmsSide] = {}
        self.connections: dict[str, int] = {}  # websocket connections opened per charge point
        self.boot_answer = ("Accepted", 300)
        self.refuse: dict[str, str] = {}  # action -> the CALLERROR code answered to it, every time
        self.bad_results: set[str] = set()  # actions answered with a payload that breaks the schema
        self.rejected_tags: set[str] = set()
        self.accept_unknown = True  # a bench CSMS lets any card charge; a witness test may want it strict
        self.tx_ids = itertools.count(1)
        self._server = None

    def record(self, frame) -> None:
        """A frame from a charge point: a CALL in `received` (in order, with its id and arrival), else a response."""
        if isinstance(frame, list) and frame and frame[0] == 2:
            self.received.append((frame[2], frame[3]))
            self.message_ids.append(frame[1])
            self.arrived_at.append(time.perf_counter())
            self.counts[frame[2]] = self.counts.get(frame[2], 0) + 1
        elif isinstance(frame, list):
            self.responses.append(frame)
        self.changed.set()

    def tag_info(self, id_tag: str) -> dict:
        if id_tag in self.tags:
            return self.tags[id_tag]
        refused = id_tag in self.rejected_tags or not self.accept_unknown
        return {"status": "Invalid" if refused else "Accepted"}

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl else "ws"
        host = "localhost" if self.ssl and self.host == "127.0.0.1" else self.host
        return f"{scheme}://{host}:{self.port}/ocpp"

    def _check_auth(self, connection, request):
        if self.passwords is None:
            return None
        ssl_object = connection.transport.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.getpeercert():
            return None  # profile 3: the verified client certificate is the authentication
        cp_id = request.path.rstrip("/").split("/")[-1]
        expected = self.passwords.get(cp_id)
        token = base64.b64encode(f"{cp_id}:{expected}".encode()).decode() if expected else None
        if token is None or request.headers.get("Authorization") != f"Basic {token}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
        return None

    async def start(self) -> None:
        self._server = await websockets.serve(
            self._handle, self.host, self.port, subprotocols=[self.subprotocol], max_size=16 * 1024 * 1024,
            ssl=self.ssl, process_request=self._check_auth,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, ws):
        cp_id = ws.request.path.rstrip("/").split("/")[-1]
        ssl_object = ws.transport.get_extra_info("ssl_object")
        self.peer_certs[cp_id] = ssl_object.getpeercert() if ssl_object else None
        self.tls_versions[cp_id] = ssl_object.version() if ssl_object else None
        side = self.side(cp_id, ws, self)
        self.charge_points[cp_id] = side
        self.connections[cp_id] = self.connections.get(cp_id, 0) + 1
        try:
            await side.start()
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            if self.charge_points.get(cp_id) is side:
                del self.charge_points[cp_id]

    def actions(self, name: str) -> list[dict]:
        return [payload for action, payload in self.received if action == name]

    async def wait_for(self, predicate, timeout: float = 10.0):
        """Wait until predicate(self) is truthy; return its value."""
        async def poll():
            while True:
                value = predicate(self)
                if value:
                    return value
                self.changed.clear()
                try:
                    await asyncio.wait_for(self.changed.wait(), 0.2)
                except asyncio.TimeoutError:
                    pass
        return await asyncio.wait_for(poll(), timeout)

    async def send_raw(self, cp_id: str, frame: str) -> None:
        await self.charge_points[cp_id]._connection.send(frame)

    async def wait_response(self, unique_id: str, timeout: float = 10.0) -> list:
        return await self.wait_for(
            lambda c: next((f for f in c.responses if len(f) > 1 and f[1] == unique_id), None), timeout
        )

    async def wait_connected(self, cp_id: str, timeout: float = 10.0) -> CsmsSide:
        return await self.wait_for(lambda c: c.charge_points.get(cp_id), timeout)
