"""The DC power path of one CCS connector, declared as a table, driven by the safety tick.

The EV leads the sequence (DIN SPEC 70121 / ISO 15118-2: CableCheck, PreCharge, PowerDelivery,
CurrentDemand, PowerDelivery stop, WeldingDetection); the path follows it with the hardware and
answers with what the output really does. Every tick checks the trips first, in every state, and a
trip switches the modules off and opens the contactors in that same tick: safety never waits on the
EV, the CSMS or a bus. Read TRANSITIONS top to bottom like the sequence diagrams of IEC 61851-23
Annex CC.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from transitions import Machine

from firmware.dc import ev_link, norm
from firmware.dc.cable_check import STEPS
from firmware.dc.ev_link import EvRequest

log = logging.getLogger(__name__)

OFF = "off"  # output off, contactors open: nothing on the cable
CABLE_CHECK = "cable_check"  # IEC 61851-23 CC.4.1: contactors closed, test voltage, insulation measured
CABLE_OK = "cable_ok"  # checked, output back below 60 V, waiting for the EV's PreChargeReq
PRECHARGE = "precharge"  # output brought to the EV's battery voltage at no more than 2 A
CHARGING = "charging"  # the EV's contactors closed: current demand loop
STOPPING = "stopping"  # power delivery stop: current to zero, then modules off and contactors open
WELDING_CHECK = "welding_check"  # the contactors must read open and the cable fall below 60 V
DONE = "done"  # the session's power path ended cleanly
FAULT = "fault"  # a trip: output off, contactors open; `fault` says why

# The fault matrix's names (firmware.core.faults) for what trips the path.
MODULE, ISOLATION, EV_ERROR = "power_module", "isolation", "ev_error"
OVER_VOLTAGE, WELD, OPENED_UNDER_LOAD = "over_voltage", "weld", "contactor_stuck_open"

STATES = [OFF, CABLE_CHECK, CABLE_OK, PRECHARGE, CHARGING, STOPPING, WELDING_CHECK, DONE, FAULT]
LIVE = frozenset({CABLE_CHECK, CABLE_OK, PRECHARGE, CHARGING, STOPPING})  # the path may be energized
EV_LED = frozenset({PRECHARGE, CHARGING})  # the EV must keep talking
# IEC 61851-1 Table A.3, kept by IEC 61851-23: energy flows only in state C or D. A DC EV closes S2
# before its CableCheckReq (DIN SPEC 70121 / ISO 15118-2 / -20 DC sequences) and opens it after its
# power delivery stop; back in B before that, it ends the energy transfer, and the output ramps down.
NEEDS_C = frozenset({CABLE_CHECK, CABLE_OK, PRECHARGE, CHARGING})

# fmt: off
TRANSITIONS = [
    # trigger              source                                    dest           guards
    {"trigger": "check",    "source": OFF,                            "dest": CABLE_CHECK},
    {"trigger": "checked",  "source": CABLE_CHECK,                    "dest": CABLE_OK},
    {"trigger": "precharge", "source": CABLE_OK,                      "dest": PRECHARGE},
    {"trigger": "power_on", "source": PRECHARGE,                      "dest": CHARGING, "conditions": "precharged"},
    {"trigger": "stop",     "source": [CABLE_CHECK, CABLE_OK, PRECHARGE, CHARGING], "dest": STOPPING},
    {"trigger": "opened",   "source": STOPPING,                       "dest": WELDING_CHECK},
    {"trigger": "weld_free", "source": WELDING_CHECK,                 "dest": DONE},
    {"trigger": "trip",     "source": [s for s in STATES if s != FAULT], "dest": FAULT},
    {"trigger": "reset",    "source": [DONE, FAULT],                  "dest": OFF, "conditions": "clear"},
]
# fmt: on


def within_precharge(present_v: float, target_v: float) -> bool:
    """The output within the pre-charge tolerance of the EV's target, judged as the EV judges it: on the
    present voltage in whole volts, as the SECC tells it (an EV that saw 326 V against 346 V may ask for
    power while the path reads 325.6 V)."""
    return abs(round(present_v) - target_v) <= norm.PRECHARGE_TOLERANCE_V


class DcPowerPath:
    """`tick(now, ev)` on every safety tick; `status()` for the HLC answers, the bench and OCPP.

    `limit_a(now)` is every limit of the model in DC amps (site share, schedule, derating), given
    by whoever builds the path; the EV's request and the stack's own limits are applied here.
    `ev_ready()` says whether the pilot shows state C or D: the EV has closed S2 and may be energized."""

    def __init__(self, cid: int, hal, limit_a: Callable[[float], float], ev_ready: Callable[[], bool]):
        self.cid, self.hal, self.limit_a, self.ev_ready = cid, hal, limit_a, ev_ready
        self._asked_in_b: float | None = None  # when the EV asked for its cable check with its pilot in B
        self._told_late = False
        self.fault: str | None = None
        self.fault_kind: str | None = None  # the fault matrix's name for it (firmware.core.faults)
        self.test_voltage_v = 0.0
        self._ev_side_live = False  # pre-charge began this session: the EV's maximum voltage holds from then
        self._precharge_v = 0.0  # the EV's target in its last PreChargeReq (its battery's voltage)
        self.insulation_ohm: float | None = None
        self.cable_check_failed: str | None = None
        self.reading = None
        self._since = 0.0  # when the current state (or cable check step) began
        self._check_began = 0.0
        self._step = 0
        self._now = 0.0
        self._ev = EvRequest()
        self.machine = Machine(model=self, states=STATES, transitions=TRANSITIONS, initial=OFF,
                               auto_transitions=False, ignore_invalid_triggers=False,
                               after_state_change="_entered")

    # ---- guards -------------------------------------------------------------------------------
    def precharged(self) -> bool:
        """Against the voltage the EV asked to be pre-charged to: its first CurrentDemandReq, which may
        reach the path in the same tick as its PowerDeliveryReq, already targets its charging voltage."""
        return self.reading is not None and within_precharge(self.reading.voltage_v, self._precharge_v)

    def clear(self) -> bool:
        return self.reading is not None and not self.reading.faults and not self.hal.isolation_alarm.active() \
            and self.reading.voltage_v < norm.SAFE_VOLTAGE_V and not self.hal.contactor.feedback_closed()

    # ---- the tick -----------------------------------------------------------------------------
    def tick(self, now: float, ev: EvRequest) -> None:
        self._now, self._ev = now, ev
        try:
            self.reading = self.hal.stack.read()
        except Exception as exc:  # a driver that cannot read is a trip, never a crash
            self.reading = None
            self._trip(f"the power modules cannot be read: {exc}", MODULE)
            return
        if self.state != FAULT and (found := self._trip_reason(now, ev)):
            self._check_failed(*found) if self.state == CABLE_CHECK else self._trip(*found)
            return
        if self.state in NEEDS_C and not self.ev_ready():
            log.info("connector %s: the EV switched back to state B in %s: ramping the output down", self.cid,
                     self.state.replace("_", " "))
            return self.stop()
        try:
            getattr(self, f"_in_{self.state}")(now, ev)
        except Exception as exc:  # a command the hardware refused (a bus down): off, never a crash
            log.exception("connector %s: DC hardware command failed in %s", self.cid, self.state)
            why = f"a hardware command failed: {exc}"
            self._check_failed(why, MODULE) if self.state == CABLE_CHECK else self._trip(why, MODULE)

    def _trip_reason(self, now: float, ev: EvRequest) -> tuple[str, str] | None:
        """(why, the fault matrix's name) of the first trip found, or None."""
        r = self.reading
        if r.faults:
            return "power module fault: " + ", ".join(sorted(r.faults)), MODULE
        if self.state not in LIVE:
            return None
        if now - r.taken_at > norm.STALE_READING_S:
            return f"no fresh reading from the power modules for {now - r.taken_at:.1f} s", MODULE
        if self.hal.isolation_alarm.active():
            ohm = self.hal.isolation.read().resistance_ohm
            return ("insulation fault: the insulation monitor's alarm" + (f" ({ohm / 1000:.0f} kOhm)" if ohm else ""),
                    ISOLATION)
        max_v = self._allowed_voltage(ev)
        if r.voltage_v > max_v + norm.OVER_VOLTAGE_MARGIN_V:
            return f"over-voltage: {r.voltage_v:.0f} V on the output, the limit is {max_v:.0f} V", OVER_VOLTAGE
        if ev.error:
            return f"the EV reports an error: {ev.error}", EV_ERROR
        if self.state in EV_LED and (ev.heard_at is None or now - ev.heard_at > norm.EV_SILENCE_S):
            return f"the EV has been silent for more than {norm.EV_SILENCE_S:.0f} s", EV_ERROR
        if self.state == CHARGING and not self.hal.contactor.feedback_closed():
            return "the DC contactors opened under load (auxiliary contact)", OPENED_UNDER_LOAD
        return None

    def shut(self, why: str, kind: str) -> None:
        """A trip the connector saw (the emergency stop, over-temperature): output off now."""
        self._trip(why, kind)

    def _trip(self, why: str, kind: str) -> None:
        """Output off and contactors open first, each whatever the other did; then the state."""
        for what, act in (("switch the modules off", self.hal.stack.off), ("open the DC contactors",
                                                                            self.hal.contactor.open),
                          ("stop the insulation monitor", self.hal.isolation.stop)):
            try:
                act()
            except Exception:
                log.exception("connector %s: could not %s while tripping", self.cid, what)
        if self.state != FAULT:
            self.fault, self.fault_kind = why, kind
            log.error("connector %s: DC output off, contactors open: %s", self.cid, why)
            self.trip()

    # ---- states -------------------------------------------------------------------------------
    def _in_off(self, now, ev):
        if ev.stage == ev_link.CABLE_CHECK and not self.ev_ready():  # its CableCheckReq is answered Ongoing
            self._asked_in_b = self._asked_in_b or now
            if now - self._asked_in_b >= norm.STATE_C_LATE_S and not self._told_late:
                self._told_late = True
                log.warning("connector %s: the EV asks for its cable check but its pilot stays in state B: no "
                            "voltage on the cable until it switches to C", self.cid)
            return
        self._asked_in_b, self._told_late = None, False
        if ev.stage == ev_link.CABLE_CHECK:
            evse_max = self.hal.stack.limits()[0]
            self.test_voltage_v = norm.cable_check_voltage(ev.max_voltage_v or 500.0, evse_max)
            self.cable_check_failed, self.insulation_ohm = None, None
            self._check_began = now
            self.check()

    def _in_cable_check(self, now, ev):
        if ev.stage == ev_link.ENDED:
            return self.stop()
        step = STEPS[self._step]
        if now - self._check_began > norm.CABLE_CHECK_S:
            return self._check_failed(f"the cable check took longer than {norm.CABLE_CHECK_S:.0f} s", ISOLATION)
        if not step.done(self, self.reading):
            if now - self._since > step.timeout_s:
                self._check_failed(f"{step.name}: not within {step.timeout_s:.0f} s", ISOLATION)
            return
        if step.verdict is not None and (why := step.verdict(self)):
            return self._check_failed(why, ISOLATION)
        self._step += 1
        if self._step == len(STEPS):
            log.info("connector %s: cable check passed at %.0f V (insulation %.0f kOhm)", self.cid,
                     self.test_voltage_v, (self.insulation_ohm or 0) / 1000)
            return self.checked()
        self._since = now
        STEPS[self._step].start(self)

    def _check_failed(self, why: str, kind: str) -> None:
        self.cable_check_failed = why
        self._trip(f"cable check failed: {why}", kind)

    def _in_cable_ok(self, now, ev):
        if ev.stage == ev_link.PRECHARGE:
            self._precharge_v = ev.target_voltage_v
            self.precharge()
        elif ev.stage == ev_link.ENDED:
            self.stop()

    def _in_precharge(self, now, ev):
        if ev.stage in (ev_link.POWER_ON, ev_link.CURRENT_DEMAND):
            if not self.precharged():
                return self._trip(f"the EV asked for power at {self.reading.voltage_v:.0f} V before pre-charge "
                                  f"reached {self._precharge_v:.0f} V", EV_ERROR)
            return self.power_on()
        if ev.stage in (ev_link.POWER_OFF, ev_link.ENDED):
            return self.stop()
        if now - self._since > norm.PRECHARGE_S:
            return self._trip(f"pre-charge did not reach {ev.target_voltage_v:.0f} V within "
                              f"{norm.PRECHARGE_S:.0f} s", MODULE)
        self._precharge_v = ev.target_voltage_v
        self.hal.stack.set_output(self._capped_voltage(ev.target_voltage_v),
                                  min(ev.target_current_a, norm.PRECHARGE_CURRENT_A))

    def _in_charging(self, now, ev):
        """A renegotiation (ISO 15118-2) keeps the power on: the EV's last target holds, within every
        limit of the model, until its next CurrentDemandReq; its requests keep the silence watch fed."""
        if ev.stage in (ev_link.POWER_OFF, ev_link.WELDING, ev_link.ENDED):
            return self.stop()
        self.hal.stack.set_output(self._capped_voltage(ev.target_voltage_v), self.offered_a(now, ev))

    def _in_stopping(self, now, ev):
        if self.reading.current_a < norm.STOP_CURRENT_A or now - self._since > norm.STOP_S:
            self.hal.stack.off()
            self.hal.contactor.open()
            self.hal.isolation.stop()
            self.opened()

    def _in_welding_check(self, now, ev):
        if not self.hal.contactor.feedback_closed() and self.reading.voltage_v < norm.SAFE_VOLTAGE_V:
            return self.weld_free()
        if now - self._since > norm.WELD_CHECK_S:
            seen = "closed" if self.hal.contactor.feedback_closed() else f"{self.reading.voltage_v:.0f} V"
            self._trip(f"a DC contactor is welded: commanded open, the output shows {seen}", WELD)

    def _in_done(self, now, ev):
        if ev.stage in (ev_link.NONE, ev_link.ENDED):
            self.reset()

    def _in_fault(self, now, ev):
        if ev.stage in (ev_link.NONE, ev_link.ENDED) and self.may_reset() and self.reset():
            log.info("connector %s: DC fault cleared (%s)", self.cid, self.fault)
            self.fault = self.fault_kind = None

    def _allowed_voltage(self, ev: EvRequest) -> float:
        """The cable check may go above the EV's maximum (its contactors are open, CC.4.1.4), and so may
        the ramp down of a session stopped before pre-charge; once the EV can be connected (pre-charge
        on), its maximum is the limit."""
        if self.state in (CABLE_CHECK, CABLE_OK) or (self.state == STOPPING and not self._ev_side_live):
            return self.test_voltage_v
        return min(ev.max_voltage_v or float("inf"), self.hal.stack.limits()[0])

    # ---- what is offered ----------------------------------------------------------------------
    def _capped_voltage(self, target_v: float) -> float:
        return min(target_v, self._ev.max_voltage_v or float("inf"), self.hal.stack.limits()[0])

    def offered_a(self, now: float, ev: EvRequest) -> float:
        """The current the stack may deliver now: the least of the EV's request, the EV's and the
        stack's maximum, the stack's power at this voltage and every limit of the model."""
        max_v, max_a, max_w = self.hal.stack.limits()
        volts = max(self.reading.voltage_v if self.reading else 0.0, 1.0)
        return max(0.0, min(ev.target_current_a, ev.max_current_a or float("inf"), max_a, max_w / volts,
                            self.limit_a(now)))

    def _entered(self) -> None:
        self._since = self._now
        if self.state == CABLE_CHECK:
            self._step, self._ev_side_live = 0, False
            STEPS[0].start(self)
        elif self.state == PRECHARGE:
            self._ev_side_live = True
            self.hal.stack.set_output(self._capped_voltage(self._ev.target_voltage_v),
                                      min(self._ev.target_current_a, norm.PRECHARGE_CURRENT_A))
            self.hal.stack.on()
        elif self.state == STOPPING:
            self.hal.stack.set_output(self.reading.voltage_v if self.reading else 0.0, 0.0)
        log.info("connector %s: DC power path %s", self.cid, self.state.replace("_", " "))

    def status(self) -> dict:
        r = self.reading
        return {"state": self.state, "fault": self.fault, "present_voltage_v": round(r.voltage_v, 1) if r else 0.0,
                "present_current_a": round(r.current_a, 1) if r else 0.0, "insulation_ohm": self.insulation_ohm,
                "cable_check_failed": self.cable_check_failed, "test_voltage_v": self.test_voltage_v}
