"""The session's milestones, published for OCPP 2.0.1's TxStartPoint and TxStopPoint."""

from firmware.core.milestones import Authorized, EnergyFlowing, EvConnected, PowerPathClosed
from hal.types import MeterReading
from rig import Rig


def milestones(rig):
    kinds = (EvConnected, Authorized, PowerPathClosed, EnergyFlowing)
    return [e for e in rig.events if isinstance(e, kinds) and e.connector_id == 1]


def test_plug_authorize_close_flow_and_back_in_order():
    rig = Rig()
    drawing = MeterReading(10.0, 7000.0, (10.0, 10.0, 10.0), (230.0,) * 3, 0.0)
    rig.conn().reading = lambda: drawing if rig.wire().contacts_closed and rig.wire().ev.state == "C" else None
    rig.charge()
    rig.tick()
    assert milestones(rig) == [EvConnected(1, True), Authorized(1, "TAG", None), PowerPathClosed(1, True),
                               EnergyFlowing(1, True)]
    rig.events.clear()
    rig.ev("B")  # the EV pauses: the contactor opens, the energy stops, the EV stays
    assert milestones(rig) == [PowerPathClosed(1, False), EnergyFlowing(1, False)]
    rig.events.clear()
    rig.ev("A")
    assert milestones(rig) == [EvConnected(1, False)]


def test_no_energy_flowing_without_a_meter_that_shows_it():
    rig = Rig()
    rig.charge()
    rig.tick(3)
    assert EnergyFlowing(1, True) not in milestones(rig)
    assert PowerPathClosed(1, True) in milestones(rig)
