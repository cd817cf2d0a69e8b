"""The moments of a session that OCPP 2.0.1 can start or end a transaction at.

TxStartPoint and TxStopPoint (OCPP 2.0.1 E01-E07, TxCtrlr) name them:
EVConnected (a vehicle on the cable: IEC 61851-1 states B-D), Authorized, PowerPathClosed
(the contactor closed), EnergyTransfer (energy actually flowing). Each is
published when it begins and when it ends; 1.6 does not listen.
"""

from __future__ import annotations

from dataclasses import dataclass

ENERGY_FLOWING_W = 20.0  # below this the meter shows standby losses, not charging


@dataclass(frozen=True)
class EvConnected:
    connector_id: int
    connected: bool


@dataclass(frozen=True)
class Authorized:
    connector_id: int
    id_tag: str
    parent_id_tag: str | None


@dataclass(frozen=True)
class PowerPathClosed:
    connector_id: int
    closed: bool


@dataclass(frozen=True)
class EnergyFlowing:
    connector_id: int
    flowing: bool


class Milestones:
    """Edges of the connector's plug, contactor and energy flow, tick by tick."""

    def __init__(self, connector_id: int):
        self.connector_id = connector_id
        self.connected = False
        self.closed = False
        self.flowing = False

    def update(self, plugged: bool, contactor_closed: bool, reading) -> list:
        flowing = contactor_closed and reading is not None and reading.power_w >= ENERGY_FLOWING_W
        events = []
        if plugged != self.connected:
            self.connected = plugged
            events.append(EvConnected(self.connector_id, plugged))
        if contactor_closed != self.closed:
            self.closed = contactor_closed
            events.append(PowerPathClosed(self.connector_id, contactor_closed))
        if flowing != self.flowing:
            self.flowing = flowing
            events.append(EnergyFlowing(self.connector_id, flowing))
        return events
