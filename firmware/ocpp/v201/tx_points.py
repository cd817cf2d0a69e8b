"""When a 2.0.1 transaction starts and ends: TxStartPoint and TxStopPoint (OCPP 2.0.1 E01-E03, E06-E09).

The model publishes its milestones (firmware/core/milestones.py: EV connected,
authorized, power path closed, energy flowing) and the recorder hands over each
session with its exact meter start and stop. A transaction starts at the first
milestone TxStartPoint lists and ends when a milestone TxStopPoint lists ends.
The authorization of a session ends with the session; a stop the session
causes (the EV unplugged, the driver's card, a remote stop) waits for the
recorder's exact meter stop, while a stop the session survives (the power path
opening while the EV pauses) is sent at once with the latest reading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from firmware.ocpp.v201.mappings import STOP_REASON, STOP_TRIGGER
from firmware.ocpp.v201.transactions import new_key

log = logging.getLogger(__name__)

EV, AUTH, PATH, ENERGY, SIGNED = "EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer", "DataSigned"
START_TRIGGER = {EV: "CablePluggedIn", AUTH: "Authorized", PATH: "ChargingStateChanged",
                 ENERGY: "ChargingStateChanged", SIGNED: "SignedDataReceived"}


@dataclass
class Evse:
    connected: bool = False
    closed: bool = False
    flowing: bool = False
    key: str | None = None  # the running transaction
    id_tag: str | None = None  # the authorization in force, if any
    token_sent: bool = False
    seen_ev: bool = False  # an EV was connected since the transaction began
    session: Any = None


class TxPoints:
    def __init__(self, transactions, points: Callable[[str], set], sink: Callable, session_active: Callable,
                 token: Callable = lambda id_tag: ("ISO14443", None)):
        """`points(name)`: TxStartPoint / TxStopPoint as sets; `sink(kind, key, evse, trigger, info, extra,
        context, reading=None, at=None, session_id=None)` queues an event with meter values;
        `session_active(cid)`: the model's session on the connector still runs; `token(id_tag)`: its
        IdToken type and, for a remote start, the remoteStartId (taken once)."""
        self._tx = transactions
        self._points = points
        self._sink = sink
        self._session_active = session_active
        self._token = token
        self.evses: dict[int, Evse] = {}

    def evse(self, cid: int) -> Evse:
        return self.evses.setdefault(cid, Evse())

    # ---- the model's milestones ---------------------------------------------
    def milestone(self, cid: int, point: str, active: bool, id_tag: str | None = None) -> None:
        e = self.evse(cid)
        if point == EV:
            e.connected = active
            e.seen_ev = e.seen_ev or active
        elif point == PATH:
            e.closed = active
        elif point == ENERGY:
            e.flowing = active
        elif point == AUTH and active:
            e.id_tag, e.token_sent = id_tag, False
        if active:
            self._began(cid, e, point)
        elif e.key is not None and point in self._points("TxStopPoint"):
            self._stop_point(cid, e, point)

    def _began(self, cid: int, e: Evse, point: str) -> None:
        if e.key is None:
            if point in self._points("TxStartPoint"):
                self._start(cid, e, point)
            return
        if point == AUTH and not e.token_sent:
            self._event("Updated", cid, e, "Authorized", {})
        # the power path and the energy show in the charging state (charging_state, from the status)

    def _start(self, cid: int, e: Evse, point: str) -> None:
        session = e.session if e.session is not None and self._session_active(cid) else None
        e.key = session.local_id if session is not None else new_key()
        e.seen_ev = e.connected
        state = "Charging" if e.closed else "EVConnected"
        self._event("Started", cid, e, START_TRIGGER[point], {"chargingState": state}, context="Transaction.Begin",
                    session_id=None if session is None else session.local_id)
        log.info("EVSE %s: transaction started at %s", cid, point)

    def _stop_point(self, cid: int, e: Evse, point: str) -> None:
        if e.session is not None and not self._session_active(cid):
            return  # the session is ending: its exact meter stop ends the transaction (session_ended)
        trigger, reason = {EV: ("EVDeparted", "EVDisconnected"), PATH: ("ChargingStateChanged", "StoppedByEV"),
                           ENERGY: ("ChargingStateChanged", "StoppedByEV"), AUTH: ("Deauthorized", "DeAuthorized")
                           }[point]
        self._end(cid, e, trigger, reason)

    # ---- the model's sessions (from the recorder, with exact meter readings) -----
    def session_began(self, session) -> None:
        """The recorder's session, with its meter start (and a signing meter's signed begin reading:
        DataSigned, E01; a transaction already running gets it in an Updated event)."""
        e = self.evse(session.connector_id)
        e.session, e.id_tag = session, session.id_tag
        if e.key is not None:
            self._tx.link(e.key, session.local_id)
            if session.signed_begin is not None:
                self._event("Updated", session.connector_id, e, START_TRIGGER[SIGNED], {},
                            context="Transaction.Begin", session_id=session.local_id)
        elif session.signed_begin is not None:
            self._began(session.connector_id, e, SIGNED)

    def session_resumed(self, session) -> None:
        """After a restart: the session goes on, in the transaction it had."""
        e = self.evse(session.connector_id)
        e.session, e.id_tag, e.token_sent = session, session.id_tag, True
        e.key = self._tx.key_of_session(session.local_id)

    def session_ended(self, session, reading) -> None:
        e = self.evse(session.connector_id)
        key = e.key if e.session is session else self._tx.key_of_session(session.local_id)  # after a restart
        if e.session is session:
            e.session, e.id_tag = None, None
        if key is None:
            return  # it never reached the TxStartPoint: no transaction to end
        stops = self._points("TxStopPoint")
        goes_on = stops <= {EV} and e.connected and e.key == key
        if goes_on:  # only the EV leaving ends it: deauthorized, it waits for the unplug
            self._tx.link(key, None)
            self._event("Updated", session.connector_id, e, STOP_TRIGGER[session.stop_reason],
                        {"chargingState": "EVConnected"}, reading=reading, at=session.ended_at)
            return
        info = {"chargingState": "Idle", "stoppedReason": STOP_REASON[session.stop_reason]}
        self._sink("Ended", key, session.connector_id, STOP_TRIGGER[session.stop_reason], info, {},
                   "Transaction.End", reading=reading, at=session.ended_at, session_id=session.local_id)
        if e.key == key:
            e.key = None

    def idle(self, cid: int) -> None:
        """The connector is Available again: a transaction no session carries ends (E03, E05)."""
        e = self.evse(cid)
        if e.key is not None and e.session is None:
            left = e.seen_ev
            self._end(cid, e, "EVDeparted" if left else "EVConnectTimeout", "EVDisconnected" if left else "Timeout")
        e.id_tag = None

    def stop_remote(self, key: str) -> bool:
        """RequestStopTransaction of a transaction no session carries (it started at EVConnected/Authorized)."""
        for cid, e in self.evses.items():
            if e.key == key and e.session is None:
                self._end(cid, e, "RemoteStop", "Remote")
                return True
        return False

    def charging_state(self, cid: int, state: str) -> None:
        e = self.evse(cid)
        if e.key is not None:
            self._event("Updated", cid, e, "ChargingStateChanged", {"chargingState": state})

    # ---- helpers ------------------------------------------------------------
    def _end(self, cid: int, e: Evse, trigger: str, reason: str) -> None:
        self._sink("Ended", e.key, cid, trigger, {"chargingState": "Idle", "stoppedReason": reason}, {},
                   "Transaction.End")
        if e.session is not None:
            self._tx.link(e.key, None)
        e.key = None
        log.info("EVSE %s: transaction ended (%s)", cid, reason)

    def _event(self, kind, cid, e, trigger, info, context=None, reading=None, at=None, session_id=None) -> None:
        extra = {}
        if e.id_tag and not e.token_sent:
            kind_of_token, remote_start_id = self._token(e.id_tag)
            extra["idToken"] = {"idToken": e.id_tag, "type": kind_of_token}
            if e.session is not None and e.session.reservation_id is not None:  # H01: the reservation it ends
                extra["reservationId"] = e.session.reservation_id
            if remote_start_id is not None:  # F01: the event that carries the token says who asked
                info = {**(info or {}), "remoteStartId": remote_start_id}
                trigger = "RemoteStart" if trigger == "Authorized" else trigger
            e.token_sent = True
        self._sink(kind, e.key, cid, trigger, info, extra, context, reading=reading, at=at, session_id=session_id)
