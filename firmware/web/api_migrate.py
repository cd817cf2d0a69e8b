"""CSMS migration through the page's API (firmware.migration): what `evse migrate` calls."""

from __future__ import annotations

import logging

from aiohttp import web

from firmware.migration import MigrationRefused
from firmware.web.api import json_body
from firmware.web.guard import Refused

log = logging.getLogger(__name__)


class MigrateApi:
    def __init__(self, migration):
        self.migration = migration

    def routes(self) -> list:
        return [web.get("/api/migrate", self.status), web.post("/api/migrate", self.start)]

    async def status(self, request):
        return web.json_response(self.migration.status())

    async def start(self, request):
        body = await json_body(request)
        target = {k: body[k] for k in ("csms_url", "charge_point_id", "security_profile", "basic_auth_password")
                  if body.get(k) is not None}
        try:
            answer = self.migration.request(target, body.get("attempts", 5), body.get("timeout_s", 300))
        except MigrationRefused as exc:
            raise Refused(400 if "under way" not in str(exc) else 409, str(exc)) from None
        log.warning("web API: CSMS migration to %s asked", target["csms_url"])
        return web.json_response(answer, status=202)
