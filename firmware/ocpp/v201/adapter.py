"""OCPP 2.0.1 over the charger model: boot, status, heartbeats, authorization and transactions.

Lives for the whole process; each websocket connection gets a fresh
ChargePoint201 and runs `on_connection`, as the 1.6 adapter does. A session of
the model is one transaction: Started when the recorder has read its meter
start, Updated every TxUpdatedInterval and at every change of charging state,
Ended with the meter stop; all of them through the persistent outbox.
"""

from __future__ import annotations

import asyncio
import logging

from ocpp.v201 import call

from firmware import __version__
from firmware.auth import invalid_id
from firmware.auth.id_tag_info import IdTagInfo
from firmware.clock import iso
from firmware.customer_data import CustomerData
from firmware.events import (EvChargingNeeds, EvChargingSchedule, MessageSetAside, MeterOnlineChanged,
                             ReservationEnded, SessionEnded, StationFaultsChanged, StatusChanged)
from firmware.ocpp.schedules import power_periods
from firmware.ocpp.v201.charging_limits import ChargingLimits
from firmware.ocpp.v201.contracts import authorize_fields, refused_certificate
from firmware.ocpp.v201.hlc_schedules import HlcSchedules
from firmware.ocpp.v201.smart201 import SmartCharging201
from firmware.ocpp.adapter_base import AdapterBase
from firmware.ocpp.v201 import hardware
from firmware.ocpp.v201.clock_aligned import ClockAligned201
from firmware.ocpp.v201.sampling import EndedValues, TxSampling
from firmware.ocpp.v201.handlers import ChargePoint201
from firmware.ocpp.v201.mappings import CHARGING_STATE, SECURITY_EVENT, connector_status
from firmware.ocpp.v201.iso15118_pki import Iso15118Pki
from firmware.ocpp.v201.meter_values import sampled_values_201, with_signed
from firmware.ocpp.v201.signed_readings import SignedReadings
from firmware.ocpp.v201.monitoring import Monitoring201
from firmware.ocpp.v201.transactions import Transactions201
from firmware.ocpp.v201.tx_points import AUTH, ENERGY, EV, PATH, TxPoints
from firmware.core import charger
from firmware.core.charger import AVAILABLE
from firmware.core.session import StopReason
from firmware.core.milestones import Authorized, EnergyFlowing, EvConnected, PowerPathClosed
from firmware.tasks import Tasks

log = logging.getLogger(__name__)

AUTH_STATUS = {"Accepted", "Blocked", "ConcurrentTx", "Expired", "Invalid"}  # the words 1.6's IdTagInfo shares


