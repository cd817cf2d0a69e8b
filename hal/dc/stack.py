"""Several power modules in parallel on one DC bus, seen as one PowerModule.

Each module regulates the same voltage and carries an equal share of the current, as module makers
ask of parallel operation. The stack's reading is the worst case of its modules for safety: the
highest voltage (an over-voltage in one is an over-voltage of the bus), the sum of the currents, the
hottest temperature, every fault (named with the module's place in the stack) and the stalest
sample time. A fault in one module is a fault of the stack: the power path stops, it does not carry
on with less.
"""

from __future__ import annotations

from hal.interfaces import PowerModule
from hal.types import ModuleReading


class ModuleStack:
    def __init__(self, modules: list[PowerModule]):
        if not modules:
            raise ValueError("a module stack needs at least one module")
        self.modules = list(modules)

    def set_output(self, voltage_v: float, current_a: float) -> None:
        share = current_a / len(self.modules)
        for m in self.modules:
            m.set_output(voltage_v, share)

    def on(self) -> None:
        for m in self.modules:
            m.on()

    def off(self) -> None:
        """Every module is told, even when one of them raises: off must reach all of them."""
        errors = []
        for m in self.modules:
            try:
                m.off()
            except Exception as exc:  # one broken driver must not keep the others on
                errors.append(exc)
        if errors:
            raise errors[0]

    def read(self) -> ModuleReading:
        rs = [m.read() for m in self.modules]
        temps = [r.temperature_c for r in rs if r.temperature_c is not None]
        return ModuleReading(
            voltage_v=max(r.voltage_v for r in rs),
            current_a=sum(r.current_a for r in rs),
            temperature_c=max(temps) if temps else None,
            on=any(r.on for r in rs),
            faults=frozenset(f"module {i + 1}: {f}" for i, r in enumerate(rs) for f in r.faults),
            taken_at=min(r.taken_at for r in rs),
        )

    def limits(self) -> tuple[float, float, float]:
        each = [m.limits() for m in self.modules]
        return min(v for v, _, _ in each), sum(i for _, i, _ in each), sum(p for _, _, p in each)
