"""OCPP-J RPC for both versions: every CALL answered, every stray response dropped, the reader never dies.

- Frames are read by `firmware.ocpp.frames` (strict JSON, bounded nesting,
  message ids of 1-36 characters): what is no valid frame gets a CALLERROR with
  the message id when it can be read, "-1" when not (OCPP-J 2.0.1 4.2.3). A
  broken or unexpected CALLRESULT/CALLERROR is logged and dropped, never answered.
- Unknown actions: NotImplemented ("Requested Action is not known by
  receiver"), a known action we do not handle NotSupported (OCPP-J 1.6 4.2.3 and
  2.0.1 4.2.3); the `ocpp` library has the two the other way round.
- A payload that breaks its schema gets the code of the OCPP-J table
  (`firmware.ocpp.schema`, asked only once the library's own validation refused it).
- Whatever a handler or the validator raises is answered (InternalError for
  what is not an OCPP error) and logged with its traceback; the reader goes on.
- `@after` handlers run as owned tasks, so a crash in one is logged.

Each version's class gives the library's ChargePoint, its known actions and
its spelling of the codes (`CODES`: neutral 2.0.1 words -> the version's).
"""

from __future__ import annotations

import logging

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import NotSupportedError, OCPPError
from ocpp.messages import CallError, MessageType

from firmware.ocpp import frames, schema
from firmware.tasks import Tasks

log = logging.getLogger(__name__)


class RpcMixin:
    CODES: dict[str, str] = {}
    KNOWN_ACTIONS: frozenset[str] = frozenset()

    def __init__(self, cp_id, connection, response_timeout=30):
        super().__init__(cp_id, connection, response_timeout=response_timeout)
        self.tasks = Tasks()
        self._awaiting: str | None = None  # the id of our CALL in flight
        for action, handlers in self.route_map.items():
            if "_after_action" in handlers:
                handlers["_after_action"] = self._owned(action, handlers["_after_action"])

    def _owned(self, action, after):
        def run(**kwargs):
            result = after(**kwargs)
            if hasattr(result, "__await__"):
                self.tasks.spawn(result, f"after {action}")
        return run

    async def route_message(self, raw_msg):
        try:
            msg = frames.parse(raw_msg)
        except frames.FrameError as error:
            await self._answer_malformed(raw_msg, error)
            return
        if msg.message_type_id == MessageType.Call:
            await self._answer_call(msg)
        elif msg.unique_id == self._awaiting:
            self._awaiting = None
            self._response_queue.put_nowait(msg)
        else:
            log.warning("%s: ignored a response to no request of ours (id %s): %.200s", self.id, msg.unique_id,
                        raw_msg)

    async def _answer_call(self, msg) -> None:
        try:
            await self._handle_call(msg)
        except OCPPError as error:
            # The library validated and refused it with one of two codes; only now (never for a good
            # payload: a 10,000-entry list is not validated twice) find the code the OCPP-J table gives.
            error = schema.violation(msg.action, msg.payload, self._ocpp_version) or error
            log.warning("%s: CALLERROR %s for %s: %s", self.id, error.code, msg.action, error.description)
            await self._send_error(msg.unique_id, error.code, error.description, error.details)
        except Exception as error:  # the validator or our code tripped: answer, log, go on reading
            log.exception("%s: %s (message %s) failed", self.id, msg.action, msg.unique_id)
            await self._send_error(msg.unique_id, "InternalError", f"{type(error).__name__} while handling it")

    async def _handle_call(self, msg):
        if msg.action not in self.route_map:
            if msg.action in self.KNOWN_ACTIONS:
                raise NotSupportedError(description="Requested Action is recognized but not supported")
            raise OcppNotImplemented(description="Requested Action is not known by receiver")
        return await super()._handle_call(msg)

    async def _send(self, message):
        if message.startswith('[2,"'):  # our CALL (the library's compact to_json), under its call lock
            self._awaiting = message[4:message.index('"', 4)]
        await super()._send(message)

    async def _get_specific_response(self, unique_id, timeout):
        try:
            return await super()._get_specific_response(unique_id, timeout)
        finally:
            self._awaiting = None  # a late answer to a request given up on is a stray one

    async def _answer_malformed(self, raw_msg, error: frames.FrameError) -> None:
        if not error.answer:
            log.warning("%s: dropped a malformed response (%s): %.200s", self.id, error.description, raw_msg)
            return
        log.warning("%s: malformed frame (%s): %.200s", self.id, error.description, raw_msg)
        self.on_invalid_message(str(raw_msg)[:100])
        await self._send_error(error.unique_id, error.code, error.description)

    def on_invalid_message(self, excerpt: str) -> None:
        """A frame that is no OCPP-J message; subclasses may report it."""

    async def _send_error(self, unique_id, code, description, details=None) -> None:
        code = self.CODES.get(code, code)
        details = details if isinstance(details, dict) else {}
        details = {k: v for k, v in details.items() if k == "cause"}
        await self._send(CallError(unique_id, code, description, details).to_json())
