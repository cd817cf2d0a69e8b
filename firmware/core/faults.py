"""The fault matrix: every fault the controller knows, what it does, how it ends.

One row per fault, most serious first (the first active one names the status).
`pilot` is what the CP oscillator shows while the fault is active: "F" is the
steady -12 V of IEC 61851-1 Table A.3 state F ("EVSE not available"), used when
the supply side is at fault; "x1" is the steady +12 V without PWM (no energy
offered), used when the EV side is at fault so that unplugging stays visible.
Every row opens the contactor in the tick that sees it, except those whose
`action` says "report": they only tell the operator.

Recovery, applied by `firmware.core.recovery.FaultLatch`:
  auto    ends as soon as the condition is gone (the condition carries its own
          hysteresis, e.g. over-temperature)
  unplug  stays until the EV is unplugged (CP state A): the fault belongs to
          that vehicle or cable
  retry   ends `retry_s` after the condition is gone; more than
          `retry_limit` trips within an hour latch it until reset
  reset   stays until the controller restarts (OCPP Reset, service restart,
          power cycle); a condition still present trips again at once

docs/hardware.md holds the same table for installers; a test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTO, UNPLUG, RETRY, RESET = "auto", "unplug", "retry", "reset"
PILOT_F, PILOT_X1 = "F", "x1"
TRIP, HOLD, REPORT = "trip", "hold", "report"


@dataclass(frozen=True)
class Fault:
    name: str
    detected_by: str
    action: str  # TRIP: contactor open, session ends; HOLD: 0 A offered; REPORT: status only
    pilot: str | None
    recovery: str


# fmt: off
FAULTS: tuple[Fault, ...] = (
    Fault("weld",                 "auxiliary contact still closed weld_detect_s after open",   TRIP,   PILOT_F,  RESET),
    Fault("contactor_stuck_open", "auxiliary contact still open close_detect_s after close",   TRIP,   PILOT_F,  RESET),
    Fault("power_fail",           "power-fail input (supply lost, running on hold-up)",        TRIP,   PILOT_F,  AUTO),
    Fault("rcd",                  "RCD/RCM trip input",                                        TRIP,   PILOT_F,  RETRY),
    Fault("estop",                "emergency-stop input",                                      TRIP,   PILOT_F,  AUTO),
    Fault("overtemp",             "temperature >= max_temperature_c (clears below it minus temp_hysteresis_c)",
                                                                                                TRIP,   PILOT_F,  AUTO),
    Fault("temp_sensor",          "temperature sensor unreadable or stale",                    TRIP,   PILOT_F,  AUTO),
    Fault("pilot_adc",            "pilot ADC does not answer",                                 TRIP,   PILOT_F,  AUTO),
    Fault("tick_stall",           "safety tick 3 periods late, seen by the tick guard thread",  TRIP,   PILOT_F,  AUTO),
    Fault("overcurrent",          "phase current > offer + 2 A (<= 20 A) or + 10 % for 5 s",   TRIP,   PILOT_X1, RETRY),
    Fault("over_voltage",         "a phase above voltage_v + over_voltage_pct",                TRIP,   PILOT_X1, AUTO),
    Fault("under_voltage",        "a phase below voltage_v - under_voltage_pct",               TRIP,   PILOT_X1, AUTO),
    Fault("diode",                "PWM low level above -11 V with an EV plugged",              TRIP,   PILOT_X1, UNPLUG),
    Fault("pilot_short",          "CP high level in state E for 60 ms",                        TRIP,   PILOT_X1, AUTO),
    Fault("pilot_invalid",        "CP high level between bands or F for 60 ms",                TRIP,   PILOT_X1, AUTO),
    Fault("pp_invalid",           "PP resistance outside every cable window",                  TRIP,   PILOT_X1, UNPLUG),
    Fault("lock_failure",         "lock feedback not locked lock_detect_s after lock",         TRIP,   PILOT_X1, UNPLUG),
    # DC connectors (firmware.dc.power_path): the output off and the DC contactors open in the tick
    Fault("isolation",            "insulation monitor alarm, or the cable check below 100 kOhm (IEC 61851-23 6.3.1.105)",
                                                                                                TRIP,   PILOT_X1, UNPLUG),
    Fault("power_module",         "a DC power module faulted, fell silent or missed the pre-charge voltage",
                                                                                                TRIP,   PILOT_X1, AUTO),
    Fault("ev_error",             "the EV reported an error (ISO 15118 / DIN 70121) or fell silent for 2 s",
                                                                                                TRIP,   PILOT_X1, UNPLUG),
    Fault("ev_comm",              "a plugged DC EV was not matched on the HomePlug link (SLAC failed, ISO 15118-3)",
                                                                                                REPORT, None,     AUTO),
    Fault("meter_offline",        "meter does not answer (offline_policy 'stop')",             HOLD,   None,     AUTO),
    Fault("meter_backwards",      "energy register went back",                                 REPORT, None,     RESET),
    Fault("meter_replaced",       "meter serial number changed",                               REPORT, None,     RESET),
    Fault("meter_signature",      "the signing meter refused or failed its signed transaction", REPORT, None,     AUTO),
    Fault("meter_clock",          "the signing meter's legal clock did not take the time",     REPORT, None,     AUTO),
    Fault("meter_key_changed",    "the signing meter's public key is not the one known",       REPORT, None,     RESET),
    Fault("reader",               "RFID reader does not answer",                               REPORT, None,     AUTO),
)
# fmt: on

BY_NAME = {f.name: f for f in FAULTS}
ORDER = {f.name: i for i, f in enumerate(FAULTS)}


def most_serious(names) -> str | None:
    present = [n for n in names if n in ORDER]
    return min(present, key=ORDER.__getitem__) if present else None


def drives_state_f(names) -> bool:
    return any(BY_NAME[n].pilot == PILOT_F for n in names if n in BY_NAME)
