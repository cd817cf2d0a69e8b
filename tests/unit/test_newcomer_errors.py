"""Errors, not tracebacks, for what a newcomer tries first (issue 14, part 3)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from firmware.smart_charging.manager import in_words
from hal.errors import HalError
from hal.rpi import pin_factory_named

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_lgpio_names_the_rpi_extra():
    if importlib.util.find_spec("lgpio") is not None:
        return  # a Raspberry Pi with the extra: nothing to explain
    with pytest.raises(HalError, match=r"\[rpi\] extra"):
        pin_factory_named("lgpio")


def test_the_demo_on_a_real_board_says_it_needs_a_bench_board(tmp_path):
    done = subprocess.run([sys.executable, "-m", "firmware", "demo", "--board",
                           str(ROOT / "board-configs" / "rpi5-1x1ph-32a.toml")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "needs a bench board" in done.stderr and "Traceback" not in done.stderr


def test_the_load_managers_log_reads_as_a_sentence():
    assert in_words(16.0, None, "TxDefaultProfile profile 7, stack level 1", "") == (
        "limited to 16 A by the schedule (TxDefaultProfile profile 7, stack level 1); no site budget")
    assert in_words(None, 10.0, "", "this connector's part of the site's 32 A") == (
        "no schedule; limited to 10 A by the site budget (this connector's part of the site's 32 A)")
