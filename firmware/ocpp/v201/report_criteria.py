"""Which variables a GetReport asks for (OCPP 2.0.1 B08): component criteria and component/variable pairs.

A component/variable pair names a component (an instance and an EVSE or
connector only when given: left out, every one matches) and optionally a
variable (without it: all of the component's; an instance only when given).
A criterion (Active, Available, Enabled, Problem) keeps a component when it has
that variable and its value is true. With both, a variable must satisfy both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CRITERIA = ("Active", "Available", "Enabled", "Problem")


def select(rows: Iterable, value_of: Callable, criteria: list[str] | None, pairs: list[dict] | None) -> list:
    rows = list(rows)
    if criteria:
        rows = [r for r in rows if _component_key(r) in _components_meeting(rows, value_of, criteria)]
    if pairs:
        rows = [r for r in rows if any(matches(r, pair) for pair in pairs)]
    return rows


def _component_key(row) -> tuple:
    return (row.component, row.component_instance, row.evse, row.connector)


def _components_meeting(rows: list, value_of: Callable, criteria: list[str]) -> set[tuple]:
    return {_component_key(r) for r in rows if r.name in criteria and r.instance is None and value_of(r) == "true"}


def matches(row, pair: dict) -> bool:
    component, variable = pair.get("component") or {}, pair.get("variable")
    if row.component != component.get("name"):
        return False
    if component.get("instance") is not None and row.component_instance != component["instance"]:
        return False
    evse = component.get("evse")
    if evse is not None and (row.evse != evse.get("id") or (
            evse.get("connector_id") is not None and row.connector != evse["connector_id"])):
        return False
    if variable is None:
        return True
    return row.name == variable.get("name") and (variable.get("instance") is None
                                                 or row.instance == variable["instance"])
