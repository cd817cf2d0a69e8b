"""OCPP-J 1.6 RPC details the `ocpp` library gets differently from the spec.

- Unknown actions: OCPP-J 1.6 section 4.2.3 answers NotImplemented ("Requested
  Action is not known by receiver") and NotSupported for a known action we do
  not support; the library has the two the other way round.
- Malformed frames: the library only logs them; we answer with the CALLERROR
  the frame deserves, using the message id when one can be read and "-1" when
  not (as OCPP-J 2.0.1 prescribes; 1.6 is silent).
- 1.6 spells two codes as the spec's errata keep them: FormationViolation and
  OccurenceConstraintViolation.
"""

from __future__ import annotations

import json
import logging

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import NotSupportedError, OCPPError
from ocpp.messages import CallError, MessageType, unpack
from ocpp.v16 import ChargePoint as LibChargePoint
from ocpp.v16.enums import Action

log = logging.getLogger(__name__)

V16_CODES = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}
KNOWN_ACTIONS = frozenset(a.value for a in Action)


class RpcChargePoint(LibChargePoint):
    async def route_message(self, raw_msg):
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            await self._answer_malformed(raw_msg, error)
            return
        except Exception as error:  # a frame so odd the library trips over it
            await self._answer_malformed(raw_msg, OCPPError(description=str(error)))
            return
        if msg.message_type_id == MessageType.Call:
            if not isinstance(msg.action, str) or not isinstance(msg.payload, dict):
                await self._send_error(msg.unique_id, "FormationViolation", "Action must be a string and payload an object")
                return
            try:
                await self._handle_call(msg)
            except OCPPError as error:
                log.warning("%s: CALLERROR %s for %s: %s", self.id, error.code, msg.action, error.description)
                await self._send_error(msg.unique_id, error.code, error.description, error.details)
        else:
            self._response_queue.put_nowait(msg)

    async def _handle_call(self, msg):
        if msg.action not in self.route_map:
            if msg.action in KNOWN_ACTIONS:
                raise NotSupportedError(description="Requested Action is recognized but not supported")
            raise OcppNotImplemented(description="Requested Action is not known by receiver")
        return await super()._handle_call(msg)

    async def _answer_malformed(self, raw_msg, error: OCPPError) -> None:
        unique_id = "-1"
        try:
            frame = json.loads(raw_msg)
            if isinstance(frame, list) and len(frame) > 1 and isinstance(frame[1], str):
                if frame[0] in (MessageType.CallResult, MessageType.CallError):
                    log.warning("%s: dropped malformed response frame: %.200s", self.id, raw_msg)
                    return
                unique_id = frame[1]
        except (ValueError, TypeError):
            pass
        log.warning("%s: malformed frame (%s): %.200s", self.id, error.code if hasattr(error, "code") else "", raw_msg)
        self.on_invalid_message(str(raw_msg)[:100])
        await self._send_error(unique_id, "FormationViolation", "Frame is not a valid OCPP-J message")

    def on_invalid_message(self, excerpt: str) -> None:
        """A frame that is no OCPP-J message; subclasses may report it."""

    async def _send_error(self, unique_id, code, description, details=None) -> None:
        code = V16_CODES.get(code, code)
        details = details if isinstance(details, dict) else {}
        details = {k: v for k, v in details.items() if k == "cause"}
        await self._send(CallError(unique_id, code, description, details).to_json())
