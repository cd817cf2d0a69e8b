"""Standalone mode on the page: the charger's own cards and free charging (firmware.auth.standalone)."""

from __future__ import annotations

from aiohttp import web

from firmware.auth.standalone import CardRefused
from firmware.security import events as ev
from firmware.web.api import json_body
from firmware.web.guard import Refused


class CardsApi:
    def __init__(self, standalone_cards, settings, events):
        self.cards = standalone_cards
        self.settings = settings
        self.events = events

    def routes(self) -> list:
        return [web.get("/api/cards", self.list_cards), web.post("/api/cards", self.put_card),
                web.delete("/api/cards/{id_tag}", self.remove_card), web.post("/api/free-charging", self.free)]

    def _only_standalone(self) -> None:
        if not self.settings.standalone:
            raise Refused(409, "a CSMS manages this charger's cards (SendLocalList); they are edited there")

    async def list_cards(self, request):
        return web.json_response({"standalone": self.settings.standalone, "free_charging": self.cards.free_charging,
                                  "cards": self.cards.cards()})

    async def put_card(self, request):
        self._only_standalone()
        body = await json_body(request)
        try:
            self.cards.put(body.get("id_tag"), body.get("status", "Accepted"))
        except CardRefused as exc:
            raise Refused(400, str(exc)) from None
        self.events.record(ev.RECONFIGURATION, f"card {body['id_tag']} {body.get('status', 'Accepted')} "
                                               "(local web page)")
        return web.json_response({"ok": True})

    async def remove_card(self, request):
        self._only_standalone()
        if not self.cards.remove(request.match_info["id_tag"]):
            raise Refused(404, "no such card")
        self.events.record(ev.RECONFIGURATION, f"card {request.match_info['id_tag']} removed (local web page)")
        return web.json_response({"ok": True})

    async def free(self, request):
        self._only_standalone()
        body = await json_body(request)
        if not isinstance(body.get("on"), bool):
            raise Refused(400, "'on' must be true or false")
        self.cards.set_free_charging(body["on"])
        self.events.record(ev.RECONFIGURATION, f"free charging {'on' if body['on'] else 'off'} (local web page)")
        return web.json_response({"ok": True, "free_charging": body["on"]})
