"""The dashboard pushed to the page as Server-Sent Events: no polling loop in the browser.

The server looks again when the model publishes an event and at least every
two seconds (meters move without events), and sends only what changed. A page
whose session expired is told so and the stream ends.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from firmware.web.guard import COOKIE

log = logging.getLogger(__name__)

LOOK_S = 2.0  # meters move without events: live enough for a person, half the looks of one a second
KEEPALIVE_S = 15.0


class LiveDashboard:
    def __init__(self, views, bus, sessions):
        self.views = views
        self.bus = bus
        self.sessions = sessions
        self.watchers = 0

    async def stream(self, request):
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        queue = self.bus.subscribe()
        self.watchers += 1
        last, quiet = None, 0.0
        try:
            while True:
                if request.headers.get("Authorization") is None and \
                        self.sessions.peek(request.cookies.get(COOKIE)) is None:
                    await response.write(b"event: logout\ndata: {}\n\n")
                    break
                now = json.dumps(self.views.dashboard(), separators=(",", ":"))
                if now != last:
                    await response.write(f"data: {now}\n\n".encode())
                    last, quiet = now, 0.0
                elif quiet >= KEEPALIVE_S:
                    await response.write(b": still here\n\n")
                    quiet = 0.0
                await self._next(queue)
                quiet += LOOK_S
        except ConnectionResetError:
            pass  # the page was closed
        finally:
            self.watchers -= 1
            self.bus.unsubscribe(queue)
        return response

    @staticmethod
    async def _next(queue) -> None:
        try:
            async with asyncio.timeout(LOOK_S):
                await queue.get()
            while not queue.empty():
                queue.get_nowait()
        except TimeoutError:
            pass
