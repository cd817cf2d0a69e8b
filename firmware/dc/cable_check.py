"""The cable check of IEC 61851-23:2023 CC.4.1, as a table of steps read top to bottom.

Each step starts with an action on the hardware and is done when its condition holds; a step that
is not done within its time, or whose check fails, fails the cable check with its words. The whole
check must end within norm.CABLE_CHECK_S (ISO 15118-2 V2G_SECC_CableCheck_Performance_Time).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

from firmware.dc import norm


@dataclass(frozen=True)
class CheckStep:
    name: str
    start: Callable  # (path) -> None
    done: Callable  # (path, reading) -> bool
    timeout_s: float
    verdict: Callable | None = None  # (path) -> None when fine, else why it failed


def _stack_off(p):
    p.hal.stack.off()


def _below_safe(p, r) -> bool:
    return r.voltage_v < norm.SAFE_VOLTAGE_V


def _close(p):
    p.hal.contactor.close()


def _closed(p, r) -> bool:
    return p.hal.contactor.feedback_closed()


def _test_voltage_on(p):
    p.hal.stack.set_output(p.test_voltage_v, norm.CABLE_CHECK_CURRENT_A)
    p.hal.stack.on()


def _at_test_voltage(p, r) -> bool:
    return r.voltage_v >= 0.95 * p.test_voltage_v


def _self_test(p):
    p.hal.isolation.self_test()


def _self_tested(p, r) -> bool:
    return p.hal.isolation.read().self_test is not None


def _self_test_verdict(p) -> str | None:
    return None if p.hal.isolation.read().self_test else "the insulation monitor failed its self test"


def _measure(p):
    p.hal.isolation.start(p.test_voltage_v)


def _measured(p, r) -> bool:
    return p.hal.isolation.read().resistance_ohm is not None


def _insulation_verdict(p) -> str | None:
    ohm = p.hal.isolation.read().resistance_ohm
    p.insulation_ohm = ohm
    if ohm < norm.ISOLATION_FAULT_OHM:
        return (f"insulation {ohm / 1000:.0f} kOhm at {p.test_voltage_v:.0f} V, below "
                f"{norm.ISOLATION_FAULT_OHM / 1000:.0f} kOhm (IEC 61851-23 6.3.1.105)")
    return None


# fmt: off
STEPS = [
    #          name                          start              done              time              verdict
    CheckStep("output below 60 V",           _stack_off,        _below_safe,      norm.RAMP_S),
    CheckStep("DC contactors closed",        _close,            _closed,          norm.CONTACTOR_S),
    CheckStep("output at the test voltage",  _test_voltage_on,  _at_test_voltage, norm.RAMP_S),
    CheckStep("insulation monitor self test", _self_test,       _self_tested,     norm.SELF_TEST_S, _self_test_verdict),
    CheckStep("insulation measured",         _measure,          _measured,        5.0,              _insulation_verdict),
    CheckStep("output back below 60 V",      _stack_off,        _below_safe,      norm.RAMP_S),
]
# fmt: on
