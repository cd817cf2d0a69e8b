"""The arrows of DESIGN.md, checked on every import statement of the tree (AST, no import runs).

1. The safety core (firmware/core) imports nothing of OCPP, the web page, the
   witness, the bench or the stores, and nothing that does network or disk I/O.
2. Only hal/ imports hardware libraries.
3. Services speak the model: they import no protocol adapter (firmware.ocpp).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARDWARE = ("gpiozero", "pymodbus", "serial", "spidev", "smbus", "smbus2", "can", "lgpio", "pigpio", "RPi")
CORE_MAY_NOT = ("firmware.ocpp", "firmware.web", "firmware.witness", "firmware.bench", "firmware.store",
                "firmware.metering", "firmware.recorder", "firmware.journal", "firmware.app", "ocpp",
                "asyncio", "sqlite3", "socket", "aiohttp", "websockets", "urllib", "http", "ssl")
SERVICES = ("firmware/metering.py", "firmware/auth", "firmware/smart_charging", "firmware/reservations.py",
            "firmware/ota", "firmware/recorder.py", "firmware/journal.py", "firmware/store.py", "firmware/station.py",
            "firmware/history.py")


def imports(path: Path, text: str | None = None) -> list[str]:
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text() if text is None else text, str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def files(*folders) -> list[Path]:
    out = []
    for folder in folders:
        path = ROOT / folder
        out += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return out


def offences(paths, forbidden) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {m}" for p in paths for m in imports(p) if under(m, forbidden)]


def test_the_safety_core_imports_no_protocol_and_no_io():
    assert files("firmware/core"), "the safety core has moved"
    assert offences(files("firmware/core"), CORE_MAY_NOT) == []


def test_only_hal_imports_hardware_libraries():
    assert offences(files("firmware", "benchmarks"), HARDWARE) == []


def test_services_import_no_protocol_adapter():
    assert offences(files(*SERVICES), ("firmware.ocpp",)) == []


def test_the_web_page_uses_no_adapter_internals():  # DESIGN.md arrow 7
    assert files("firmware/web"), "the web page has moved"
    assert offences(files("firmware/web"), ("firmware.ocpp.v16", "firmware.ocpp.v201", "firmware.bench",
                                            "hal")) == []


@pytest.mark.parametrize("source, forbidden", [
    ("import asyncio\n", CORE_MAY_NOT),
    ("from firmware.ocpp.v16 import adapter\n", CORE_MAY_NOT),
    ("from ..ocpp import frames\n", CORE_MAY_NOT),
    ("import gpiozero.pins\n", HARDWARE),
])
def test_the_check_catches_an_offence(source, forbidden):
    """A check that cannot fail proves nothing: each rule is shown one breach."""
    probe = ROOT / "firmware" / "core" / "probe.py"
    assert [m for m in imports(probe, source) if under(m, forbidden)]


def test_every_neutral_word_has_its_1_6_word():
    from firmware.ocpp.v16.mappings import TABLES

    for enum, table in TABLES.items():
        assert set(table) == set(enum), enum.__name__


def test_the_1_6_policy_answers_every_question_of_the_neutral_one():
    from firmware.ocpp.v16.config_keys import ConfigKeys
    from firmware.ocpp.v16.policy import Policy16
    from firmware.policy import Policy
    from firmware.store import Store

    asked = [name for name in vars(Policy) if not name.startswith("_")]
    assert asked and all(callable(getattr(Policy16, name, None)) for name in asked)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        policy = Policy16(ConfigKeys(store, 2))
        answers = {name: getattr(policy, name)(*([1] if name == "phase_rotation" else [])) for name in asked}
        store.close()
    assert answers["failsafe_current_a"] == 0 and answers["local_list_enabled"] is True


def test_the_composition_root_wires_through_constructors_only():
    """No `self.service.dependency = ...` after construction: each part gets what it needs when built."""
    tree = ast.parse((ROOT / "firmware" / "app.py").read_text())
    late = [ast.unparse(t) for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Attribute)]
    assert late == []


def test_every_neutral_word_has_its_2_0_1_word():
    from firmware.core import charger
    from firmware.ocpp.v201.mappings import CONNECTOR_STATUS, STOP_TRIGGER, TABLES

    for enum, table in TABLES.items():
        assert set(table) == set(enum), enum.__name__
    assert set(CONNECTOR_STATUS) == set(charger.STATES)
    assert set(STOP_TRIGGER) == set(TABLES[next(iter(TABLES))])
