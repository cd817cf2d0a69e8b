"""One charging point: the safety tick that turns pilot levels into outputs.

Each tick, in this order: sample the pilot, let the supervisor name the trips,
open the contactor if anything says so (nothing else runs first), then move
the session machine by levels and drive PWM, contactor and lock. Runs only on
the control thread; commands from elsewhere arrive through ControlLoop.call.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from firmware.core import charger
from firmware.events import SessionEnded, SessionStarted, StatusChanged
from firmware.core.charger import CHARGING, FAULTED, FINISHING, PREPARING, SESSION_STATES, SessionModel
from firmware.core.iec61851.cp_events import PLUGGED, REQUESTING, triggers_for
from firmware.core.faults import drives_state_f
from firmware.core.iec61851.pilot import (
    DUTY_NO_PWM, DUTY_STATE_F, CPState, PPInvalid, cable_rating_a, classify, current_for_duty, diode_ok,
    duty_for_current,
)
from firmware.core.limits import SITE_SHARE, LimitSource, limit_sources, offered_current, temperature_limit
from firmware.core.milestones import Authorized, Milestones
from firmware.core.safety import ESTOP, PILOT_ADC, POWER_FAIL, SafetySupervisor
from firmware.core.session import Session, StopReason
from hal.errors import HalError

# Holds that belong to one session and end with it: MaxEnergyOnInvalidId reached, a StartTransaction the
# CSMS refused for good (no energy it cannot bill).
SESSION_HOLDS = frozenset({"invalid_id", "unbilled"})

log = logging.getLogger(__name__)


class Connector(SessionModel):
    kind = "ac"  # IEC 61851-1 Mode 3; firmware.dc.connector.DcConnector is "dc"

    def __init__(self, cfg, board, hal_conn, station_hal, temperature, publish, wall_clock, reading=lambda: None):
        super().__init__()
        self.id = cfg.id
        self.cfg = cfg
        self.board = board
        self.hal = hal_conn
        self.publish = publish
        self.wall = wall_clock
        self.safety = self._supervisor(station_hal, temperature)
        # () -> the latest fresh meter reading of this connector, or None: an in-memory
        # read (Metering.fresh), never a Modbus request.
        self.reading = reading
        self._lock_wanted: bool | None = None
        self._adc_error: str | None = None
        self._logged_trips: frozenset[str] = frozenset()
        self._lock_commanded_at = 0.0
        self.cp = CPState.A
        self.trips: frozenset[str] = frozenset()
        self.cable_a: int | None = cfg.cable_rating_a
        self.csms_limit_a: float | None = None  # the composite schedule (or the failsafe), from the load manager
        self.site_share_a: float | None = None  # this connector's share of the site budget
        # what set the schedule and the share, in words, and whose budget the share is of (the load manager's)
        self.limit_details = ("", "", SITE_SHARE)
        self.limit_sources: list[LimitSource] = []  # every limit in force now (limits.limit_sources)
        self._limit_inputs: tuple | None = None  # what limit_sources was last worked out from
        # Reasons to offer 0 A although a session may go on: "meter" (offline_policy
        # "stop"), "invalid_id" (OCPP StopTransactionOnInvalidId=false).
        self.holds: set[str] = set()
        self.offered_a = 0.0
        self.duty = DUTY_NO_PWM
        self.contactor_closed = False
        self.session: Session | None = None
        self.pending_id_tag: str | None = None
        self.pending_parent: str | None = None
        # The reservation holding this connector (set by the reservation manager), or None.
        self.reserved_for = None
        self.anywhere: tuple = ()  # reservations for any connector: their tags may use them here
        self.authorized_at = 0.0
        self.connection_timeout_s = 60.0
        self.stop_reason = StopReason.OTHER
        self._reported: tuple | None = None
        self.milestones = Milestones(self.id)
        self.sessions_ended = 0
        # OCPP UnlockConnectorOnEVSideDisconnect (1.6) / UnlockOnEVSideDisconnect (2.0.1): when false, a
        # socket's cable unplugged at the EV side stays locked here until its driver's card says so.
        self.unlock_on_ev_side_disconnect = True
        self.cable_held_for: str | None = None  # the tag whose cable stays locked in the socket
        self.hal.pilot.set_pwm(DUTY_NO_PWM)
        self.hal.contactor.open()

    def _supervisor(self, station_hal, temperature) -> SafetySupervisor:
        return SafetySupervisor(self.id, self.hal.contactor, self.hal.rcd, station_hal.estop, temperature, self.board,
                                power_fail=station_hal.power_fail)

    # ---- the tick -------------------------------------------------------
    def _sense_pilot(self):
        """The pilot's sample (None when the ADC failed) and whether it shows our own state F."""
        sample = self._read_pilot()
        own_state_f = self.duty == DUTY_STATE_F  # the pilot shows our own -12 V, not the EV
        if sample is not None and not own_state_f:
            self.cp = classify(sample.high_v)
            self.plugged = self.cp in PLUGGED
        elif own_state_f:
            self.cp = CPState.F
        return sample, own_state_f

    def tick(self, now: float, stalled: bool = False) -> None:
        sample, own_state_f = self._sense_pilot()
        pp_invalid = self._read_cable()
        adc_failed = self._adc_error is not None  # the pilot or the PP, on the same ADC
        reading = self.reading()  # the latest meter reading in memory: never a Modbus wait
        self.trips = self.safety.check(
            self.cp, diode_ok(sample.low_v) if sample else True, pp_invalid, now,
            own_state_f=own_state_f, adc_failed=adc_failed, unplugged=self.cp == CPState.A and not adc_failed,
            reading=reading, offered_a=self._offered_now(), lock_failed=self._lock_failed(now),
            tick_stalled=stalled,
        )
        if self.contactor_closed and (self.trips or self.cp not in REQUESTING):
            self._set_contactor(False, now)  # safety first; what the session lets go, _drive opens this tick
        self._then(now, reading)

    def _then(self, now: float, reading) -> None:
        """Once the output is safe for this tick: the log, the offer, the session table, the outputs
        that follow it, what the rest of the firmware hears."""
        self._log_faults()
        self._update_offer()
        self.offer_ok = self.offered_a > 0
        self._step(now)
        self._drive(now)
        self._report()
        for event in self.milestones.update(self.plugged, self.contactor_closed, reading):
            self.publish(event)

    def _update_offer(self) -> None:
        """The offer and the named limits behind it, worked out again only when a limit changed
        (most ticks nothing did: no list is built then)."""
        temperature_a = temperature_limit(self.safety.temperature_c, self.board, self.cfg.max_current_a)
        inputs = (self.cable_a, self.csms_limit_a, self.site_share_a, frozenset(self.holds), temperature_a,
                  self.limit_details)
        if inputs == self._limit_inputs:
            return
        self._limit_inputs = inputs
        sources = limit_sources(
            board_a=self.cfg.max_current_a, cable_a=self.cable_a, tethered=self.cfg.cable == "tethered",
            schedule_a=self.csms_limit_a, schedule_detail=self.limit_details[0], share_a=self.site_share_a,
            share_detail=self.limit_details[1], share_source=self.limit_details[2],
            holds=self.holds, temperature_c=self.safety.temperature_c,
            temperature_a=temperature_a)
        self.offered_a = offered_current(*(s.limit_a for s in sources))
        if [(s.source, round(s.limit_a)) for s in sources] != [(s.source, round(s.limit_a))
                                                               for s in self.limit_sources]:
            self._log_limits(sources)
        self.limit_sources = sources

    def _log_limits(self, sources: list[LimitSource]) -> None:
        """Why the car charges as it does, in one line, each time a limit comes, goes or moves an amp."""
        lowest = min(sources, key=lambda s: s.limit_a)
        log.info("connector %s: offer %.0f A, set by %s (%s); limits %s", self.id, self.offered_a, lowest.source,
                 lowest.detail, ", ".join(f"{s.source} {s.limit_a:.0f} A" for s in sources))

    def _read_pilot(self):
        try:
            return self.hal.pilot.read_pilot()
        except HalError as exc:
            self._adc_error = str(exc)  # logged once the contactor is open
            return None

    def _log_faults(self) -> None:
        """After the contactor: a log handler may block (a full journal), a trip may not wait."""
        if self._adc_error is not None:
            if PILOT_ADC not in self._logged_trips:
                log.error("connector %s: pilot ADC failed: %s", self.id, self._adc_error)
            self._adc_error = None
        self.safety.latch.log_changes()
        self._logged_trips = self.trips

    def _lock_failed(self, now: float) -> bool:
        lock = self.hal.lock
        if lock is None or not self._lock_wanted:
            return False
        return not lock.is_locked() and now - self._lock_commanded_at >= self.board.lock_detect_s

    def _read_cable(self) -> bool:
        if self.cfg.cable == "tethered":
            return False
        try:
            rating = cable_rating_a(self.hal.pilot.read_pp_ohms())
        except PPInvalid:
            self.cable_a = 0
            return True
        except HalError as exc:  # the PP shares the pilot's ADC: the same fault, nothing offered
            self._adc_error = str(exc)
            self.cable_a = 0
            return False
        self.cable_a = 0 if rating is None else rating  # a socket without a cable offers nothing
        return False

    def _step(self, now: float) -> None:
        if not self._step_station():
            return
        for trigger in triggers_for(self.cp):
            self.fire(trigger)
        self._step_offer(now)

    def _step_offer(self, now: float) -> None:
        """The offer against the session: below 6 A it waits (C1), back above it charges; an
        authorization without a plug times out."""
        if self.state == CHARGING and not self.offer_ok:
            self.fire("limit_low")
        elif self.state == charger.SUSPENDED_EVSE:
            self.fire("limit_ok")
        elif self.state == PREPARING and now - self.authorized_at > self.connection_timeout_s:
            self.fire("auth_timeout")

    def _step_station(self) -> bool:
        """The moves every kind of connector shares: a trip, availability, reservations, the unplug's
        stop reason. False when a trip took the step (nothing else moves this tick)."""
        if self.trips:
            self.stop_reason = (StopReason.EMERGENCY_STOP if ESTOP in self.trips
                                else StopReason.POWER_LOSS if POWER_FAIL in self.trips else StopReason.OTHER)
            self.fire("fault")
            return False
        if self.state == FAULTED:
            self.fire("fault_cleared")
        if not self.operative:
            self.fire("disable")
        elif self.state == charger.UNAVAILABLE:
            self.fire("enable")
        if self.reserved_for is not None and self.state == charger.AVAILABLE:
            self.fire("reserve")
        elif self.reserved_for is None and self.state == charger.RESERVED:
            self.fire("unreserve")
        if self.cp == CPState.A:
            self.stop_reason = StopReason.EV_DISCONNECTED
        return True

    def _offered_now(self) -> float:
        """What the EV is allowed to draw now: the duty's reading (IEC 61851-1 Table A.8)."""
        return current_for_duty(self.duty)

    def _duty(self, in_session: bool) -> float:
        """Basic charging: the duty carries the offer, within a session; no PWM otherwise."""
        return duty_for_current(self.offered_a) if in_session and self.offer_ok else DUTY_NO_PWM

    def _drive(self, now: float) -> None:
        in_session = self.state in SESSION_STATES
        duty = self._duty(in_session)
        if drives_state_f(self.trips):
            duty = DUTY_STATE_F  # IEC 61851-1 Table A.3 state F: the EVSE is not available
        if duty != self.duty:
            self.duty = duty
            self.hal.pilot.set_pwm(duty)
        lock = self.hal.lock
        may_supply = self.cp in REQUESTING and duty != DUTY_NO_PWM and not self.trips and \
            (lock is None or lock.is_locked())
        want_closed = may_supply and self.state == CHARGING and self.session is not None and \
            self.session.meter_start_wh is not None
        if not want_closed and may_supply and self.contactor_closed and self._lets_the_ev_stop(now):
            want_closed = True  # an EV told over its link ends its draw first (only the session let go)
        if want_closed != self.contactor_closed:
            self._set_contactor(want_closed, now)
        if self.cable_held_for is not None and not self.cable_a:
            self.cable_held_for = None  # the cable is gone from the socket: nothing left to hold
        locked = in_session or self.cable_held_for is not None or self.contactor_closed  # never live and free
        if lock is not None and locked != self._lock_wanted:
            # Commanded on change only: a real lock motor takes one pulse, not one per tick.
            self._lock_wanted, self._lock_commanded_at = locked, now
            lock.lock() if locked else lock.unlock()

    def _lets_the_ev_stop(self, now: float) -> bool:
        """Whether the contactor, no longer wanted by the session, stays closed a while longer for an EV
        still in C: basic charging has no way to tell the EV first, so never (IEC 61851-1 Table A.6)."""
        return False

    def _set_contactor(self, closed: bool, now: float) -> None:
        if closed:
            self.hal.contactor.close()
        else:
            self.hal.contactor.open()
        self.contactor_closed = closed
        self.safety.commanded(closed, now)

    def _report(self) -> None:
        if (self.state == charger.AVAILABLE and not self.contactor_closed and self.safety.feedback_closed
                and self.hal.contactor.feedback_closed()):  # read again only when it was closed this tick
            return  # until the aux contact shows the contactor open (or the weld trips): never Available
        self._publish_status()

    def _publish_status(self, reported: frozenset[str] = frozenset()) -> None:
        """`reported`: faults that only tell the operator (the fault matrix's "report" rows) beside the trips."""
        key = (self.state, tuple(sorted(self.trips | reported if reported else self.trips)))
        if key != self._reported:
            self._reported = key
            self.publish(StatusChanged(self.id, self.state, key[1]))

    # ---- session hooks (called by the machine) --------------------------
    def on_session_begin(self) -> None:
        self.session = Session(self.id, self.pending_id_tag or "", self.wall.now(), parent_id_tag=self.pending_parent,
                               started_mono=self.wall.monotonic())
        if self.reserved_for is not None and self.holds_for(self.session.id_tag, self.pending_parent):
            self.session.reservation_id = self.reserved_for.id  # used up: the manager drops it on SessionStarted
            self.reserved_for = None
        else:  # a reservation for any connector is used wherever its tag (or group) starts (H01, TC_H_24)
            used = next((r for r in self.anywhere if reserved_for(r, self.session.id_tag, self.pending_parent)), None)
            self.session.reservation_id = used.id if used is not None else None
        log.info("connector %s: session %s begins for %s", self.id, self.session.local_id, self.session.id_tag)
        self.publish(SessionStarted(self.session))

    def on_session_end(self, new_state: str) -> None:
        session, self.session = self.session, None
        self.holds -= SESSION_HOLDS  # they held that session only
        if session is None:
            return
        self.sessions_ended += 1
        # The end time is the start plus the monotonic duration: a clock set
        # from the CSMS meanwhile cannot make a session negative or too long.
        session.ended_at = session.started_at + timedelta(seconds=self.wall.monotonic() - session.started_mono)
        session.stop_reason = self.stop_reason
        if (self.stop_reason == StopReason.EV_DISCONNECTED and not self.unlock_on_ev_side_disconnect
                and self.cfg.cable != "tethered" and self.cable_a and self.hal.lock is not None):
            self.cable_held_for = session.id_tag
            log.info("connector %s: cable unplugged at the EV side; it stays locked until %s is presented",
                     self.id, session.id_tag)
        log.info("connector %s: session %s ends (%s)", self.id, session.local_id, self.stop_reason.value)
        self.publish(SessionEnded(session))

    def own_values(self) -> dict[str, tuple[float, str]]:
        """What this connector offers now, as OCPP measurands (firmware.station.Station.own_values)."""
        amps = self._offered_now()
        return {"Current.Offered": (amps, "A"), "Power.Offered": (amps * self.board.voltage_v * self.board.phases, "W")}

    def supply_rating_a(self) -> float:
        """What this connector may draw at most, in amps per phase of the supply (the load manager's unit)."""
        return self.cfg.max_current_a

    def safe_off(self) -> None:
        """Nothing flows: the control loop's last word when it stops or a tick raised."""
        self.hal.contactor.open()

    def renegotiate_schedule(self) -> bool:
        """An AC EV here follows the pilot's duty, which already carries a new limit: no digital
        schedule to renegotiate (an ISO 15118-2 AC connector is firmware.ac.hlc_connector)."""
        return False

    # ---- commands (control thread only) ---------------------------------
    def release_cable(self, id_tag: str) -> bool:
        """The held cable's driver presented the card: unlock it (True), else nothing happens."""
        if self.cable_held_for is None or self.cable_held_for.lower() != id_tag.lower():
            return False
        self.cable_held_for = None
        log.info("connector %s: cable released for %s", self.id, id_tag)
        return True

    def holds_for(self, id_tag: str, parent: str | None) -> bool:
        """True when no reservation holds this connector, or it is this tag's (or its group's)."""
        return self.reserved_for is None or reserved_for(self.reserved_for, id_tag, parent)

    def grant(self, id_tag: str, now: float, parent: str | None = None) -> bool:
        """Authorization given (card, remote start): fire the `authorize` trigger."""
        if not self.may_authorize() or not self.holds_for(id_tag, parent):
            return False
        self.pending_id_tag = id_tag
        self.pending_parent = parent
        self.authorized = True
        self.authorized_at = now
        fired = self.fire("authorize")
        if fired:
            self.publish(Authorized(self.id, id_tag, parent))
        return fired

    def can_start(self, id_tag: str | None = None, parent: str | None = None) -> bool:
        if self.reserved_for is not None and (id_tag is None or not self.holds_for(id_tag, parent)):
            return False
        return (self.state in (charger.AVAILABLE, FINISHING, charger.RESERVED)
                or (self.state == PREPARING and not self.authorized))

    def end_session(self, reason: StopReason) -> bool:
        if not self.may_stop():
            return False
        self.stop_reason = reason
        return self.fire("stop")

    def resume(self, session: Session, now: float) -> bool:
        """Take back a session interrupted by a restart (its transaction goes on)."""
        if not (self.plugged and self.can_start()):
            return False
        self.pending_id_tag = session.id_tag
        self.authorized = True
        self.authorized_at = now
        self.session = session
        self.machine.set_state(charger.SUSPENDED_EV)  # recovery: no begin hook, the transaction exists
        return True

    def set_meter_start(self, local_id: str, energy_wh: float) -> None:
        if self.session is not None and self.session.local_id == local_id:
            self.session.meter_start_wh = energy_wh


def reserved_for(r, id_tag: str, parent: str | None) -> bool:
    """Whether reservation `r` is this tag's, or its group's."""
    return r.id_tag == id_tag or (parent is not None and parent == r.parent_id_tag)
