"""OCPP 2.0.1 display messages (O01-O06) and the running cost (I01, I02): parse, keep, answer.

A mixin of ChargePoint201.
"""

from __future__ import annotations

import logging

from ocpp.routing import after, on
from ocpp.v201 import call_result

from firmware.clock import parse_utc
from firmware.display_messages import FORMATS, PRIORITIES, STATES, DisplayMessage

log = logging.getLogger(__name__)


def message_from_201(m: dict) -> DisplayMessage:
    content = m["message"]
    return DisplayMessage(id=m["id"], priority=m["priority"], content=content["content"], format=content["format"],
                          language=content.get("language"), state=m.get("state"),
                          start=m.get("start_date_time"), end=m.get("end_date_time"),
                          transaction_id=m.get("transaction_id"))


def message_to_201(m: DisplayMessage) -> dict:
    out = {"id": m.id, "priority": m.priority, "message": {"format": m.format, "content": m.content}}
    if m.language:
        out["message"]["language"] = m.language
    for key, value in (("state", m.state), ("startDateTime", m.start), ("endDateTime", m.end),
                       ("transactionId", m.transaction_id)):
        if value is not None:
            out[key] = value
    return out


class DisplayHandlers:
    @on("SetDisplayMessage")
    def on_set_display_message(self, message, **_):
        return call_result.SetDisplayMessage(status=self._display_status(message))

    def _display_status(self, message: dict) -> str:
        if message["message"]["format"] not in FORMATS:
            return "NotSupportedMessageFormat"
        if message["priority"] not in PRIORITIES:
            return "NotSupportedPriority"
        if message.get("state") is not None and message["state"] not in STATES:
            return "NotSupportedState"
        tx = message.get("transaction_id")
        if tx is not None and not self.adapter.transaction_running(tx):
            return "UnknownTransaction"
        for when in ("start_date_time", "end_date_time"):
            if message.get(when) is not None and parse_utc(message[when]) is None:
                return "Rejected"
        messages = self.adapter.display_messages
        if messages.full(message["id"]):
            return "Rejected"
        messages.put(message_from_201(message))
        log.info("display message %s (%s) set", message["id"], message["priority"])
        return "Accepted"

    def _matching(self, id=None, priority=None, state=None) -> list[DisplayMessage]:
        return [m for m in self.adapter.display_messages.all()
                if (not id or m.id in id) and (priority is None or m.priority == priority)
                and (state is None or m.state == state)]

    @on("GetDisplayMessages")
    def on_get_display_messages(self, request_id, id=None, priority=None, state=None, **_):
        return call_result.GetDisplayMessages(status="Accepted" if self._matching(id, priority, state) else "Unknown")

    @after("GetDisplayMessages")
    def after_get_display_messages(self, request_id, id=None, priority=None, state=None, **_):
        found = self._matching(id, priority, state)
        if found:
            self.adapter.outbox.push("NotifyDisplayMessages", {
                "requestId": request_id, "messageInfo": [message_to_201(m) for m in found]}, None)

    @on("CostUpdated")
    def on_cost_updated(self, total_cost, transaction_id, **_):
        """I02: the running cost of a transaction, shown on the display and in the bench's status."""
        if self.adapter.transaction_running(transaction_id):
            self.adapter.costs[transaction_id] = float(total_cost)
        return call_result.CostUpdated()

    @on("ClearDisplayMessage")
    def on_clear_display_message(self, id, **_):
        return call_result.ClearDisplayMessage(status="Accepted" if self.adapter.display_messages.clear(id)
                                               else "Unknown")
