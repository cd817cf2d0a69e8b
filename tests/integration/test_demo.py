"""`evse demo` as a user runs it, for both OCPP versions: a whole session, billed as metered."""

import subprocess
import sys

import pytest

from controller import ROOT


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_the_demo_ends_ok(version):
    done = subprocess.run([sys.executable, "-m", "firmware", "demo", "--ocpp-version", version,
                           "--charge-seconds", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: billed energy matches the meter" in done.stdout
    if version == "2.0.1":
        assert "without gaps" in done.stdout and "TransactionEvent" in done.stdout
