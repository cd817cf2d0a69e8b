"""The JSON API the page uses (and scripts with a token); documented in firmware/web/static/openapi.json."""

from __future__ import annotations

import logging

from aiohttp import web

from firmware.ocpp import frames
from firmware.security import events as ev
from firmware.web.guard import Refused
from firmware.web.passwords import PasswordError
from firmware.web.settings_edit import SettingsRefused

log = logging.getLogger(__name__)

PER_PAGE_MAX = 100
BODY_MAX = 64 * 1024


async def json_body(request) -> dict:
    if request.content_length is not None and request.content_length > BODY_MAX:
        raise Refused(413, "body too large")
    try:
        body = frames.loads(await request.text())
    except (ValueError, RecursionError):
        raise Refused(400, "body must be a JSON object") from None
    if not isinstance(body, dict):
        raise Refused(400, "body must be a JSON object")
    return body


def _int_query(request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise Refused(400, f"{name} must be a whole number") from None
    if not lo <= value <= hi:
        raise Refused(400, f"{name} must be from {lo} to {hi}")
    return value


class Api:
    def __init__(self, views, editor, credentials, sessions, events):
        self.views = views
        self.editor = editor
        self.credentials = credentials
        self.sessions = sessions
        self.events = events

    def routes(self) -> list:
        return [
            web.get("/api/status", self.status),
            web.get("/api/link", self.link),
            web.get("/api/meters", self.meters),
            web.get("/api/transactions", self.transactions),
            web.get("/api/transactions.csv", self.transactions_csv),
            web.get("/api/transactions/{local_id}/ocmf", self.signed_record),
            web.get("/api/transactions/{local_id}/receipts", self.ev_receipts),
            web.get("/api/settings", self.settings),
            web.get("/api/configuration", self.configuration),
            web.post("/api/settings", self.change_settings),
            web.post("/api/web-password", self.change_password),
        ]

    async def status(self, request):
        return web.json_response(self.views.dashboard())

    async def link(self, request):
        return web.json_response(self.views.link())

    async def meters(self, request):
        return web.json_response(self.views.meters())

    async def transactions(self, request):
        page = _int_query(request, "page", 0, 0, 1_000_000)
        per_page = _int_query(request, "per_page", 20, 1, PER_PAGE_MAX)
        return web.json_response(self.views.transactions(page, per_page))

    async def signed_record(self, request):
        """A signed session's OCMF record as the meter made it: what the driver's transparency software reads."""
        local_id = request.match_info["local_id"]
        record = self.views.history.signed.get(local_id)
        if record is None:
            return web.json_response({"error": f"no signed record for session {local_id}"}, status=404)
        return web.Response(text=record.data, content_type="text/plain", headers={
            "Content-Disposition": f'attachment; filename="session-{local_id[:12]}.ocmf.txt"'})

    async def ev_receipts(self, request):
        """A Plug & Charge session's MeteringReceipts, each the EV's signed message with its contract certificate
        (firmware.ev_receipts): what `hlc.receipt_check` verifies."""
        local_id = request.match_info["local_id"]
        receipts = self.views.history.receipts.of(local_id)
        if not receipts:
            return web.json_response({"error": f"no EV receipts for session {local_id}"}, status=404)
        return web.json_response([r.as_dict() for r in receipts], headers={
            "Content-Disposition": f'attachment; filename="session-{local_id[:12]}.receipts.json"'})

    async def transactions_csv(self, request):
        text = self.views.history.csv(self.views.adapter.outbox.transaction_id)
        return web.Response(text=text, content_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="transactions.csv"'})

    async def settings(self, request):
        return web.json_response(self.editor.current())

    async def configuration(self, request):
        """Everything that configures the charger, for reading: the board config and the CSMS settings."""
        return web.json_response({"board": self.views.board_config(), "csms": self.editor.current()})

    async def change_settings(self, request):
        body = await json_body(request)
        try:
            outcome = self.editor.apply(body)
        except SettingsRefused as exc:
            raise Refused(400, str(exc)) from None
        log.info("web page: settings changed (%s); %s", ", ".join(outcome["changed"]) or "none",
                 outcome["takes_effect"])
        return web.json_response(outcome)

    async def change_password(self, request):
        body = await json_body(request)
        current, new = body.get("current"), body.get("new")
        if not isinstance(current, str) or not self.credentials.check_password(current):
            raise Refused(403, "the current password is wrong")
        if not isinstance(new, str):
            raise Refused(400, "give the new password as 'new'")
        try:
            self.credentials.set_password(new)
        except PasswordError as exc:
            raise Refused(400, str(exc)) from None
        self.events.record(ev.RECONFIGURATION, "web password changed on the local web page")
        self.sessions.close_all()
        return web.json_response({"ok": True, "logged_out": True})
