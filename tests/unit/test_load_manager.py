"""The load manager's turn-taking: a session paused for lack of supply does not wait forever."""

from types import SimpleNamespace

from firmware.clock import SteppedClock
from firmware.config import SiteConfig
from firmware.events import EventBus
from firmware.smart_charging import manager as manager_module
from firmware.smart_charging.manager import LoadManager
from rig import Rig


def test_a_paused_session_gets_its_turn():
    rig = Rig("bench-shared.toml", site=SiteConfig(max_current_a=10.0))
    rig.charge(1)
    rig.ev("B", 2)
    rig.authorize(cid=2)
    rig.record_meter_start(2)
    rig.ev("C", 2)
    clock = SteppedClock()
    metering = SimpleNamespace(latest={}, fresh=lambda cid: None)
    profiles = SimpleNamespace(profiles=[])
    lm = LoadManager(rig.board, rig.station, metering, profiles, clock, EventBus(),
                     transaction_id=lambda s: None, online=lambda: True, failsafe_a=lambda: 0)
    first = lm.compute()
    assert amps(first) == {1: (None, 10.0), 2: (None, 0.0)}, "10 A cannot be split into two 6 A offers"
    assert first[1][3] == "this connector's part of the site's 10 A"  # in words, for the limit sources
    clock.advance(manager_module.PAUSE_TURN_S + 1)
    lm.compute()  # connector 2 has waited long enough: its turn
    assert amps(lm.compute()) == {1: (None, 0.0), 2: (None, 10.0)}
    clock.advance(manager_module.PAUSE_TURN_S + 1)
    lm.compute()
    assert amps(lm.compute()) == {1: (None, 10.0), 2: (None, 0.0)}, "and back"


def amps(limits: dict) -> dict:
    """The load manager's answer without its words: (schedule, share) per connector."""
    return {cid: v[:2] for cid, v in limits.items()}


def test_the_grid_headroom_follows_the_phase_rotation():
    """The house takes 20 A on L1 only; our 1-phase EV on L2 of the grid (rotation STR
    puts the connector's L1 on grid L2) leaves L1's headroom alone."""
    from hal.types import MeterReading

    rig = Rig("bench-shared.toml", site=SiteConfig(grid_limit_a=40.0, grid_margin_a=2.0))
    ev = MeterReading(0.0, 0.0, (16.0, 0.0, 0.0), (230.0,) * 3, taken_at=0.0)
    grid = MeterReading(0.0, 0.0, (20.0, 16.0, 0.0), (230.0,) * 3, taken_at=0.0)
    readings = {0: grid, 1: ev}
    metering = SimpleNamespace(latest=readings, fresh=readings.get)
    rotated = LoadManager(rig.board, rig.station, metering, SimpleNamespace(profiles=[]), None, EventBus(),
                          transaction_id=lambda s: None, online=lambda: True, failsafe_a=lambda: 0,
                          phase_map=lambda cid: (1, 2, 0) if cid == 1 else (0, 1, 2))
    assert rotated._grid_headroom(rig.board.site) == 18.0  # 40 - 2 - the house's 20 A on L1
    straight = LoadManager(rig.board, rig.station, metering, SimpleNamespace(profiles=[]), None, EventBus(),
                           transaction_id=lambda s: None, online=lambda: True, failsafe_a=lambda: 0)
    assert straight._grid_headroom(rig.board.site) == 22.0  # without the rotation our 16 A on grid L2 looks foreign
