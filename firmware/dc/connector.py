"""A DC (CCS) charging point in the charger model: the same session table, statuses, authorization,
transactions and limits as an AC connector, with a DC power path where the AC one has a contactor.

Each tick, in this order: sample the pilot (the plug: IEC 61851-23 keeps IEC 61851-1's states), let
the supervisor name the charger-wide trips (emergency stop, temperature, a stalled tick) and switch
the output off on any of them, move the power path on what the EV last said, then the session
table. The EV leads the power path over the digital link (DIN SPEC 70121 / ISO 15118-2); the model
leads the session: the EV is told it may charge only once the session's meter start is known, and
an operator's or a driver's stop ramps the output down and tells the EV to stop.
"""

from __future__ import annotations

import logging

from firmware.core import charger
from firmware.core.charger import CHARGING, SESSION_STATES
from firmware.core.connector import Connector
from firmware.core.faults import drives_state_f, most_serious
from firmware.core.iec61851.cp_events import REQUESTING
from firmware.core.iec61851.pilot import DUTY_DIGITAL, DUTY_NO_PWM, DUTY_STATE_F, CPState, diode_ok
from firmware.core.limits import LimitSource, temperature_limit
from firmware.core.safety import SafetySupervisor
from firmware.dc import norm
from firmware.dc.ev_side import EvLinkSide
from firmware.dc.power_path import CHARGING as PATH_CHARGING
from firmware.dc.power_path import FAULT, LIVE, DcPowerPath

log = logging.getLogger(__name__)

VOLTS_STEP_V = 10.0  # limits are worked out again when the output voltage moved this much


class _NoAcSide:
    """A DC connector has no AC contactor or RCD of its own for the AC supervisor to watch: the DC
    contactors, their welding and the insulation are the power path's (firmware.dc.power_path)."""

    def feedback_closed(self) -> bool:
        return False

    def active(self) -> bool:
        return False


