"""OCPP-J 1.6 RPC: the version-neutral rules of `firmware.ocpp.rpc` in 1.6's words.

1.6 spells two codes as the spec's errata keep them (FormationViolation,
OccurenceConstraintViolation) and has no RpcFrameworkError: a frame that is no
valid RPC message is a FormationViolation there.
"""

from __future__ import annotations

from ocpp.v16 import ChargePoint as LibChargePoint
from ocpp.v16.enums import Action

from firmware.ocpp.rpc import RpcMixin

V16_CODES = {
    "FormatViolation": "FormationViolation",
    "RpcFrameworkError": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


class RpcChargePoint(RpcMixin, LibChargePoint):
    CODES = V16_CODES
    KNOWN_ACTIONS = frozenset(a.value for a in Action)
