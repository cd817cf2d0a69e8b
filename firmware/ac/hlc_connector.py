"""An AC connector with a HomePlug Green PHY modem on its pilot: ISO 15118-2 AC charging.

The session table, the safety tick, the contactor rule and every limit are the basic AC connector's
(firmware.core.connector); what changes is how the offer reaches the EV. The pilot shows 5 % while an
EV is plugged here and the connector may serve it (IEC 61851-1 Annex A.2.3, ISO 15118-3: digital
communication required), and the offer goes over the digital link instead: EVSEMaxCurrent in the
EV's ChargeParameterDiscoveryRes and in every ChargingStatusRes (hlc.secc_ac). The EV switches to
state C after its PowerDeliveryReq Start; the contactor then closes as in basic charging, and the
over-current supervision judges the EV against the offer it was told.

An EV that never matches (SLAC failed: its modem is silent, or it has none) falls back to basic
charging for that plug-in, as ISO 15118-3 has it: state F for T_step_EF, then the nominal duty
carrying the offer, until it is unplugged.

The EV authorizes in the link (External Identification: a card or a remote start; Plug & Charge: its
contract, firmware.dc.ev_side) and its schedule rounds go to the CSMS as on DC (OCPP 2.0.1 K15-K17).
"""

from __future__ import annotations

import logging

from firmware.core import charger
from firmware.core.charger import SESSION_STATES
from firmware.core.connector import Connector
from firmware.core.iec61851.pilot import DUTY_DIGITAL, DUTY_NO_PWM, DUTY_STATE_F
from firmware.core.safety import RCD
from firmware.dc import ev_link
from firmware.dc.ev_side import EvLinkSide

log = logging.getLogger(__name__)

# Where the EV may be plugged in and talking: before its authorization, in a session, after it.
SERVED = SESSION_STATES | {charger.PREPARING, charger.FINISHING}
CHARGING_LOOP = (ev_link.CHARGING_STATUS, ev_link.RENEGOTIATE)
# ISO 15118-3 (the fallback from 5 % to a nominal duty once matching had begun): the EVSE shows state E
# or F for T_step_EF, at least 4 s, so that the EV reads the new duty as a new start.
T_STEP_EF_S = 4.0
# Ours: a session ended by the charger (an operator's stop, a card, the offer down to nothing) while the
# EV draws: told to stop (EVSENotification StopCharging) or given 0 A in its next ChargingStatusRes, the
# EV ends its power delivery and leaves state C, then the contactor opens without breaking the current.
# Its loop asks about once a second; within the 5 s IEC 61851-1 Table A.6 gives an EV to follow a lower
# offer, so the supervisor's over-current check never races it. Past it, the contactor opens anyway.
EV_STOP_WAIT_S = 3.0


class HlcAcConnector(EvLinkSide, Connector):
    def __init__(self, cfg, board, hal_conn, station_hal, temperature, publish, wall_clock, link,
                 reading=lambda: None):
        """`link`: the EV link's port (firmware.dc.ev_link.EvLinkPort)."""
        self._link_side(link, cfg, board, "AC_three_phase" if board.phases == 3 else "AC_single_phase")
        super().__init__(cfg, board, hal_conn, station_hal, temperature, publish, wall_clock, reading=reading)
        self.basic_since: float | None = None  # this plug-in fell back to basic charging then (SLAC failed)
        self._now = 0.0
        self._stop_since: float | None = None  # the contactor waits for the EV to end its draw since then

    def tick(self, now: float, stalled: bool = False) -> None:
        self._now = now
        if not self.plugged:
            self.basic_since = None
        elif self.basic_since is None and self.link.slac_state == "failed":
            self.basic_since = now
            log.warning("connector %s: the EV did not match over the pilot (SLAC); falling back to basic charging "
                        "(state F for %.0f s, then the duty carries the offer)", self.id, T_STEP_EF_S)
        super().tick(now, stalled)  # the contactor first, as on every AC connector
        if not self.contactor_closed:
            self._stop_since = None
        self.ev = self._ev_now()
        self._present_contract()
        self._follow_session()
        self.link.tell(self._status_for_ev(self.reading()))
        self.link.pilot(self.cp.value, self.duty == DUTY_DIGITAL)  # SLAC starts on B/C at 5 % (ISO 15118-3)
        self._schedule_events(now)

    def _duty(self, in_session: bool) -> float:
        """5 % from plug-in to unplug while the connector serves the EV; no PWM when it cannot
        (unavailable, reserved for another, faulted: state F stays the fault matrix's). After a failed
        SLAC: state F for T_step_EF, then basic charging's duty."""
        if self.basic_since is not None:
            return DUTY_STATE_F if self._now - self.basic_since < T_STEP_EF_S else super()._duty(in_session)
        return DUTY_DIGITAL if self.plugged and self.state in SERVED else DUTY_NO_PWM

    def _lets_the_ev_stop(self, now: float) -> bool:
        """At 5 % the EV hears the stop over its link: the contactor waits EV_STOP_WAIT_S for it to leave C."""
        if self.duty != DUTY_DIGITAL:
            return False
        if self._stop_since is None:
            self._stop_since = now
            reading = self.reading()
            draw = max(reading.currents_a, default=0.0) if reading is not None else 0.0
            log.info("connector %s: the session no longer wants the contactor while the EV is in state C (%.1f A): "
                     "it is told to stop and has %.0f s to end its power delivery", self.id, draw, EV_STOP_WAIT_S)
        return now - self._stop_since < EV_STOP_WAIT_S

    def _offered_now(self) -> float:
        """At 5 % the EV was told the offer over the link, and is held to it."""
        if self.duty != DUTY_DIGITAL:
            return super()._offered_now()
        return self.offered_a if self.offer_ok else 0.0

    # ---- what the EV is told --------------------------------------------
    def may_charge(self) -> bool:
        """The EV's Authorization answer: a session whose meter start is known."""
        return self.state in SESSION_STATES and self.session is not None and self.session.meter_start_wh is not None

    def _status_for_ev(self, reading) -> dict:
        stop = self.plugged and self.state not in SESSION_STATES and self.ev.stage in CHARGING_LOOP
        return {"state": "fault" if self.trips else "charging" if self.contactor_closed else "off",
                "cp": self.cp.value, "authorized": self.may_charge(), "rcd": RCD in self.trips,
                "max_current_a": self.offered_a if self.offer_ok else 0.0, "nominal_voltage_v": self.board.voltage_v,
                "max_power_w": self.max_power_w(), "stop": stop, "contract": self.contract_status,
                **self.rounds.status, **self._meter_for_ev(reading)}

    def max_power_w(self) -> float:
        """The ceiling of an offered schedule: the circuit's rating on every phase at the nominal voltage."""
        return self.cfg.max_current_a * self.board.voltage_v * self.board.phases

    def hlc_status(self) -> dict:
        """The digital link's side for the bench API and the page."""
        ev = self.ev
        return {"ev_stage": ev.stage, "ev_max_current_a": ev.max_current_a, "ev_min_current_a": ev.min_current_a,
                "ev_energy_request_wh": ev.energy_request_wh, "offered_current_a": self._offered_now(),
                "protocol": getattr(self.link, "protocol", None), "slac": self.link.slac_state,
                "basic": self.basic_since is not None}