class DcConnector(EvLinkSide, Connector):
    kind = "dc"

    def __init__(self, cfg, board, hal_conn, station_hal, temperature, publish, wall_clock, link,
                 reading=lambda: None):
        """`link`: the EV link's port (firmware.dc.ev_link.EvLinkPort): what the EV said, and where the
        path's state goes back to the EV."""
        self._link_side(link, cfg, board, "DC")
        super().__init__(cfg, board, hal_conn, station_hal, temperature, publish, wall_clock, reading=reading)
        self.path = DcPowerPath(cfg.id, hal_conn, limit_a=lambda now: self.offered_a,
                                ev_ready=lambda: self.cp in REQUESTING)
        self._stop_asked = False
        self._volts_seen = 0.0
        hal_conn.stack.off()

    def _supervisor(self, station_hal, temperature) -> SafetySupervisor:
        none = _NoAcSide()
        return SafetySupervisor(self.id, none, none, station_hal.estop, temperature, self.board,
                                power_fail=station_hal.power_fail)

    # ---- the tick -------------------------------------------------------
    def tick(self, now: float, stalled: bool = False) -> None:
        sample, own_state_f = self._sense_pilot()
        adc_failed = self._adc_error is not None
        elsewhere = frozenset({self.path.fault_kind}) if self.path.state == FAULT and self.path.fault_kind else \
            frozenset()
        self.trips = self.safety.check(
            self.cp, diode_ok(sample.low_v) if sample else True, False, now, own_state_f=own_state_f,
            adc_failed=adc_failed, unplugged=self.cp == CPState.A and not adc_failed, tick_stalled=stalled,
            seen_elsewhere=elsewhere)
        if self.trips - elsewhere and self.path.state in LIVE:
            worst = most_serious(self.trips - elsewhere)
            self.path.shut(f"{worst.replace('_', ' ')} on the charger", worst)
        elif not self.plugged and self.path.state in LIVE:
            self.path.shut("the cable was unplugged with the output live", "ev_error")
        self.ev = self._ev_now()
        self.path.tick(now, self.ev)
        if self.path.state == FAULT and self.path.fault_kind:
            self.trips |= {self.path.fault_kind}  # this tick already; the latch keeps it from the next
        self.contactor_closed = self.path.state in LIVE
        reading = self.reading()
        self._then(now, reading)
        self._present_contract()
        self._follow_session()
        self.link.tell(self._status_for_ev(reading))
        self.link.pilot(self.cp.value, self.duty == DUTY_DIGITAL)  # SLAC starts on B/C at 5 % (ISO 15118-3)
        self._schedule_events(now)

    def _step(self, now: float) -> None:
        """The session table moved by the plug and the power path, not by the pilot's B and C: a DC EV
        switches to C before its cable check and back to B after its power delivery stop."""
        if not self._step_station():
            return
        self.fire("ev_plugged" if self.plugged else "ev_unplugged")
        delivering = self.path.state == PATH_CHARGING
        if delivering and self.state == charger.SUSPENDED_EV:
            self.fire("ev_requests")
        elif not delivering and self.state in (CHARGING, charger.SUSPENDED_EVSE):
            self.fire("ev_pauses")
        else:
            self._step_offer(now)
        if self.state not in SESSION_STATES and self.path.may_stop():
            if not self._stop_asked:
                log.info("connector %s: the session ended with the output live: ramping down, the EV is told to stop",
                         self.id)
            self._stop_asked = True
            self.path.stop()
        elif self.state in SESSION_STATES or not self.plugged:
            self._stop_asked = False

    def _drive(self, now: float) -> None:
        """The pilot: 5 % while plugged and usable (the EV is to talk), no PWM otherwise; state F or
        no PWM on a trip as the fault matrix says. The output is the power path's."""
        usable = self.plugged and self.state not in (charger.FAULTED, charger.UNAVAILABLE)
        duty = DUTY_DIGITAL if usable else DUTY_NO_PWM
        if drives_state_f(self.trips):
            duty = DUTY_STATE_F
        if duty != self.duty:
            self.duty = duty
            self.hal.pilot.set_pwm(duty)

    def _report(self) -> None:
        """The DC contactors' welding is the power path's check; a plugged EV that SLAC could not match is
        reported (EVCommunicationError) while it stays so: the EV cannot reach the SECC, nothing trips."""
        unmatched = self.plugged and self.link.slac_state == "failed"
        self._publish_status(frozenset({"ev_comm"}) if unmatched else frozenset())

    # ---- what the EV is told --------------------------------------------
    def may_charge(self) -> bool:
        """The EV's Authorization answer: a session whose meter start is known, nothing held back."""
        return (self.state in SESSION_STATES and self.session is not None and self.session.meter_start_wh is not None
                and not self._stop_asked)

    def _status_for_ev(self, reading) -> dict:
        s = self.path.status()
        max_v, max_a, max_w = self.hal.stack.limits()
        return {"state": s["state"], "present_voltage_v": s["present_voltage_v"],
                "present_current_a": s["present_current_a"], "authorized": self.may_charge(),
                "isolation": "valid" if s["insulation_ohm"] else ("fault" if s["cable_check_failed"] else "none"),
                "max_voltage_v": max_v, "max_current_a": min(max_a, self.cfg.max_current_a, self.offered_a),
                "max_power_w": max_w, "fault": s["fault"], "stop": self._stop_asked, "contract": self.contract_status,
                "cp": self.cp.value,
                **self.rounds.status, **self._meter_for_ev(reading)}

    # ---- limits -----------------------------------------------------------
    def _update_offer(self) -> None:
        """DC amps the EV may have now. The schedule and the site share are amps per phase of the
        supply (what charging profiles and the load manager speak): the power they allow at the
        nominal voltage, delivered at the output's present voltage."""
        volts = self.path.reading.voltage_v if self.path.reading is not None else 0.0
        volts = max(volts, norm.SAFE_VOLTAGE_V)
        if abs(volts - self._volts_seen) >= VOLTS_STEP_V:
            self._volts_seen = volts
        temperature_a = temperature_limit(self.safety.temperature_c, self.board, self.cfg.max_current_a)
        inputs = (self.csms_limit_a, self.site_share_a, frozenset(self.holds), temperature_a, self.limit_details,
                  self._volts_seen)
        if inputs == self._limit_inputs:
            return
        self._limit_inputs = inputs
        sources = self._sources(self._volts_seen, temperature_a)
        self.offered_a = max(0.0, min(s.limit_a for s in sources))
        if [(s.source, round(s.limit_a)) for s in sources] != [(s.source, round(s.limit_a))
                                                               for s in self.limit_sources]:
            self._log_limits(sources)
        self.limit_sources = sources

    def _sources(self, volts: float, temperature_a: float | None) -> list[LimitSource]:
        supply_w = self.board.voltage_v * self.board.phases  # W per A per phase
        out = [LimitSource("board", self.cfg.max_current_a, "the DC cable's rating in the board config"),
               LimitSource("power_modules", self.hal.stack.limits()[1], "the power modules' rated current")]
        if self.csms_limit_a is not None:
            out.append(LimitSource("csms_schedule", self.csms_limit_a * supply_w / volts,
                                   f"{self.limit_details[0]}: {self.csms_limit_a:.0f} A per phase at {volts:.0f} V DC"))
        if self.site_share_a is not None:
            out.append(LimitSource(self.limit_details[2], self.site_share_a * supply_w / volts,
                                   f"{self.limit_details[1]}: {self.site_share_a:.0f} A per phase at {volts:.0f} V DC"))
        if self.holds:
            out.append(LimitSource("hold", 0.0, "held at 0 A: " + ", ".join(sorted(self.holds))))
        if temperature_a is not None:
            out.append(LimitSource("temperature", temperature_a, f"derating at {self.safety.temperature_c:.1f} °C"))
        return out

    def own_values(self) -> dict[str, tuple[float, str]]:
        volts = self.path.reading.voltage_v if self.path.reading is not None else 0.0
        amps = self.offered_a if self.path.state == PATH_CHARGING else 0.0
        out = {"Current.Offered": (amps, "A"), "Power.Offered": (amps * volts, "W")}
        if self.plugged and self.ev.soc_pct is not None:
            out["SoC"] = (self.ev.soc_pct, "Percent")
        return out

    def max_power_w(self) -> float:
        """What the modules and the cable deliver at most (W): the ceiling of an offered schedule."""
        max_v, max_a, max_w = self.hal.stack.limits()
        return min(max_w, max_v * min(max_a, self.cfg.max_current_a))

    def supply_rating_a(self) -> float:
        """The modules' rated power (or the cable's at their maximum voltage, if lower) in supply amps."""
        return self.max_power_w() / (self.board.voltage_v * self.board.phases)

    def safe_off(self) -> None:
        for act in (self.hal.stack.off, self.hal.contactor.open):
            try:
                act()
            except Exception:
                log.exception("connector %s: could not switch the DC output off", self.id)

    def dc_status(self) -> dict:
        """The DC side for the bench API and the page: the path, the EV's requests."""
        s, ev = self.path.status(), self.ev
        return {**s, "ev_stage": ev.stage, "ev_soc_pct": ev.soc_pct, "ev_target_voltage_v": ev.target_voltage_v,
                "ev_target_current_a": ev.target_current_a, "ev_max_voltage_v": ev.max_voltage_v,
                "ev_max_current_a": ev.max_current_a, "ev_error": ev.error, "offered_current_a": self.offered_a,
                "protocol": getattr(self.link, "protocol", None), "slac": self.link.slac_state,
                "control_mode": getattr(self.link, "control_mode", None)}

