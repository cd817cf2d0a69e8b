"""When the SECC asks an EV for a MeteringReceipt (hlc/secc_receipts.py), with iso15118's own types, in
.venv-hlc. The whole exchange, the receipts kept and checked outside the controller, is in
test_hlc_ac_session (AC, iso15118's own car) and test_dc_controller (DC, the bench car)."""

import json
import subprocess

from hlc_bench import HLC_PYTHON, ensure_hlc_environment

SCRIPT = r"""
import asyncio, json, time
from types import SimpleNamespace
from iso15118.shared.messages.enums import AuthEnum
from hlc.secc_child import BridgedEVSEController, Link
from hlc.secc_receipts import ReceiptClock

class Writer:
    def __init__(self): self.lines = []
    def write(self, line): self.lines.append(json.loads(line))
    async def drain(self): pass

def info(m): return None if m is None else [m.meter_id, m.meter_reading, m.t_meter > 1.7e9]

async def answers():
    out = {}
    clock = ReceiptClock()
    out["clock"] = [clock.due(100.0, 10.0, False), clock.due(109.0, 10.0, False), clock.due(110.0, 10.0, False)]
    clock.asked(110.0, False)
    out["clock"] += [clock.due(115.0, 10.0, False), clock.due(116.0, 10.0, True)]
    clock.asked(116.0, True)
    out["clock"] += [clock.due(117.0, 10.0, True), clock.due(500.0, 0.0, False)]

    secc = BridgedEVSEController(Link(None, Writer()))
    pnc = SimpleNamespace(selected_auth_option=AuthEnum.PNC_V2, contract_cert_chain=object())
    eim = SimpleNamespace(selected_auth_option=AuthEnum.EIM_V2, contract_cert_chain=None)
    secc.link.evse.update(receipt_s=0.05, meter_wh=81234.4, meter_id="SDM630-7")
    out["first"] = [info(secc.receipt_due(pnc))]  # the clock starts with the first charge-loop answer
    time.sleep(0.06)
    out["eim"] = info(secc.receipt_due(eim))
    out["due"] = info(secc.receipt_due(pnc))
    out["again"] = info(secc.receipt_due(pnc))
    secc.link.evse["stop"] = True
    out["stop"] = [info(secc.receipt_due(pnc)), info(secc.receipt_due(pnc))]
    secc.forget_receipts()
    secc.link.evse.update(stop=False, meter_wh=None)
    time.sleep(0.06)
    out["stale"] = [info(secc.receipt_due(pnc)), info(secc.receipt_due(pnc))]
    secc.link.evse.update(meter_wh=0.4)  # a new meter: iso15118 would take a reading of 0 for none
    out["zero"] = info(secc.receipt_due(pnc))
    secc.link.evse.update(receipt_s=0, meter_wh=5.0)
    time.sleep(0.06)
    out["off"] = info(secc.receipt_due(pnc))
    return out

print(json.dumps(asyncio.run(answers())))
"""


def test_a_receipt_is_asked_of_a_plug_and_charge_ev_only_when_due_and_with_a_fresh_reading():
    """Every `receipt_s` from the first charge-loop answer on and once with the stop notice; never of an EV
    identified externally (it has no contract key to sign with), never without a fresh meter reading
    (the EV would sign a made-up one) or at 0 Wh, never with `receipt_s` 0; the reading in whole Wh with
    the meter's id and the time."""
    ensure_hlc_environment()
    done = subprocess.run([str(HLC_PYTHON), "-c", SCRIPT], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["clock"] == [False, False, True, False, True, False, False]
    assert out["first"] == [None]
    assert out["eim"] is None
    assert out["due"] == ["SDM630-7", 81234, True]
    assert out["again"] is None
    assert out["stop"] == [["SDM630-7", 81234, True], None]
    assert out["stale"] == [None, None] and out["zero"] is None
    assert out["off"] is None
