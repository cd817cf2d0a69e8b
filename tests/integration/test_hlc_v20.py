"""ISO 15118-20 DC's answers in the SECC (hlc/secc_v20.py) and the bench car's (hlc/ev_v20.py), with
iso15118's own types, in .venv-hlc (a process: the controller's environment has no iso15118). The whole
-20 session is test_hlc_dc_session's and, through `evse demo`, test_dc_controller's."""

import json
import subprocess

from hlc_bench import HLC_PYTHON, ensure_hlc_environment

# What both scripts share: the SECC's link to the controller, written to a list.
PRELUDE = r"""
import asyncio, json, sys
from types import SimpleNamespace
from iso15118.shared.messages.enums import ControlMode, Protocol, ServiceV20
from hlc.secc_child import BridgedEVSEController, Link
from hlc.ev_v20 import BenchEv20

class Writer:
    def __init__(self): self.lines = []
    def write(self, line): self.lines.append(json.loads(line))
    async def drain(self): pass
"""

SCRIPT = PRELUDE + r"""
from hlc.secc_v20 import ev_profile_entries, offered_protocols, power_schedule

def entries(params):
    (t,) = params.schedule_tuples
    s = t.charging_schedule
    return {"power": [[e.duration, e.power.get_decimal_value()] for e in s.power_schedule.schedule_entry_list.entries],
            "prices": [[e.duration, e.price_level] for e in s.price_level_schedule.schedule_entries.entries],
            "levels": s.price_level_schedule.num_price_levels}

async def answers():
    out = {}
    out["day"] = entries(power_schedule([[0, 60000.0], [3600, 11000.0]], None, None))
    out["departure"] = entries(power_schedule([[0, 20000.0], [3600, 11000.0], [9000, 5000.0]], 7200, None))
    out["cut"] = entries(power_schedule([[i * 60, 40000.0 - 1000.0 * i] for i in range(40)], 0, 10))
    out["protocols"] = {k: [p.name for p in offered_protocols(*a)]
                        for k, a in {"ac": (True, True), "dc": (False, False), "dc20": (False, True)}.items()}
    car = BenchEv20()
    profile, progress = await car.process_scheduled_se_params(
        power_schedule([[0, 50000.0], [1800, 25000.0]], 3600, None), pause=False)
    out["mirrored"] = [ev_profile_entries(profile), progress.value]

    writer = Writer()
    secc = BridgedEVSEController(Link(None, writer))
    secc.set_selected_protocol(Protocol.ISO_15118_20_DC)
    secc.link.evse.update(state="charging", max_voltage_v=920.0, max_current_a=150.0, max_power_w=60000.0)
    p = await secc.get_dc_charge_params_v20(ServiceV20.DC)
    out["discovery"] = [p.evse_max_voltage.get_decimal_value(), p.evse_max_charge_current.get_decimal_value(),
                        p.evse_max_charge_power.get_decimal_value()]
    secc.ev_data_context.target_energy_request = 12000.0
    req = SimpleNamespace(max_supporting_points=None)
    first = await secc.get_schedule_exchange_params(None, None, req)
    out["ongoing"] = [secc.ready_to_charge(), entries(first)["power"], writer.lines[-1].get("schedule_round"),
                      writer.lines[-1].get("energy_request_wh")]
    secc.link.evse["schedule"] = {"round": 1, "periods": [[0, 30000.0]]}
    second = await secc.get_schedule_exchange_params(None, None, req)
    out["offered"] = [secc.ready_to_charge(), entries(second)["power"]]
    secc.ev_data_context.target_current, secc.ev_data_context.target_voltage = 200.0, 400.0
    out["limits"] = [await secc.is_evse_current_limit_achieved(), await secc.is_evse_power_limit_achieved(),
                     await secc.is_evse_voltage_limit_achieved()]
    out["status"] = [await secc.get_evse_status()]
    secc.link.evse["stop"] = True
    out["status"].append((await secc.get_evse_status()).evse_notification.value)
    out["meter"] = [await secc.get_meter_info_v20()]
    secc.link.evse.update(meter_wh=5123, meter_id="LEM-0001")
    m = await secc.get_meter_info_v20()
    out["meter"].append([m.meter_id, m.charged_energy_reading_wh, m.meter_timestamp > 1.7e9])
    secc.link.evse.update(meter_wh=None, meter_id=None)  # the controller's reading went stale
    out["meter"].append(await secc.get_meter_info_v20())
    await secc.ev_power_profile(profile)
    out["told"] = writer.lines[-1]["ev_profile"]
    services = await secc.get_service_parameter_list(2)
    out["parameters"] = [[s.id, {p.name: p.int_value for p in s.parameters}] for s in services.parameter_sets]
    out["services"] = [s.service_id for s in (await secc.get_energy_service_list()).services]
    return out

print(json.dumps(asyncio.run(answers())))
"""


