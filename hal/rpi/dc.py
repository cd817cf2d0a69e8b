"""A DC (CCS) connector on a Raspberry Pi board: the pilot and the DC contactors on the Pi's pins as
for AC, UUGreen power modules on a CAN interface (python-can, socketcan), a Bender isoCHA on a Modbus
line of the board's [[buses]] with its alarm relay on a pin of its own, the DC meter from [[meters]],
and no command for the SECC: on a board the EV link's processes run beside the controller, not as its
children, each in a unit of its own (firmware/cli_ev_link.py). SLAC (ISO 15118-3, the modem's
association with the car) needs CAP_NET_RAW, which only systemd/evse-slac@.service gets; the SECC's
JVM needs memory it may write and run, which only systemd/evse-secc@.service allows (docs/dc.md).
"""

from __future__ import annotations

from hal.dc.stack import ModuleStack
from hal.errors import HalError
from hal.interfaces import DcConnectorHal
from hal.rpi.gpio import GpioContactor


def build_dc_connector(builder, c, pilot) -> DcConnectorHal:
    dc, p = c.dc, c.pins
    contactor = builder._keep(GpioContactor(p.contactor, p.contactor_feedback, pin_factory=builder.factory,
                                            on_change=builder.wake, coil_active_high=p.contactor_active_high))
    return DcConnectorHal(pilot=pilot, stack=_stack(builder, dc), contactor=contactor,
                          isolation=_isolation(builder, dc), isolation_alarm=builder._input(dc.isolation_alarm_pin),
                          meter=builder._meter(c.id))


def _stack(builder, dc) -> ModuleStack:
    import can

    from hal.dc.uugreen import UUGreenBus

    try:
        bus = can.Bus(channel=dc.can_channel, interface=dc.can_interface)
    except (can.CanError, OSError, ValueError) as exc:
        raise HalError(f"CAN interface {dc.can_channel} ({dc.can_interface}) cannot be opened: {exc}; on the board: "
                       f"ip link set {dc.can_channel} up type can bitrate 125000") from exc
    link = builder._keep(UUGreenBus(bus))  # its close() shuts the bus down
    addresses = range(dc.first_module_address, dc.first_module_address + dc.modules)
    return ModuleStack([link.module(a, dc.module_max_v, dc.module_max_a, dc.module_max_w) for a in addresses])


def _isolation(builder, dc):
    from hal.dc.isometer import IsoCha425

    try:
        return builder._keep(IsoCha425(builder.buses[dc.isolation_bus], dc.isolation_address))
    except HalError as exc:
        raise HalError(f"the insulation monitor at address {dc.isolation_address} on {dc.isolation_bus} does not "
                       f"answer: {exc}") from exc

