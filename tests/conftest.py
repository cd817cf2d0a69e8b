import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# The real HAL's one-process hold (hal/hold.py) in a folder of this run, not the machine's /run/lock:
# the suite never meets a charger service running on the same machine, nor another suite.
_HOLD = Path(tempfile.mkdtemp(prefix="evse-hold-"))
os.environ["EVSE_HARDWARE_LOCK"] = str(_HOLD / "hardware.lock")
atexit.register(shutil.rmtree, _HOLD, ignore_errors=True)  # each run (and each xdist worker) made its own