def test_the_20_answers_offer_what_the_controller_said_and_the_car_mirrors_them():
    """The schedule as -20's durations (a day or to the departure, cut short at the EV's supporting
    points with the lowest limit kept), one price level over it (no tariff to tell); the protocols
    offered per connector; the car's EVPowerProfile read back as the charger's offer and told the
    controller; Ongoing until the controller answers the round, with the EV's energy request passed
    on; the limits flagged when the EV asks beyond them; Terminate once the session is to stop; the
    meter's register as the controller sent it, and none (never a made-up one) without; a parameter
    set for each control mode, DC only."""
    ensure_hlc_environment()
    done = subprocess.run([str(HLC_PYTHON), "-c", SCRIPT], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["day"] == {"power": [[3600, 60000], [82800, 11000]], "prices": [[86400, 0]], "levels": 1}
    assert out["departure"]["power"] == [[3600, 20000], [3600, 11000]]
    assert len(out["cut"]["power"]) == 10 and out["cut"]["power"][-1] == [86400 - 540, 1000]
    assert sum(d for d, _ in out["cut"]["power"]) == 86400
    assert out["protocols"] == {"ac": ["ISO_15118_2"], "dc": ["ISO_15118_2", "DIN_SPEC_70121"],
                                "dc20": ["ISO_15118_20_DC", "ISO_15118_2", "DIN_SPEC_70121"]}
    assert out["mirrored"] == [[[0, 50000], [1800, 25000]], "Start"]
    assert out["discovery"] == [920, 150, 60000]
    assert out["ongoing"] == [False, [[86400, 0]], 1, 12000.0]
    assert out["offered"] == [True, [[86400, 30000]]]
    assert out["limits"] == [True, True, False]
    assert out["status"] == [None, "Terminate"]
    assert out["meter"] == [None, ["LEM-0001", 5123, True], None]
    assert out["told"] == {"round": 1, "entries": [[0, 50000], [1800, 25000]]}  # NotifyEVChargingSchedule's
    common = {"Connector": 2, "MobilityNeedsMode": 1, "Pricing": 0}
    assert out["parameters"] == [[1, {**common, "ControlMode": 1}], [2, {**common, "ControlMode": 2}]]
    assert out["services"] == [2]


DYNAMIC = PRELUDE + r"""
from iso15118.shared.messages.iso15118_20.common_messages import MatchedService

class Car(BenchEv20):
    def __init__(self, mode): self.control_mode = mode
    def battery(self):
        return {"soc_pct": 40.0, "voltage_v": 370.0, "max_voltage_v": 420.0, "max_current_a": 200.0,
                "wants_a": 150.0, "capacity_wh": 500.0, "stop_at_pct": 80.0}
    async def is_charging_complete(self): return False

def number(r): return r.get_decimal_value()

async def answers():
    out, writer = {}, Writer()
    secc = BridgedEVSEController(Link(None, writer))
    secc.set_selected_protocol(Protocol.ISO_15118_20_DC)
    secc.link.evse.update(state="charging", max_voltage_v=920.0, max_current_a=100.0, max_power_w=60000.0)
    sets = (await secc.get_service_parameter_list(2)).parameter_sets
    dc = MatchedService(service=ServiceV20.DC, is_energy_service=True, is_free=False, parameter_sets=sets)
    out["chosen"] = [(await Car(m).select_energy_service_v20([dc])).parameter_set.id
                     for m in (ControlMode.SCHEDULED, ControlMode.DYNAMIC)]
    car = Car(ControlMode.DYNAMIC)
    se = await car.get_dynamic_se_params(None)
    out["ev_needs"] = [se.departure_time, se.target_soc, number(se.ev_target_energy_request)]
    loop = await car.get_dynamic_dc_charge_loop_params()
    out["ev_limits"] = [number(loop.ev_max_voltage), number(loop.ev_max_charge_current),
                        number(loop.ev_max_charge_power)]
    class Full(Car):
        def battery(self): return {**super().battery(), "stop_at_pct": 101.0}  # a car that never stops
    out["full"] = (await Full(ControlMode.DYNAMIC).get_dynamic_se_params(None)).target_soc
    profile, progress = await car.process_dynamic_se_params(None, pause=False)
    out["ev_profile"] = [[e.duration, number(e.power)] for e in profile.entry_list.entries] + [progress.value]

    ev = secc.ev_data_context
    ev.departure_time, ev.target_soc, ev.target_energy_request = se.departure_time, se.target_soc, 200.0
    req = SimpleNamespace(max_supporting_points=None)
    first = await secc.get_schedule_exchange_params(None, ControlMode.DYNAMIC, req)
    out["ongoing"] = [type(first).__name__, secc.ready_to_charge(), writer.lines[-1]["schedule_round"],
                      writer.lines[-1]["control_mode"]]
    secc.link.evse["schedule"] = {"round": 1, "periods": [[0, 30000.0]]}
    second = await secc.get_schedule_exchange_params(None, ControlMode.DYNAMIC, req)
    out["confirmed"] = [secc.ready_to_charge(), second.departure_time, second.target_soc]
    res = await secc.get_dc_charge_loop_params_v20(ControlMode.DYNAMIC, ServiceV20.DC)
    out["loop_res"] = [type(res).__name__, number(res.evse_maximum_charge_current), number(res.evse_maximum_voltage)]
    out["before_limits"] = list(secc.dynamic_targets())
    limits = ev.session_limits.dc_limits
    limits.max_voltage, limits.max_charge_current, limits.max_charge_power = 420.0, 150.0, 50000.0
    ev.present_voltage = 400.0
    await secc.send_charging_command(None, None, False)
    told = writer.lines[-1]
    out["targets"] = [told["stage"], told["target_voltage_v"], told["target_current_a"]]
    out["flags"] = [await secc.is_evse_current_limit_achieved(), await secc.is_evse_power_limit_achieved(),
                    await secc.is_evse_voltage_limit_achieved()]
    await secc.send_charging_command(380.0, 2.0, True)
    out["precharge"] = [writer.lines[-1]["stage"], writer.lines[-1]["target_voltage_v"]]
    secc.forget_v20()
    out["forgotten"] = [secc.v20_control.name, secc.ready_to_charge()]
    return out

print(json.dumps(asyncio.run(answers())))
"""


def test_dynamic_control_the_ev_tells_its_limits_and_the_charger_decides():
    """ISO 15118-20 Dynamic control: the car picks the parameter set of its mode; it tells its departure,
    its target SoC and its limits (its charging curve as the maximum current); the SECC asks the round
    as under Scheduled (Ongoing until the controller answers; the CSMS hears the needs) and confirms the
    car's targets; the charge loop answers with the EVSE maxima, and the power path is given the EV's
    maximum voltage and the least of its maximum current and its power at its present voltage. The
    whole session is test_dc_controller's demo (board-configs/bench-dc-iso20.toml)."""
    ensure_hlc_environment()
    done = subprocess.run([str(HLC_PYTHON), "-c", DYNAMIC], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])  # iso15118 logs to the standard output too
    assert out["chosen"] == [1, 2]
    assert out["ev_needs"] == [14400, 80, 200]  # to 80 % of 500 Wh from 40 %
    assert out["ev_limits"] == [420, 150, 63000]
    assert out["full"] == 100  # TargetSOC's schema allows no more
    assert out["ev_profile"] == [[14400, 84000], "Start"]
    assert out["ongoing"] == ["DynamicScheduleExchangeResParams", False, 1, "dynamic"]
    assert out["confirmed"] == [True, 14400, 80]
    assert out["loop_res"] == ["DynamicDCChargeLoopRes", 100, 920]
    assert out["before_limits"] == [None, None]
    assert out["targets"] == ["current_demand", 420.0, 125.0]  # 50 kW at 400 V
    assert out["flags"] == [True, False, False]  # 125 A asked of a 100 A offer
    assert out["precharge"] == ["precharge", 380.0]
    assert out["forgotten"] == ["SCHEDULED", False]
