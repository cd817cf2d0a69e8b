"""The simulator's `register_wh` is what a Modbus read of the meter decodes, not its own float count:
tests that bill "to the Wh" compare against it (a float32 in kWh rounds 1 MWh to about 0.06 Wh)."""

import pytest

from hal.meters.maps import MODELS
from hal.mock.meter_sim import SimMeter


def test_a_float32_register_can_cross_the_half_wh_that_the_count_did_not():
    meter = SimMeter(1, MODELS["sdm630"], energy_wh=1_000_025.487)
    assert round(meter.energy_wh) == 1_000_025
    assert meter.register_wh() == pytest.approx(1_000_025.5127, abs=1e-3)
    assert round(meter.register_wh()) == 1_000_026


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_models_register_holds_its_energy_to_within_its_step(model):
    regmap = MODELS[model]
    f = regmap.field("energy_import_wh")
    if f.kind in ("float32", "t5", "t6"):
        step = 0.1
    else:  # an integer counts in steps of its factor; one with a decimal point from its base's point on
        step = abs(f.factor) * (1.0 if f.exponent is None else 10.0 ** -f.exponent_base)
    meter = SimMeter(1, regmap, energy_wh=123_456.7)
    assert meter.register_wh() == pytest.approx(123_456.7, abs=step)
