"""OCPP-J 2.0.1 RPC: the version-neutral rules of `firmware.ocpp.rpc`, in 2.0.1's words as they are."""

from __future__ import annotations

from ocpp.v201 import ChargePoint as LibChargePoint
from ocpp.v201.enums import Action

from firmware.ocpp.rpc import RpcMixin


class RpcChargePoint201(RpcMixin, LibChargePoint):
    KNOWN_ACTIONS = frozenset(a.value for a in Action)
