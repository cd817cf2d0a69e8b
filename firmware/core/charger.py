"""The charging session of one connector, declared as a table.

States are the OCPP-neutral phases of a session. Triggers come from the pilot
(via iec61851.cp_events), from authorization and from the operator. Guards are
model predicates. Read TRANSITIONS top to bottom like the state table of
IEC 61851-1 Annex A combined with the OCPP 1.6 status transition table (OCPP
1.6 section 4.9): each row is one allowed move, everything else is forbidden.
"""

from __future__ import annotations

from transitions import Machine

AVAILABLE = "available"  # no EV, no pending authorization (IEC state A)
PREPARING = "preparing"  # EV plugged waiting for auth, or auth waiting for plug
CHARGING = "charging"  # session, EV asks (C/D) and energy is offered: contactor closed
SUSPENDED_EV = "suspended_ev"  # session, PWM offered, EV does not ask (B2)
SUSPENDED_EVSE = "suspended_evse"  # session, EV asks but the EVSE offers < 6 A (C1)
FINISHING = "finishing"  # session ended, EV still plugged
FAULTED = "faulted"  # a safety trip is active
UNAVAILABLE = "unavailable"  # set inoperative by the operator
RESERVED = "reserved"  # held for one idTag (OCPP 1.6 ReserveNow) until it starts, expires or is cancelled

STATES = [AVAILABLE, PREPARING, CHARGING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING, FAULTED, UNAVAILABLE, RESERVED]
SESSION_STATES = frozenset({CHARGING, SUSPENDED_EV, SUSPENDED_EVSE})
IN_SESSION = [CHARGING, SUSPENDED_EV, SUSPENDED_EVSE]
NOT_FAULTED = [s for s in STATES if s != FAULTED]

# fmt: off
TRANSITIONS = [
    # trigger           source                      dest             guards
    # -- plug first (OCPP TC_003): A->B, then a card or a remote start
    {"trigger": "ev_plugged",   "source": AVAILABLE, "dest": PREPARING},
    {"trigger": "authorize",    "source": PREPARING, "dest": SUSPENDED_EV, "conditions": "is_plugged"},
    {"trigger": "ev_unplugged", "source": PREPARING, "dest": AVAILABLE,  "unless": "is_authorized"},
    # -- ident first (OCPP TC_004_1): a card, then the cable within ConnectionTimeOut
    {"trigger": "authorize",    "source": AVAILABLE, "dest": PREPARING},
    {"trigger": "ev_plugged",   "source": PREPARING, "dest": SUSPENDED_EV, "conditions": "is_authorized"},
    {"trigger": "auth_timeout", "source": PREPARING, "dest": AVAILABLE,  "conditions": "is_authorized",
     "unless": "is_plugged"},
    # -- reservations (OCPP 1.6 section 5.13): only the reserved tag starts here (the connector checks it)
    {"trigger": "reserve",      "source": AVAILABLE, "dest": RESERVED},
    {"trigger": "unreserve",    "source": RESERVED,  "dest": AVAILABLE},
    {"trigger": "authorize",    "source": RESERVED,  "dest": SUSPENDED_EV, "conditions": "is_plugged"},
    {"trigger": "authorize",    "source": RESERVED,  "dest": PREPARING},
    # -- in session: IEC 61851-1 B2 <-> C2, and C1 while the offer is under 6 A
    {"trigger": "ev_requests",  "source": SUSPENDED_EV, "dest": CHARGING,       "conditions": "can_offer"},
    {"trigger": "ev_requests",  "source": SUSPENDED_EV, "dest": SUSPENDED_EVSE, "unless": "can_offer"},
    {"trigger": "ev_pauses",    "source": [CHARGING, SUSPENDED_EVSE], "dest": SUSPENDED_EV},
    {"trigger": "limit_low",    "source": CHARGING,       "dest": SUSPENDED_EVSE},
    {"trigger": "limit_ok",     "source": SUSPENDED_EVSE, "dest": CHARGING, "conditions": "can_offer"},
    # -- ending: by the driver, the CSMS or a reset (EV still plugged), or by unplugging
    {"trigger": "stop",         "source": IN_SESSION, "dest": FINISHING},
    {"trigger": "authorize",    "source": FINISHING, "dest": SUSPENDED_EV, "conditions": "is_plugged"},
    {"trigger": "ev_unplugged", "source": IN_SESSION + [FINISHING], "dest": AVAILABLE},
    # -- faults: any state trips; recovery goes through Available (or Unavailable)
    {"trigger": "fault",        "source": NOT_FAULTED, "dest": FAULTED},
    {"trigger": "fault_cleared", "source": FAULTED, "dest": AVAILABLE,   "conditions": "is_operative"},
    {"trigger": "fault_cleared", "source": FAULTED, "dest": UNAVAILABLE, "unless": "is_operative"},
    # -- operator availability (OCPP ChangeAvailability; sessions first end: Scheduled)
    {"trigger": "disable",      "source": [AVAILABLE, PREPARING, FINISHING, RESERVED], "dest": UNAVAILABLE},
    {"trigger": "enable",       "source": UNAVAILABLE, "dest": AVAILABLE},
]
# fmt: on

TRIGGERS = sorted({t["trigger"] for t in TRANSITIONS})


class SessionModel:
    """Flags the guards read; a subclass reacts to entering and leaving a session."""

    def __init__(self) -> None:
        self.plugged = False
        self.authorized = False
        self.operative = True
        self.offer_ok = False
        self.machine = Machine(
            model=self,
            states=STATES,
            transitions=TRANSITIONS,
            initial=AVAILABLE,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            before_state_change="_remember_state",
            after_state_change="_state_changed",
        )
        self._previous_state = AVAILABLE

    # guards
    def is_plugged(self) -> bool:
        return self.plugged

    def is_authorized(self) -> bool:
        return self.authorized

    def is_operative(self) -> bool:
        return self.operative

    def can_offer(self) -> bool:
        return self.offer_ok

    def fire(self, trigger: str) -> bool:
        """Fire `trigger` if the table allows it now; False when it does not."""
        if not getattr(self, f"may_{trigger}")():
            return False
        return self.trigger(trigger)

    def _remember_state(self) -> None:
        self._previous_state = self.state

    def _state_changed(self) -> None:
        was, now = self._previous_state, self.state
        if was not in SESSION_STATES and now in SESSION_STATES:
            self.on_session_begin()
        elif was in SESSION_STATES and now not in SESSION_STATES:
            self.authorized = False
            self.on_session_end(now)
        if now in (AVAILABLE, FAULTED, UNAVAILABLE):
            self.authorized = False
        self.on_state_changed(was, now)

    # hooks for the connector
    def on_session_begin(self) -> None: ...

    def on_session_end(self, new_state: str) -> None: ...

    def on_state_changed(self, was: str, now: str) -> None: ...
