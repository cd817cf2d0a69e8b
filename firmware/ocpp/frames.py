"""OCPP-J frames read defensively, the same for every OCPP version.

A CSMS frame is untrusted input: the `ocpp` library's own parser accepts the
bare words NaN and Infinity (Python's json does, RFC 8259 does not) and
recurses as deep as a frame nests, so a 2 KB frame could end the reader with a
RecursionError or crash the schema validator. Here a frame is parsed once,
with those words refused, numbers that overflow to infinity refused and the
nesting bounded, before anything else looks at it. What is not a well-formed
frame becomes a FrameError that says whether it must be answered (a CALL, or
something that may have been meant as one) and with which message id.

Error codes are neutral (the 2.0.1 spelling: RpcFrameworkError for what is no
valid RPC frame); each version's RPC layer maps them to its own words (1.6:
FormationViolation).
"""

from __future__ import annotations

import json
import math
import re

from ocpp.messages import Call, CallError, CallResult

# OCPP-J 1.6 section 4.1.3 / 2.0.1 section 4.1.3: the message id is a string of at most 36 characters.
MAX_ID_LEN = 36
# The deepest OCPP payload (a charging profile in SetChargingProfile) nests 7 levels inside the frame.
MAX_DEPTH = 32
RPC_FRAMEWORK = "RpcFrameworkError"
CALL, CALLRESULT, CALLERROR = 2, 3, 4
_CALL_ID = re.compile(r'\s*\[\s*2\s*,\s*"([^"\\]{1,%d})"\s*,' % MAX_ID_LEN)


class FrameError(Exception):
    """A frame that is no valid OCPP-J message.

    `answer` is False for a broken CALLRESULT or CALLERROR: a response is
    never answered, only logged and dropped.
    """

    def __init__(self, description: str, unique_id: str = "-1", answer: bool = True):
        super().__init__(description)
        self.code = RPC_FRAMEWORK
        self.description = description
        self.unique_id = unique_id
        self.answer = answer


def _refuse_constant(word: str):
    raise ValueError(f"{word} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    if not isinstance(value, (list, dict)):
        return 0
    deepest, stack = 1, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if level > MAX_DEPTH:
                return level
        for child in (item.values() if type(item) is dict else item):
            if type(child) is dict or type(child) is list:
                stack.append((child, level + 1))
    return deepest


def _object(pairs: list) -> dict:
    """Each JSON object through Python code: the interpreter may hand the GIL to the safety
    thread between objects, where the C parser alone holds it for a whole 1 MB frame."""
    return dict(pairs)


def call_id_of(raw: str) -> str:
    """The message id of what looks like a CALL whose JSON cannot be read, else "-1"."""
    match = _CALL_ID.match(raw[:MAX_ID_LEN + 20])
    return match.group(1) if match else "-1"


def _readable_call_id(frame) -> str:
    if isinstance(frame, list) and frame[:1] == [CALL] and len(frame) > 1 and isinstance(frame[1], str) \
            and 0 < len(frame[1]) <= MAX_ID_LEN:
        return frame[1]
    return "-1"


def loads(raw) -> object:
    """Strict JSON: no NaN or Infinity, no overflowing numbers, bounded nesting."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite, object_pairs_hook=_object)
    if _depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


def parse(raw) -> Call | CallResult | CallError:
    try:
        frame = loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        why = f"nested deeper than {MAX_DEPTH} levels" if isinstance(exc, RecursionError) else str(exc)[:80]
        text = raw if isinstance(raw, str) else ""
        kind = text.lstrip()[1:].lstrip()[:1]
        answer = kind not in (str(CALLRESULT), str(CALLERROR))
        raise FrameError(f"not valid JSON: {why}", call_id_of(text), answer) from None
    if not isinstance(frame, list) or len(frame) < 3:
        is_response = isinstance(frame, list) and frame[:1] in ([CALLRESULT], [CALLERROR])
        raise FrameError("a frame is a JSON array of at least 3 elements", _readable_call_id(frame),
                         answer=not is_response)
    kind = frame[0] if type(frame[0]) is int else None  # not true, not 2.0: an integer
    unique_id = frame[1]
    if not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_ID_LEN:
        raise FrameError(f"message id must be a string of 1 to {MAX_ID_LEN} characters",
                         answer=kind not in (CALLRESULT, CALLERROR))
    if kind == CALL:
        if len(frame) != 4 or not isinstance(frame[2], str) or not isinstance(frame[3], dict):
            raise FrameError("a CALL is [2, id, action, {payload}]", unique_id)
        return Call(unique_id, frame[2], frame[3])
    if kind == CALLRESULT:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise FrameError("a CALLRESULT is [3, id, {payload}]", unique_id, answer=False)
        return CallResult(unique_id, frame[2])
    if kind == CALLERROR:
        if len(frame) != 5 or not isinstance(frame[2], str):
            raise FrameError("a CALLERROR is [4, id, code, description, {details}]", unique_id, answer=False)
        details = frame[4] if isinstance(frame[4], dict) else {}
        return CallError(unique_id, frame[2], str(frame[3]), details)
    raise FrameError(f"unknown message type {str(frame[0])[:10]}", unique_id)
