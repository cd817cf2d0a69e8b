"""What an installer should do about each fault, in words, from the fault matrix's recovery rule.

The recovery sentence comes from `firmware.core.faults` (one source of truth
for how a fault ends); the advice says what to look at on site.
"""

from __future__ import annotations

from firmware.core.faults import AUTO, BY_NAME, RESET, RETRY, UNPLUG

ADVICE = {
    "weld": "A contactor stayed closed after it was told to open. Switch the charger off at its breaker and have "
            "the contactor replaced.",
    "contactor_stuck_open": "A contactor did not close. Check its coil wiring, its supply and its auxiliary contact.",
    "power_fail": "The mains supply is gone. Check the breaker and the supply cable.",
    "rcd": "The residual-current device tripped. Check the vehicle and the cable for damage before charging again.",
    "estop": "The emergency stop is pressed. Release it once the site is safe.",
    "overtemp": "The charger is too hot. Check its ventilation, shade and the terminal screws.",
    "temp_sensor": "The temperature sensor does not answer. Check its wiring.",
    "pilot_adc": "The control-pilot converter does not answer. Check the interface board and its cable.",
    "tick_stall": "The safety loop ran late. If this repeats, the board is overloaded: look at the log.",
    "overcurrent": "The vehicle drew more than it was offered. It may be faulty; try another vehicle.",
    "over_voltage": "The supply voltage is too high. Have the supply checked.",
    "under_voltage": "The supply voltage is too low. Check the supply cable and the connections.",
    "diode": "The vehicle's pilot diode is missing or the cable is damaged. Unplug and check the cable.",
    "pilot_short": "The control-pilot line is shorted. Check the cable and the socket.",
    "pilot_invalid": "The control-pilot signal is out of range. Check the cable and the socket.",
    "pp_invalid": "The charging cable's coding resistor is not recognised. Try another cable.",
    "lock_failure": "The socket's lock did not close. Check the lock motor and remove anything stuck in the socket.",
    "isolation": "The DC cable's insulation measured too low. Take the charger out of service and have the cable and "
                 "the connector checked before the next vehicle.",
    "power_module": "A DC power module reported a fault or stopped answering. Check its CAN wiring and its supply; "
                    "the module's own display or log names the fault.",
    "ev_error": "The vehicle reported an error or stopped talking during DC charging. Unplug it; if another vehicle "
                "charges, the fault was the vehicle's.",
    "ev_comm": "The vehicle's modem and the charger's did not pair (SLAC). Unplug and plug in again; if no vehicle "
               "pairs, check the charger's HomePlug modem and its evse-slac service.",
    "meter_offline": "The energy meter does not answer. Check its RS-485 wiring, address and supply.",
    "meter_backwards": "The energy meter's counter went back. Check that the meter was not swapped or reset.",
    "meter_replaced": "The energy meter's serial number changed. Confirm the meter swap with the operator.",
    "meter_signature": "The calibrated meter did not sign the session's readings. Check its wiring and its display; "
                       "until it signs again, sessions have no signed record for billing.",
    "meter_clock": "The calibrated meter's legal clock did not take the time. Check the charger's own clock (NTP) "
                   "and the meter's settings.",
    "meter_key_changed": "The calibrated meter signs with a new key. If the meter was swapped, register the new key "
                         "with the operator (it is in MeterPublicKey / the page); otherwise have the meter checked.",
    "reader": "The card reader does not answer. Check its cable.",
}

RECOVERY = {
    AUTO: "It clears by itself once the cause is gone.",
    UNPLUG: "It clears when the vehicle is unplugged.",
    RETRY: "The charger tries again a while after the cause is gone; after repeated trips it waits for a reset.",
    RESET: "It stays until the charger is restarted (a reset from the CSMS or this page's restart).",
}


def remedy(name: str) -> dict:
    fault = BY_NAME.get(name)
    advice = ADVICE.get(name, "See the log for details.")
    recovery = RECOVERY.get(fault.recovery, "") if fault else ""
    return {"fault": name, "what_to_do": advice, "how_it_ends": recovery,
            "detected_by": fault.detected_by if fault else None}
