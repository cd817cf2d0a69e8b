"""The numbers the DC power path keeps, each with where it comes from."""

# IEC 61851-23:2023 CC.4.1.2: the output is below 60 V before the cable check begins and before
# it is reported finished; also what "no voltage on the cable" means after a stop.
SAFE_VOLTAGE_V = 60.0
# IEC 61851-23:2023 6.3.1.105 and CC.4.1.4: an insulation resistance below 100 kOhm is a fault (the
# 2014 edition's Ohm-per-volt warning band was removed in 2023).
ISOLATION_FAULT_OHM = 100e3
# The current limit while the cable check holds the test voltage: low enough that a short in the
# cable meets IEC 61851-23:2023 CC.7.6.20.7 (under 5 A within 1 s) whatever the module's ramp.
CABLE_CHECK_CURRENT_A = 2.0
# Our setting: a car switches to state C as it sends its CableCheckReq; still in B after this long, the
# log says why its cable check does not begin (it may wait for C until it gives up).
STATE_C_LATE_S = 1.0
# ISO 15118-2 V2G_SECC_CableCheck_Performance_Time: the whole cable check, else it failed.
CABLE_CHECK_S = 38.0
# How long the insulation monitor may take for its self test (module makers give 10 to 20 s).
SELF_TEST_S = 30.0
# How long the DC contactors' auxiliary contacts may take to follow a command.
CONTACTOR_S = 5.0
# How long the output may take to reach the cable check voltage, or fall below SAFE_VOLTAGE_V.
RAMP_S = 10.0
# ISO 15118-2 V2G_EVCC_PreCharge_Timeout: the EV gives up pre-charge after 7 s.
PRECHARGE_S = 7.0
# DIN SPEC 70121 / ISO 15118-2 PreChargeReq: the pre-charge current is at most 2 A.
PRECHARGE_CURRENT_A = 2.0
# The EV closes its own contactors once the output is within this of its battery voltage.
PRECHARGE_TOLERANCE_V = 20.0
# Our setting: the EV sends CurrentDemandReq about every 250 ms; 2 s without one while the output
# is live is a lost link, and the output goes off.
EV_SILENCE_S = 2.0
# Our setting: after a stop the current must have fallen under 5 A within 1 s (the power delivery
# stop of IEC 61851-23), else the contactors open under load rather than wait longer.
STOP_CURRENT_A = 5.0
STOP_S = 1.0
# Our setting: with the output off and the contactors open, the cable side must fall below
# SAFE_VOLTAGE_V within 3 s once the EV has opened its own; otherwise a DC contactor is welded.
WELD_CHECK_S = 3.0
# Our margin above the EV's maximum voltage (its battery's limit) before the output trips.
OVER_VOLTAGE_MARGIN_V = 10.0
# A module sample older than this is no reading: the output goes off rather than fly blind.
STALE_READING_S = 1.0


def cable_check_voltage(ev_max_v: float, evse_max_v: float) -> float:
    """IEC 61851-23:2023 CC.4.1.4: the test voltage from the EV's maximum voltage (up to 500 V: 50 V
    above it; above 500 V: 110 % of it), never above what the charger can give."""
    wanted = ev_max_v + 50.0 if ev_max_v <= 500.0 else 1.1 * ev_max_v
    return min(wanted, evse_max_v)
