"""A bench DC connector whose modules are reached over CAN for real: simulated UUGreen modules on
python-can's virtual bus, our driver talking to them, the bench's DC contactors, insulation monitor
and DC meter on the same simulated DC bus. For the tests and benchmarks that want the whole driver
path, and for a DC bench board."""

from __future__ import annotations

import can

from hal.dc.stack import ModuleStack
from hal.dc.uugreen import UUGreenBus
from hal.mock.dc import DcBus, bench_dc_connector
from hal.mock.uugreen_sim import SimUUGreenModules


def dc_connector_over_can(dc: DcBus, channel: str, addresses=(1, 2), poll_s: float = 0.05):
    """(the connector's HAL, the simulated modules, our CAN link); close the last two when done."""
    sim = SimUUGreenModules(can.Bus(interface="virtual", channel=channel), dc, list(addresses))
    link = UUGreenBus(can.Bus(interface="virtual", channel=channel), poll_s=poll_s)
    return bench_dc_connector(dc, ModuleStack([link.module(a) for a in addresses])), sim, link
