"""Which CALLERROR a request that breaks its JSON schema deserves (OCPP-J section 4.2.3).

The `ocpp` library answers every schema failure with one of two codes; the
OCPP-J table tells them apart, and a CSMS developer reading our answer should
learn what was wrong: a wrong type or an over-long string is a
TypeConstraintViolation, a missing field or too many items an
OccurrenceConstraintViolation, a value outside its enumeration or bounds a
PropertyConstraintViolation, an unknown field a FormatViolation. Neutral (2.0.1)
spelling; each version's RPC layer maps the words.
"""

from __future__ import annotations

import decimal
import json

from jsonschema.exceptions import best_match
from ocpp.exceptions import OCPPError
from ocpp.messages import MessageType, get_validator

CODES = {
    "type": "TypeConstraintViolation", "maxLength": "TypeConstraintViolation", "minLength": "TypeConstraintViolation",
    "required": "OccurrenceConstraintViolation", "minItems": "OccurrenceConstraintViolation",
    "maxItems": "OccurrenceConstraintViolation", "minProperties": "OccurrenceConstraintViolation",
    "enum": "PropertyConstraintViolation", "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation", "exclusiveMinimum": "PropertyConstraintViolation",
    "exclusiveMaximum": "PropertyConstraintViolation", "multipleOf": "PropertyConstraintViolation",
    "pattern": "PropertyConstraintViolation", "format": "PropertyConstraintViolation",
    "additionalProperties": "FormatViolation",
}
# The library's own workaround: 1.6 schedules have multipleOf 0.1, which binary floats fail.
DECIMAL_ACTIONS = {"1.6": frozenset({"SetChargingProfile", "RemoteStartTransaction"})}


class SchemaViolation(OCPPError):
    def __init__(self, code: str, cause: str):
        super().__init__(description=f"payload breaks the schema: {cause}"[:255], details={"cause": cause[:255]})
        self.code = code


def violation(action: str, payload: dict, version: str) -> SchemaViolation | None:
    """The error for a CALL's payload, or None when the schema holds (or none is known)."""
    as_decimal = action in DECIMAL_ACTIONS.get(version, ())
    try:
        validator = get_validator(MessageType.Call, action, version,
                                  **({"parse_float": decimal.Decimal} if as_decimal else {}))
    except (OSError, ValueError):
        return None  # no schema for it: the router says NotImplemented/NotSupported
    if as_decimal:
        # (the library's validation may already have turned its numbers into Decimals)
        payload = json.loads(json.dumps(payload, default=float), parse_float=decimal.Decimal)
    error = best_match(validator.iter_errors(payload))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "payload"
    return SchemaViolation(CODES.get(error.validator, "FormatViolation"), f"{where}: {error.message}")
