"""Every register each simulated model lists, read with a plain pymodbus client as a third-party
tool (an EMS, evcc, a Modbus scanner) reads a real meter: every listed register answers, the values
agree with each other, and a model with its vendor's whole table answers an unlisted register with
exception 2 (illegal data address), as the meter does."""

import pytest
from pymodbus.client import AsyncModbusTcpClient

from controller import free_port
from hal.meters.maps import MODELS
from hal.meters.registers import decode
from hal.mock.meter_sim import SimMeter, build_server

# Every Modbus model's simulator serves its vendor's whole table (the LEM DCBM speaks HTTP).
WHOLE_TABLES = {model for model, regmap in MODELS.items() if regmap.table}
ENERGY_WH = 123_456.0


def listed(regmap):
    """(function, field) for every register the map lists, in both functions."""
    return [(function, f) for function in ("input", "holding") for f in regmap.listed(function)]


async def read_all(regmap) -> dict:
    port = free_port()
    meter = SimMeter(9, regmap, energy_wh=ENERGY_WH, currents_a=[10.0, 12.0, 14.0])
    server = build_server([meter], tcp=f"127.0.0.1:{port}")
    await server.serve_forever(background=True)
    client = AsyncModbusTcpClient("127.0.0.1", port=port)
    await client.connect()
    try:
        values = {}
        for function, f in listed(regmap):
            reader = client.read_input_registers if function == "input" else client.read_holding_registers
            start = f.start
            answer = await reader(start, count=f.end - start, device_id=9)
            assert not answer.isError(), (regmap.model, f.quantity, hex(f.address), answer)
            regs = answer.registers
            value = decode(f, regs[f.address - start: f.address - start + f.words], regmap.word_order)
            if f.exponent is not None:
                point = regs[f.exponent - start]
                value *= 10.0 ** ((point - 65536 if point > 32767 else point) - f.exponent_base)
            values[f.quantity] = value
        for function in ("input", "holding") if regmap.model in WHOLE_TABLES else ():
            if not regmap.documented(function):
                continue
            gap = min(set(range(0, 0x200)) - regmap.documented(function))
            reader = client.read_input_registers if function == "input" else client.read_holding_registers
            answer = await reader(gap, count=1, device_id=9)
            assert answer.isError() and answer.exception_code == 2, (regmap.model, function, hex(gap), answer)
        return values
    finally:
        client.close()
        await server.shutdown()


def agree(v: dict, regmap) -> None:
    """Totals against their parts, to within the registers' steps (an integer register counts in
    steps of its factor, e.g. 10 Wh or 100 Wh on some models)."""
    phases = regmap.phases
    lines = ("l1", "l2", "l3")[:phases]
    step = {f.quantity: 0.0 if f.kind in ("float32", "t5", "t6") else abs(f.factor) for _, f in listed(regmap)}
    near = {"rel": 1e-4, "abs": 0.05}
    if all(f"power_{p}_w" in v for p in lines) and "power_w" in v:
        assert v["power_w"] == pytest.approx(sum(v[f"power_{p}_w"] for p in lines), **near)
    checks = [("current_sum_a", [f"current_{p}_a" for p in lines]), ("apparent_va", [f"apparent_{p}_va" for p in lines]),
              ("energy_import_wh", [f"energy_import_{p}_wh" for p in lines]),
              ("energy_total_wh", ["energy_import_wh", "energy_export_wh"]),
              ("energy_total_l1_wh", ["energy_import_l1_wh", "energy_export_l1_wh"]),
              ("energy_import_wh", ["energy_import_t1_wh", "energy_import_t2_wh"]),
              ("energy_total_t1_wh", ["energy_import_t1_wh", "energy_export_t1_wh"])]
    for total, parts in checks:
        if total in v and all(p in v for p in parts):
            slack = step[total] + sum(step[p] for p in parts)
            assert v[total] == pytest.approx(sum(v[p] for p in parts), rel=1e-4, abs=0.05 + slack), total
    if "voltage_avg_v" in v:
        assert v["voltage_avg_v"] == pytest.approx(sum(v[f"voltage_{p}_v"] for p in lines) / phases, **near)


@pytest.mark.parametrize("model", sorted(m for m in MODELS if m != "abb_b24"))  # abb_b24 is abb_b23's map
async def test_every_listed_register_answers_and_agrees(model):
    regmap = MODELS[model]
    values = await read_all(regmap)
    assert values["energy_import_wh"] == pytest.approx(ENERGY_WH, abs=100)  # 100 Wh steps on some models
    agree(values, regmap)
    if model in WHOLE_TABLES:
        assert len(values) >= 12 + 2 * regmap.phases
        assert values.get("power_demand_max_w", values["power_w"]) >= values["power_w"]


@pytest.mark.parametrize("model, code", [("sdm630", 0x0070), ("sdm72d", 0x0089), ("sdm120", None)])
async def test_an_eastron_answers_its_settings_as_a_commissioning_tool_reads_them(model, code):
    """The holding registers a scanner or the vendor's tool reads first: meter ID (the simulated
    meter's address, 9), baud-rate code, demand period, and on the three-phase models the meter code
    that tells them apart; a register between the settings is not listed."""
    values = await read_all(MODELS[model])
    assert values["meter_id"] == 9 and values["baud_code"] == 2 and values["demand_period_min"] == 60
    assert values.get("meter_code") == code
    assert ("system_type" in values) == (MODELS[model].phases == 3)
    assert 0x0004 not in MODELS[model].documented("holding")


async def test_an_abb_answers_an_unused_register_of_its_area_as_invalid_and_the_controller_reads_across():
    """ABB's B-series manual: an unused register inside the mapping area gets a normal answer,
    FFFF ("invalid"); outside it, the exception. So the controller's requests may span such gaps."""
    regmap = MODELS["abb_b23"]
    assert {0x5B06, 0x5B12} - regmap.documented("holding") == {0x5B06, 0x5B12}  # listed by nobody we follow
    port = free_port()
    server = build_server([SimMeter(9, regmap, energy_wh=ENERGY_WH)], tcp=f"127.0.0.1:{port}")
    await server.serve_forever(background=True)
    client = AsyncModbusTcpClient("127.0.0.1", port=port)
    await client.connect()
    try:
        inside = await client.read_holding_registers(0x5B06, count=2, device_id=9)
        assert not inside.isError() and inside.registers == [0xFFFF, 0xFFFF]
        outside = await client.read_holding_registers(0x0000, count=1, device_id=9)
        assert outside.isError() and outside.exception_code == 2
    finally:
        client.close()
        await server.shutdown()
    assert len(regmap.blocks()) == 4  # voltages to power per phase in one request, across 0x5B06-0x5B0B
