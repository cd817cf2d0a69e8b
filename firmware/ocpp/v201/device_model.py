"""The OCPP 2.0.1 device model: GetVariables, SetVariables and the reports (B05-B07).

Values the CSMS sets persist in SQLite (a row per variable, written in one
transaction per SetVariables item); what the controller itself knows (the clock,
availability) comes from `live` providers, never stored. Only the Actual
attribute exists here: asking for Target, MinSet or MaxSet answers
NotSupportedAttributeType, as the specification allows for a variable without them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from firmware.clock import parse_utc
from firmware.ocpp.v201.report_criteria import select
from firmware.ocpp.v201.variables import RO, RW, WO, Variable, component_json, station_variables, variable_json

SCHEMA = "CREATE TABLE IF NOT EXISTS device_model (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
INTEGER = re.compile(r"-?[0-9]{1,12}")
VALUE_MAX = 1000  # SetVariableData.attributeValue is at most 1000 characters
SUMMARY = ("AvailabilityState", "Available", "Problem")


class DeviceModel:
    def __init__(self, store, board, live: dict[tuple[str, str], Callable[[Variable], str]] | None = None):
        """`live`: (component, variable) -> a provider of the value the controller knows right now."""
        self._store = store
        self._db = store.db
        store.ensure(SCHEMA)
        self.variables: dict[tuple, Variable] = {v.key: v for v in station_variables(board)}
        self.live = live or {}
        self.listeners: list[Callable[[Variable, str], None]] = []
        # (component, variable) -> a check beyond the row's type, owned by the service behind it
        self.validators: dict[tuple[str, str], Callable[[str], bool]] = {}

    # ---- lookup ----------------------------------------------------------
    def find(self, component: dict, variable: dict) -> tuple[str, Variable | None]:
        """('Accepted', row), or the status that says what is not known."""
        evse = component.get("evse") or {}
        wanted = (component.get("name"), component.get("instance"), evse.get("id"), evse.get("connector_id"))
        rows = [v for v in self.variables.values() if v.key[:4] == wanted]
        if not rows:
            return "UnknownComponent", None
        match = next((v for v in rows if (v.name, v.instance) == (variable.get("name"), variable.get("instance"))),
                     None)
        return ("Accepted", match) if match else ("UnknownVariable", None)

    def value(self, row: Variable) -> str:
        live = self.live.get((row.component, row.name))
        if live is not None:
            return live(row)
        stored = self._db.execute("SELECT value FROM device_model WHERE key = ?", (_key(row),)).fetchone()
        return row.default if stored is None else stored[0]

    def read(self, component: str, name: str, instance: str | None = None, evse: int | None = None) -> str:
        """The value of a variable we define ourselves (for the policy and the adapter)."""
        return self.value(self.variables[(component, None, evse, None, name, instance)])

    # ---- GetVariables / SetVariables --------------------------------------
    def get(self, component: dict, variable: dict, attribute: str = "Actual") -> tuple[str, str | None]:
        status, row = self.find(component, variable)
        if row is None:
            return status, None
        if attribute != "Actual":
            return "NotSupportedAttributeType", None
        if row.mutability == WO:
            return "Rejected", None  # write-only (a password): never read back
        return "Accepted", self.value(row)

    def set(self, component: dict, variable: dict, value: str, attribute: str = "Actual") -> str:
        status, row = self.find(component, variable)
        if row is None:
            return status
        if attribute != "Actual":
            return "NotSupportedAttributeType"
        if row.mutability == RO:
            return "Rejected"
        canonical = check(row, value)
        extra = self.validators.get((row.component, row.name))
        if canonical is None or (extra is not None and not extra(canonical)):
            return "Rejected"
        if row.mutability != WO:  # a write-only value (a password) is kept by its listener, not here
            with self._store.transaction():
                self._db.execute("INSERT OR REPLACE INTO device_model VALUES (?, ?)", (_key(row), canonical))
        for listener in self.listeners:
            listener(row, canonical)
        return "RebootRequired" if row.reboot else "Accepted"

    def store_internal(self, component: str, name: str, value: str, instance: str | None = None) -> None:
        """A value the controller learnt itself (HeartbeatInterval from the boot answer)."""
        row = self.variables[(component, None, None, None, name, instance)]
        with self._store.transaction():
            self._db.execute("INSERT OR REPLACE INTO device_model VALUES (?, ?)", (_key(row), value))

    # ---- reports (GetBaseReport) ----------------------------------------
    def report(self, base: str) -> list[dict]:
        """ReportData items for ConfigurationInventory, FullInventory or SummaryInventory."""
        if base == "ConfigurationInventory":
            rows = [v for v in self.variables.values() if v.mutability != RO]
        elif base == "SummaryInventory":
            rows = [v for v in self.variables.values() if v.name in SUMMARY]
        else:
            rows = list(self.variables.values())
        return [self._report_item(v) for v in rows]

    def custom_report(self, criteria: list[str] | None, pairs: list[dict] | None) -> list[dict]:
        """ReportData items for GetReport (B08); an empty list is answered EmptyResultSet."""
        return [self._report_item(v) for v in select(self.variables.values(), self.value, criteria, pairs)]

    def _report_item(self, v: Variable) -> dict:
        component, variable = component_json(v), variable_json(v)
        attribute: dict = {"type": "Actual", "mutability": v.mutability, "persistent": v.mutability != RO,
                           "constant": v.mutability == RO and (v.component, v.name) not in self.live}
        if v.mutability != WO:
            attribute["value"] = self.value(v)[:2500]
        characteristics: dict = {"dataType": v.data_type, "supportsMonitoring": True}  # every row (N04)
        if v.unit:
            characteristics["unit"] = v.unit
        if v.min is not None:
            characteristics["minLimit"] = v.min
        if v.max is not None:
            characteristics["maxLimit"] = v.max
        if v.values:
            characteristics["valuesList"] = ",".join(v.values)
        return {"component": component, "variable": variable, "variableAttribute": [attribute],
                "variableCharacteristics": characteristics}


def check(row: Variable, value: str) -> str | None:
    """The value in canonical form when it fits the row's type and bounds, else None (Rejected)."""
    if not isinstance(value, str) or len(value) > VALUE_MAX:
        return None
    kind = row.data_type
    if kind == "integer":
        if not INTEGER.fullmatch(value):
            return None
        number = int(value)
        return str(number) if _within(row, number) else None
    if kind == "decimal":
        try:
            number = float(value)
        except ValueError:
            return None
        return value if math.isfinite(number) and _within(row, number) else None
    if kind == "boolean":
        return value if value in ("true", "false") else None
    if kind == "dateTime":
        return value if parse_utc(value) is not None else None
    if kind == "OptionList":
        return value if value in row.values else None
    if kind in ("MemberList", "SequenceList"):
        items = [item for item in value.split(",") if item] if value else []
        if len(items) != len(set(items)) or any(item not in row.values for item in items):
            return None
        return ",".join(items)
    return value  # string


def _within(row: Variable, number: float) -> bool:
    return (row.min is None or number >= row.min) and (row.max is None or number <= row.max)


def _key(row: Variable) -> str:
    return json.dumps(row.key)


__all__ = ["DeviceModel", "RW", "check"]
