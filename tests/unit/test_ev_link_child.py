"""How the EV link's children are started (hal/dc/ev_link_child.py): in their own environments, the
controller's tree on their path for the `hlc` package but never ahead of their own pins. An installed
controller's tree is its site-packages, full of the controller's newer versions."""

import subprocess

import pytest

from hal.dc import ev_link_child
from hlc_bench import ensure_hlc_environment

PROBE = "import {module}, hlc.protocol; print({module}.__version__)"


@pytest.mark.parametrize("command,variable,venv,module,pinned", [
    (ev_link_child.hlc_command, "EVSE_HLC_PYTHON", ".venv-hlc", "cryptography", "44.0.0"),  # iso15118's exact pin
    (ev_link_child.slac_command, "EVSE_SLAC_PYTHON", ".venv-slac", "environs", "9.5.0"),  # pyslac's
])
def test_a_child_imports_its_own_pins_before_the_controllers_tree(tmp_path, monkeypatch, command, variable, venv,
                                                                 module, pinned):
    ensure_hlc_environment()
    tree = tmp_path / "site-packages"  # the controller's, as a release installs it
    (tree / module).mkdir(parents=True)
    (tree / module / "__init__.py").write_text('__version__ = "the controller\'s"\n')
    (tree / "hlc").symlink_to(ev_link_child.ROOT / "hlc")
    monkeypatch.setenv(variable, str(ev_link_child.ROOT / venv / "bin" / "python"))  # as a board's drop-in names it
    monkeypatch.setattr(ev_link_child, "ROOT", tree)
    done = subprocess.run(command("-c", PROBE.format(module=module)), capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == pinned
