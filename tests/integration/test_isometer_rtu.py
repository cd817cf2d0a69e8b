"""The Bender isoCHA425HV driver (hal/dc/isometer.py) over a real serial line (a socat pty pair) to a
simulated device: thresholds written at start, the insulation read once measuring, a self test
followed through its test bits to pass or fail, and a silent device seen as no reading."""

import shutil
import time

import pytest

from hal.errors import HalError
from hal.dc.isometer import IsoCha425, decode_channel, encode_channel
from imd_line import Line


def test_a_channel_decodes_as_the_device_lays_it_out():
    ch = decode_channel(encode_channel(1.25e6, alarm=5, test=1))
    assert ch["value"] == pytest.approx(1.25e6) and ch["alarm"] == 5 and ch["testing"] and ch["valid"]
    assert decode_channel([0x4998, 0x9680, 0x0002, 71]) == {"value": pytest.approx(1.25e6), "alarm": 0,
                                                            "testing": False, "valid": True, "unit": 2,
                                                            "description": 71}
    assert not decode_channel(encode_channel(0.0, valid=False))["valid"]


def wait(predicate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(shutil.which("socat") is None, reason="the test command installs socat")
def test_the_driver_over_a_serial_line(tmp_path):
    with Line(tmp_path) as line:
        imd = IsoCha425(line.bus, 3, alarm_kohm=100, prealarm_kohm=500, poll_s=0.1)
        try:
            assert line.sim.written[3007] == 100 and line.sim.written[3005] == 500
            assert imd.read().resistance_ohm is None, "nothing before measuring starts"
            line.dc.insulation_ohm = 2.5e6
            imd.start(470.0)
            assert wait(lambda: imd.read().resistance_ohm == pytest.approx(2.5e6), 3)
            imd.self_test()
            assert wait(lambda: imd.read().self_test is True, 6)
            line.dc.imd_self_test_ok = False
            imd.self_test()
            assert wait(lambda: imd.read().self_test is False, 6)
            line.dc.imd_self_test_ok = True
            line.dc.insulation_ohm = 40e3
            assert wait(lambda: imd.read().resistance_ohm == pytest.approx(40e3), 3)
            line.sim.silent = True
            with pytest.raises(HalError, match="No response"):
                imd.start(470.0)  # the cable check's step fails on this, and the path trips
            imd.stop()
            time.sleep(0.5)
            assert imd.read().resistance_ohm is None, "a silent device gives no reading to trust"
        finally:
            imd.close()
