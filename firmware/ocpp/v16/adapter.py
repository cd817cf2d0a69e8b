"""OCPP 1.6J over the charger model: boot, status, transactions, heartbeats.

Lives for the whole process; each websocket connection gets a fresh
ChargePoint16 and runs `on_connection`. Status is current state, re-sent after
every (re)connection, never replayed; transaction messages go through the
persistent outbox and carry the CSMS's transaction id once it is known.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.v16 import call

from firmware import __version__
from firmware.auth import invalid_id
from firmware.auth.id_tag_info import IdTagInfo
from firmware.auth.local_list import ListTooLong
from firmware.clock import iso
from firmware.events import EvChargingNeeds, MessageSetAside, MeterOnlineChanged, StationFaultsChanged, StatusChanged
from firmware.ocpp.adapter_base import AdapterBase
from firmware.ocpp.schedules import power_periods
from firmware.ocpp.v16 import mappings as words
from firmware.ocpp.v16.handlers import ChargePoint16
from firmware.ocpp.v16.meter_reports import MeterReports
from firmware.core.faults import BY_NAME, TRIP
from firmware.ocpp.v16.status import STATION_WIDE, status_of
from firmware.security import events as ev
from firmware.tasks import Tasks
from firmware.core.vocabulary import LocalListResult

log = logging.getLogger(__name__)



class Ocpp16Adapter(AdapterBase):
    version = "1.6"
    CALLS = call

    def __init__(self, *, cp_id, board, station, metering, authorizer, store, keys, policy, bus, wall, journal,
                 outbox, reset, security, logs, firmware, firmware_reports, smart, reservations):
        """Everything it speaks for, given: the model (station, metering, authorizer, reservations), the
        stores (outbox, journal), the services (security, logs, firmware, smart charging) and `reset(hard)`,
        the one way out of the process a CSMS may ask for."""
        self.cp_id = cp_id
        self.board = board
        self.station = station
        self.metering = metering
        self.authorizer = authorizer
        self.store = store
        self.keys = keys
        self.policy = policy
        self.wall = wall
        self.outbox = outbox
        self.reset = reset
        self.security = security
        self.logs = logs
        self.firmware = firmware
        self.firmware_reports = firmware_reports
        self.smart = smart
        self.reservations = reservations
        self.cp: ChargePoint16 | None = None
        self.registration: str | None = None  # the last BootNotification answer's status
        self.accepted = False  # BootNotification accepted, once per process (OCPP 1.6 4.2)
        self.model_state: dict[int, tuple[str, tuple]] = {}
        self.sent_status: dict[int, tuple] = {}
        self.meters = MeterReports(keys, metering, outbox, wall, journal, store, own=station.own_values)
        self.sessions_ended = 0  # TransactionEnded events queued so far
        self.tasks = Tasks()
        self._status_kick = asyncio.Event()
        self._heartbeat_kick = asyncio.Event()
        keys.listeners.append(self._key_changed)
        self._events = bus.subscribe()

    # ---- what the bench shows -------------------------------------------
    def status_name(self, cid: int) -> str:
        return self._status(cid)[0]

    def transaction_id(self, session) -> int | None:
        """The CSMS's id of a session's transaction in 1.6's words (an integer), once known."""
        tx = self.outbox.transaction_id(session.local_id)
        return None if tx is None else int(tx)

    # ---- one connection (firmware.ocpp.adapter_base) ------------------------
    def make_cp(self, ws) -> ChargePoint16:
        return ChargePoint16(self.cp_id, ws, self)

    def heartbeat_interval(self) -> int:
        return self.keys.get_int("HeartbeatInterval")

    def keep_heartbeat_interval(self, seconds: int) -> None:
        self.keys.set_internal("HeartbeatInterval", str(seconds))

    def adopt_time(self, csms_time: str) -> bool:
        moved = super().adopt_time(csms_time)
        if moved:
            self.security.events.record(ev.SETTING_SYSTEM_TIME, f"clock set from the CSMS: {csms_time}")
        return moved

    def boot_request(self) -> call.BootNotification:
        return call.BootNotification(
            charge_point_vendor=self.board.vendor,
            charge_point_model=self.board.model,
            charge_point_serial_number=self.board.serial,
            firmware_version=__version__,
        )

    def _key_changed(self, name: str, value: str) -> None:
        if name == "HeartbeatInterval":
            self._heartbeat_kick.set()

    # ---- status ---------------------------------------------------------
    def _status(self, cid: int) -> tuple[str, str, str | None]:
        if cid == 0:
            states = [s for s, _ in self.model_state.values()]
            whole = "unavailable" if states and all(s == "unavailable" for s in states) else "available"
            faults = {f for _, fs in self.model_state.values() for f in fs if f in STATION_WIDE}
            faults |= self.station.faults
            tripped = any(BY_NAME[f].action == TRIP for f in faults)
            return status_of("faulted" if tripped else whole, faults)
        state, faults = self.model_state.get(cid, (self.station.connector(cid).state, ()))
        faults = tuple(faults) + tuple(sorted(self.metering.faults.get(cid, ())))
        return status_of(state, faults)

    def status_targets(self) -> list[int]:
        return [0, *self.station.connectors]  # connector 0: the charge point as a whole

    def current_status(self, cid: int) -> tuple:
        return self._status(cid)

    async def send_status(self, cp, cid: int) -> None:
        current = self._status(cid)
        status, code, info = current
        await cp.call(call.StatusNotification(
            connector_id=cid, error_code=code, status=status, info=info, timestamp=iso(self.wall.now()),
        ))
        self.sent_status[cid] = current

    # ---- events from the charger model ----------------------------------
    async def run_events(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, StatusChanged):
                self.model_state[event.connector_id] = (event.state, event.faults)
                self._status_kick.set()
            elif isinstance(event, MessageSetAside):
                self._set_aside(event.action, event.payload, event.local_id, event.reason)
            elif isinstance(event, (MeterOnlineChanged, StationFaultsChanged)):
                self._status_kick.set()
            elif isinstance(event, EvChargingNeeds):  # 1.6 has no say in an ISO 15118 EV's schedule
                self.station.connector(event.connector_id).offer_schedule(
                    event.round, power_periods(self.smart, event.connector_id))

    # ---- the recorder's sink (each call runs inside its SQLite transaction) --
    def begin_transaction(self, session, reading) -> None:
        self.outbox.push("StartTransaction", {
            "connectorId": session.connector_id,
            "idTag": session.id_tag,
            "meterStart": round(session.meter_start_wh),
            "timestamp": iso(session.started_at),
            **({"reservationId": session.reservation_id} if session.reservation_id is not None else {}),
        }, session.local_id)
        self.meters.begin(session, reading)

    def resumed(self, session) -> None:
        """A session taken back after a restart: its StartTransaction is already queued or sent."""
        self.meters.begin(session, None)

    def end_transaction(self, session, reading) -> None:
        transaction_data = self.meters.end(session, reading)
        payload = {
            "meterStop": round(session.meter_stop_wh),
            "timestamp": iso(session.ended_at),
            "reason": words.STOP_REASON[session.stop_reason],
        }
        if session.id_tag:
            payload["idTag"] = session.id_tag
        if transaction_data:
            payload["transactionData"] = transaction_data
        self.outbox.push("StopTransaction", payload, session.local_id)
        self.sessions_ended += 1

    # ---- the outbox's hooks ---------------------------------------------
    def _prepare(self, action, payload, local_id):
        if action != "StartTransaction" and local_id is not None:
            tx = self.outbox.transaction_id(local_id)
            # A transaction the CSMS never confirmed: -1 tells it so, as
            # chargers conventionally do, rather than inventing an id.
            payload["transactionId"] = int(tx) if tx is not None else -1
        return payload

    def _confirmed(self, action, payload, answer, local_id) -> str | None:
        info = getattr(answer, "id_tag_info", None)
        if info and payload.get("idTag"):  # Start and Stop answers refresh the cache too
            self.authorizer.remember(payload["idTag"], IdTagInfo.from_ocpp(info))
        if action != "StartTransaction":
            return None
        status = answer.id_tag_info["status"]
        log.info("transaction %s confirmed as %s (%s)", local_id, answer.transaction_id, status)
        parent = answer.id_tag_info.get("parent_id_tag")
        session = self.station.session_by_id(local_id)
        if parent and session is not None:  # OCPP 1.6 3.5.1: a tag of this group may now end it
            session.parent_id_tag = parent
        if status != "Accepted":
            self.tasks.spawn(invalid_id.enforce(self.station, self.metering, self.policy, local_id, status),
                             f"invalid id of transaction {local_id}")
        return str(answer.transaction_id)

    def _set_aside(self, action: str, payload: dict, local_id: str | None, reason: str) -> None:
        """A StartTransaction refused for good: no energy the CSMS cannot bill, unless the operator chose so."""
        session = self.station.session_by_id(local_id) if action == "StartTransaction" else None
        if session is None:
            return
        if self.policy.charge_without_transaction():
            log.warning("connector %s: the CSMS refused to start transaction %s (%s); charging on for free "
                        "(AllowChargingWithoutTransaction)", session.connector_id, local_id, reason)
            return
        log.error("connector %s: the CSMS refused to start transaction %s (%s); charging suspended, the session "
                  "ends when the EV unplugs", session.connector_id, local_id, reason)
        self.tasks.spawn(self.station.set_hold(session.connector_id, "unbilled", True),
                         f"suspend unbilled session on connector {session.connector_id}")

    # ---- authorization --------------------------------------------------
    async def remote_authorize(self, id_tag: str, contract: tuple[str, str] | None = None) -> dict | None:
        """Authorize. OCPP 1.6 has no word for a contract's certificates (Plug & Charge): its eMAID is
        the idTag, the CSMS decides on it like on a card."""
        cp = self.cp
        if cp is None or not self.accepted:
            return None  # offline: the authorizer falls back to the cache
        try:
            conf = await cp.call(call.Authorize(id_tag=id_tag))
        except asyncio.TimeoutError:
            return None
        return None if conf is None else IdTagInfo.from_ocpp(conf.id_tag_info)

    async def authorize_then_start(self, cid: int, id_tag: str) -> None:
        result = await self.authorizer.authorize(id_tag, self.remote_authorize)
        if result.accepted:
            await self.station.authorize(cid, id_tag, result.parent_id_tag)

    def apply_local_list(self, version: int, full: bool, entries: list[dict]) -> LocalListResult:
        if not self.policy.local_list_enabled():
            return LocalListResult.NOT_SUPPORTED
        parsed = [(e["id_tag"], IdTagInfo.from_ocpp(e["id_tag_info"]) if e.get("id_tag_info") else None)
                  for e in entries]
        try:
            status = self.authorizer.local_list.update(version, full, parsed)
        except ListTooLong:
            status = LocalListResult.FAILED
        log.info("SendLocalList v%s (%s, %s entries): %s", version, "full" if full else "differential",
                 len(entries), status.value)
        return status

    def local_list_version(self) -> int:
        """-1 while the list is disabled (LocalAuthListEnabled false), else its version (0: none)."""
        return self.authorizer.local_list.version if self.policy.local_list_enabled() else -1