class Ocpp201Adapter(AdapterBase):
    version = "2.0.1"
    CALLS = call

    def __init__(self, *, cp_id, board, station, metering, authorizer, store, model, policy, bus, wall, outbox,
                 uplink, reset, firmware, firmware_reports, security, logs, reservations, profiles, load,
                 display_messages):
        self.cp_id = cp_id
        self.board = board
        self.station = station
        self.metering = metering
        self.authorizer = authorizer
        self.store = store
        self.model = model  # the device model (GetVariables, SetVariables, reports)
        self.policy = policy
        self.wall = wall
        self.outbox = outbox
        self.reset = reset
        self.firmware = firmware
        self.firmware_reports = firmware_reports
        self.security = security
        self.logs = logs
        self.reservations = reservations
        self.display_messages = display_messages
        self.costs: dict[str, float] = {}  # transaction id -> total cost so far (I01, I02), while it runs
        self.smart = SmartCharging201(profiles, load, station, board, self._transaction_of, wall)
        self.hlc = HlcSchedules(station, lambda cid: power_periods(self.smart, cid), outbox, self.ask_now)
        self.charging_limits = ChargingLimits(
            station, outbox, lambda: float(model.read("SmartChargingCtrlr", "LimitChangeSignificance")), wall)
        self.monitoring = Monitoring201(store=store, model=model, board=board, outbox=outbox, clock=wall,
                                        online=lambda: uplink.online, transaction_on=self._transaction_on)
        self.customer_data = CustomerData(authorizer, station, outbox)
        self.iso15118 = Iso15118Pki(lambda: self.cp if self.accepted else None, wall)
        self.transactions = Transactions201(store, outbox, online=lambda: uplink.online)
        self.remote_starts: dict[str, tuple[str, int]] = {}  # id token -> (its type, remoteStartId)
        self.contract_tokens: set[str] = set()  # eMAIDs of the EVs' contracts (Plug & Charge)
        self.tx_points = TxPoints(self.transactions, self._tx_points, self._emit,
                                  session_active=lambda cid: station.connector(cid).session is not None,
                                  token=self.token_of)
        self.ended_values = EndedValues(store)
        # session -> its signing meter's begin reading and record of the whole session, until sent
        self._signed_begin: dict[str, object] = {}
        self._signed_end: dict[str, object] = {}
        self.signed_readings = SignedReadings(model, metering)
        self.sampling = TxSampling(
            model=model, wall=wall, metering=metering, transactions=self.transactions, values=self._values,
            running=lambda: {cid: e.key for cid, e in self.tx_points.evses.items() if e.key is not None},
            ended=self.ended_values, signed=self.signed_readings)
        self.aligned = ClockAligned201(
            policy=policy, wall=wall, metering=metering, evses=lambda: list(station.connectors),
            running=lambda cid: self.tx_points.evses[cid].key if cid in self.tx_points.evses else None,
            transactions=self.transactions, outbox=outbox, values=self._values, signed=self.signed_readings)
        self.cp: ChargePoint201 | None = None
        self.registration: str | None = None  # the last BootNotification answer's status
        self.accepted = False  # BootNotification accepted, once per process
        self.model_state: dict[int, tuple[str, tuple]] = {}
        self.sent_status: dict[int, str] = {}
        self.sessions_ended = 0
        self.tasks = Tasks()
        self._status_kick = asyncio.Event()
        self._heartbeat_kick = asyncio.Event()
        self._events = bus.subscribe()
        model.listeners.append(self._variable_changed)
        model.live.update(hardware.live(station, metering))
        for component in ("EVSE", "Connector", "ChargingStation"):  # what GetVariables and reports show
            model.live[(component, "AvailabilityState")] = self._availability
            model.live[(component, "Available")] = lambda row: str(self._availability(row) != "Unavailable").lower()

    def _variable_changed(self, row, value: str) -> None:
        if (row.component, row.name) == ("OCPPCommCtrlr", "HeartbeatInterval"):
            self._heartbeat_kick.set()

    # ---- what the bench shows -------------------------------------------
    def status_name(self, cid: int) -> str:
        state, faults = self.model_state.get(cid, (self.station.connector(cid).state, ()))
        return connector_status(state, faults)

    def remote_start(self, id_tag: str, kind: str, remote_start_id: int) -> None:
        """A RequestStartTransaction for this token: its type and id go with the transaction it starts."""
        self.remote_starts[id_tag] = (kind, remote_start_id)

    def remote_start_failed(self, id_tag: str) -> None:
        self.remote_starts.pop(id_tag, None)  # no transaction will carry this request's id

    def token_of(self, id_tag: str) -> tuple[str, int | None]:
        """The IdToken type of a tag and, once, the remoteStartId of the request that brought it."""
        if id_tag in self.remote_starts:
            kind, remote_start_id = self.remote_starts.pop(id_tag)
            return kind, remote_start_id
        if id_tag in self.contract_tokens:
            return "eMAID", None  # Plug & Charge
        return "ISO14443", None  # the card reader's

    def _availability(self, row) -> str:
        """AvailabilityState of an EVSE or its connector, or of the station (Unavailable or Faulted when
        every EVSE is, else Available)."""
        if row.evse is not None:
            return self.status_name(row.evse)
        states = {self.status_name(cid) for cid in self.station.connectors}
        return states.pop() if len(states) == 1 and states & {"Unavailable", "Faulted"} else "Available"

    def transaction_id(self, session) -> str | None:
        return self.transactions.transaction_id(session.local_id)

    # ---- one connection (firmware.ocpp.adapter_base) ------------------------
    def make_cp(self, ws) -> ChargePoint201:
        return ChargePoint201(self.cp_id, ws, self)

    def boot_request(self) -> call.BootNotification:
        return call.BootNotification(charging_station={
            "model": self.board.model, "vendorName": self.board.vendor, "serialNumber": self.board.serial,
            "firmwareVersion": __version__}, reason="PowerUp")

    def heartbeat_interval(self) -> int:
        return int(self.model.read("OCPPCommCtrlr", "HeartbeatInterval"))

    def keep_heartbeat_interval(self, seconds: int) -> None:
        self.model.store_internal("OCPPCommCtrlr", "HeartbeatInterval", str(seconds))

    # ---- status (G01-G04): per EVSE, connector 1 ---------------------------
    def status_targets(self) -> list[int]:
        return list(self.station.connectors)

    def current_status(self, cid: int) -> str:
        return self.status_name(cid)

    async def send_status(self, cp, cid: int) -> None:
        status = self.status_name(cid)
        await cp.call(call.StatusNotification(timestamp=iso(self.wall.now()), connector_status=status,
                                              evse_id=cid, connector_id=1))
        self.sent_status[cid] = status

    async def run_events(self) -> None:
        self._end_orphans()
        while True:
            event = await self._events.get()
            if isinstance(event, StatusChanged):
                self.model_state[event.connector_id] = (event.state, event.faults)
                self.monitoring.trips(event.connector_id, event.faults)
                self._status_kick.set()
                if event.state == AVAILABLE:
                    self.tx_points.idle(event.connector_id)
                elif event.state in CHARGING_STATE and event.state != charger.PREPARING:
                    self.tx_points.charging_state(event.connector_id, CHARGING_STATE[event.state])
            elif isinstance(event, EvConnected):
                self.tx_points.milestone(event.connector_id, EV, event.connected)
            elif isinstance(event, Authorized):
                self.tx_points.milestone(event.connector_id, AUTH, True, event.id_tag)
            elif isinstance(event, PowerPathClosed):
                self.tx_points.milestone(event.connector_id, PATH, event.closed)
            elif isinstance(event, EnergyFlowing):
                self.tx_points.milestone(event.connector_id, ENERGY, event.flowing)
            elif isinstance(event, SessionEnded):
                tx = self.transaction_id(event.session)
                if tx is not None:
                    self.display_messages.drop_transaction(tx)  # O02: a transaction's messages end with it
                    self.costs.pop(tx, None)
            elif isinstance(event, ReservationEnded):
                status = "Expired" if event.why == "expired" else "Removed"
                self.outbox.push("ReservationStatusUpdate", {"reservationId": event.reservation_id,
                                                             "reservationUpdateStatus": status}, None)
            elif isinstance(event, StationFaultsChanged):
                self.monitoring.station_faults(event.faults)
            elif isinstance(event, MeterOnlineChanged):
                self.monitoring.meter_faults(event.connector_id, event.faults)
            elif isinstance(event, EvChargingNeeds):
                self.tasks.spawn(self.hlc.needs(event), f"the EV's needs on EVSE {event.connector_id}")
            elif isinstance(event, EvChargingSchedule):
                self.hlc.chosen(event)
            elif isinstance(event, MessageSetAside) and event.action == "TransactionEvent":
                log.error("a TransactionEvent of %s was refused for good: %s", event.local_id, event.reason)

    # ---- transactions (E01-E07): firmware.ocpp.v201.tx_points decides when -------------
    def begin_transaction(self, session, reading) -> None:
        if session.signed_begin is not None:  # carried by the event that begins this session's values
            self._signed_begin[session.local_id] = session.signed_begin
        self.tx_points.session_began(session)

    def resumed(self, session) -> None:
        self.tx_points.session_resumed(session)

    def end_transaction(self, session, reading) -> None:
        if session.signed is not None:  # carried by the Ended event of this session (_emit)
            self._signed_end[session.local_id] = session.signed
        self.tx_points.session_ended(session, reading)
        self._signed_end.pop(session.local_id, None)
        self._signed_begin.pop(session.local_id, None)
        self.sessions_ended += 1

    def _emit(self, kind, key, cid, trigger, info, extra, context, reading=None, at=None, session_id=None):
        """One TransactionEvent, with the meter values its context asks for (Begin, End)."""
        at = at or self.wall.now()
        if kind == "Started":  # E01: what the EVSE can give, as the transaction begins
            connector = self.station.connector(cid)
            if connector.kind == "ac":  # a DC output has no phases
                extra = {**extra, "numberOfPhasesUsed": self.board.phases}
            cable = connector.cable_a if connector.kind == "ac" else connector.cfg.max_current_a
            if cable:
                extra["cableMaxCurrent"] = int(cable)
        with self.store.transaction():
            kept = self.ended_values.take(key) if kind == "Ended" else []  # J02: taken during the transaction
            if context is not None:
                which = "TxStartedMeasurands" if context == "Transaction.Begin" else "TxEndedMeasurands"
                reading = reading if reading is not None else self.metering.fresh(cid)
                values = self._values(cid, reading, context, self.policy_list("SampledDataCtrlr", which))
                signed = (self._signed_end if kind == "Ended" else self._signed_begin).get(session_id)
                if signed is not None:
                    values = with_signed(values, signed, reading, context,
                                         self.model.read("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue") != "Never")
                if values:
                    kept.append({"timestamp": iso(at), "sampledValue": values})
            if kept:
                extra = {**extra, "meterValue": kept}
            self.transactions.event(kind, key, cid, trigger, at, info, extra, session_id=session_id)

    def _tx_points(self, name: str) -> set[str]:
        return {p for p in self.model.read("TxCtrlr", name).split(",") if p}

    def _end_orphans(self) -> None:
        """Transactions a restart left open and no session will end (they began before one): PowerLoss."""
        for key, evse in self.transactions.open_without_session():
            log.warning("EVSE %s: transaction %s ended by the restart", evse, key)
            self._emit("Ended", key, evse, "AbnormalCondition", {"chargingState": "Idle", "stoppedReason": "PowerLoss"},
                       {}, None)

    async def send_triggered(self, cp, message: str, cid: int | None) -> None:
        """F06: MeterValues (the aligned measurands) or a TransactionEvent Updated, of one EVSE or all, now."""
        now = self.wall.now()
        for evse in [cid] if cid is not None else list(self.station.connectors):
            reading = self.metering.fresh(evse)
            key = self.tx_points.evses[evse].key if evse in self.tx_points.evses else None
            if message == "TransactionEvent":
                if key is not None:
                    values = self._values(evse, reading, "Trigger", self.policy.sampled_measurands())
                    extra = {"meterValue": [{"timestamp": iso(now), "sampledValue": values}]} if values else {}
                    self.transactions.event("Updated", key, evse, "Trigger", now, None, extra)
                continue
            values = self._values(evse, reading, "Trigger", self.policy_list("AlignedDataCtrlr", "Measurands"))
            if values:
                await cp.call(call.MeterValues(evse_id=evse, meter_value=[{"timestamp": iso(now),
                                                                            "sampledValue": values}]))

    def policy_list(self, component: str, name: str) -> list[str]:
        return [m for m in self.model.read(component, name).split(",") if m]

    def _values(self, cid: int, reading, context: str, measurands: list[str]) -> list[dict]:
        if reading is None:
            return []
        return sampled_values_201(reading, measurands, context, own=self.station.own_values(cid))

    # ---- Reset of one EVSE (B11, B12) ------------------------------------------
    async def reset_evse(self, cid: int, immediate: bool) -> None:
        """What resetting one EVSE means here: its transaction ends (at once, or OnIdle when it
        ends by itself), the EVSE is briefly Unavailable and returns as it was before."""
        connector = self.station.connector(cid)
        if immediate and connector.session is not None:
            await self.station.stop_session(connector.session.local_id, StopReason.HARD_RESET)
        while connector.session is not None:
            await asyncio.sleep(0.5)
        was_operative = self.store.get(f"availability.{cid}", True)
        log.warning("EVSE %s: reset by the CSMS", cid)
        await self.station.set_operative(cid, False)
        await asyncio.sleep(1.0)  # the EVSE's own restart: Unavailable, then as before
        if was_operative:
            await self.station.set_operative(cid, True)

    # ---- the outbox's hooks ---------------------------------------------
    def _prepare(self, action, payload, local_id):
        if action == "SecurityEventNotification" and payload["type"] in SECURITY_EVENT:
            return {**payload, "type": SECURITY_EVENT[payload["type"]]}  # 2.0.1's name for it
        return payload

    def _confirmed(self, action, payload, answer, local_id):
        total = getattr(answer, "total_cost", None)
        if total is not None and payload.get("transactionInfo"):  # I02: the running cost in the answer
            self.costs[payload["transactionInfo"]["transactionId"]] = float(total)
        info = getattr(answer, "id_token_info", None)
        if not info or not payload.get("idToken"):
            return None  # our own transaction id, known from the start
        known = id_tag_info(info)
        self.authorizer.remember(payload["idToken"]["idToken"], known)
        session = self.station.session_by_id(self.transactions.session_of(local_id) or local_id)
        if session is not None and known.parent_id_tag:  # C09: a token of this group may now end it
            session.parent_id_tag = known.parent_id_tag
        if session is not None and not known.accepted:
            self.tasks.spawn(invalid_id.enforce(self.station, self.metering, self.policy, session.local_id,
                                                known.status), f"invalid id of transaction {local_id}")
        return None

    # ---- authorization (C01) ----------------------------------------------
    async def remote_authorize(self, id_tag: str, contract: tuple[str, str] | None = None) -> IdTagInfo | None:
        """Authorize (C01), or with a contract's (eMAID, PEM chain) its certificate data (C07)."""
        cp = self.cp
        if cp is None or not self.accepted:
            return None
        try:
            if contract is not None:
                fields = authorize_fields(*contract, self.security.certs)
                conf = await cp.call(call.Authorize(id_token={"idToken": id_tag, "type": "eMAID"}, **fields))
            else:
                kind = self.remote_starts.get(id_tag, ("ISO14443", None))[0]
                conf = await cp.call(call.Authorize(id_token={"idToken": id_tag, "type": kind}))
        except asyncio.TimeoutError:
            return None
        if conf is None:
            return None
        if contract is not None and (refused := refused_certificate(conf)):
            log.warning("contract %s refused by the CSMS: certificate %s", id_tag, refused)
            return IdTagInfo("Invalid")
        return id_tag_info(conf.id_token_info)

    def contract_token(self, emaid: str) -> None:
        """A contract (Plug & Charge) is authorizing with this eMAID: its transaction's token is of that type."""
        self.contract_tokens.add(emaid)

    # ---- local list (D01, D02) and reservations (H01-H04) ----------------------------------
    def apply_local_list(self, version: int, full: bool, entries: list[dict]):
        from firmware.ocpp.v201.handlers_lists import apply_local_list

        return apply_local_list(self.authorizer, self.policy, version, full, entries)

    def local_list_version(self) -> int:
        """0 while the list is disabled or empty of any version (D02.FR.02)."""
        return self.authorizer.local_list.version if self.policy.local_list_enabled() else 0

    def running_cost(self, session) -> dict | None:
        tx = self.transaction_id(session)
        if tx is None or tx not in self.costs:
            return None
        return {"total": round(self.costs[tx], 2), "currency": self.model.read("TariffCostCtrlr", "Currency")}

    def transaction_running(self, transaction_id: str) -> bool:
        local_id = self.outbox.local_id_of(transaction_id)
        return local_id is not None and self.station.session_by_id(local_id) is not None

    def _transaction_of(self, evse_id: int) -> str | None:
        session = self.station.connector(evse_id).session if evse_id in self.station.connectors else None
        return None if session is None else self.transaction_id(session)

    def _transaction_on(self, evse_id: int | None) -> tuple[bool, str | None]:
        """For a monitor that watches only during a transaction: on its EVSE, or any for the station."""
        if evse_id is None:
            return bool(self.station.sessions()), None
        tx = self._transaction_of(evse_id)
        return tx is not None, tx

    def connector_type_fits(self, evse_id: int | None, connector_type: str | None) -> bool:
        """ReserveNow's connectorType against the board: Type 2 sockets (sType2) or tethered cables (cType2)."""
        if connector_type is None:
            return True
        kinds = {cid: "cType2" if c.cable == "tethered" else "sType2"
                 for cid, c in ((c.id, c) for c in self.board.connectors)}
        return kinds.get(evse_id) == connector_type if evse_id else connector_type in kinds.values()

    async def authorize_then_start(self, cid: int, id_tag: str) -> None:
        result = await self.authorizer.authorize(id_tag, self.remote_authorize)
        if not (result.accepted and await self.station.authorize(cid, id_tag, result.parent_id_tag)):
            self.remote_start_failed(id_tag)


def id_tag_info(info: dict) -> IdTagInfo:
    """2.0.1's IdTokenInfo as the model's IdTagInfo; statuses only 2.0.1 has count as Invalid."""
    status = info.get("status", "Invalid")
    group = info.get("group_id_token") or info.get("groupIdToken") or {}
    return IdTagInfo(status if status in AUTH_STATUS else "Invalid",
                     info.get("cache_expiry_date_time") or info.get("cacheExpiryDateTime"),
                     group.get("id_token") or group.get("idToken"))
