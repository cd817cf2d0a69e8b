"""The HTML side: the login form, the one page, logging out. Templates are Jinja2, shipped in the package."""

from __future__ import annotations

import logging

import jinja2
from aiohttp import web

from firmware import __version__
from firmware.web.guard import COOKIE, Refused, same_origin
from firmware.web.sessions import ABSOLUTE_S

log = logging.getLogger(__name__)

SET_PASSWORD = "sudo evse web-password --data-dir /var/lib/evse"


class Pages:
    def __init__(self, credentials, sessions, throttle, title: str, secure: bool):
        self.credentials = credentials
        self.sessions = sessions
        self.throttle = throttle
        self.title = title
        self.secure = secure
        self.templates = jinja2.Environment(loader=jinja2.PackageLoader("firmware.web", "templates"),
                                            autoescape=True)

    def routes(self) -> list:
        return [web.get("/", self.index), web.get("/login", self.index), web.post("/login", self.login),
                web.post("/logout", self.logout)]

    def _page(self, name: str, status: int = 200, **values) -> web.Response:
        html = self.templates.get_template(name).render(title=self.title, version=__version__, **values)
        return web.Response(text=html, content_type="text/html", status=status)

    async def index(self, request):
        if not self.credentials.password_set:
            return self._page("setup.html", command=SET_PASSWORD)
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is None:
            return self._page("login.html")
        return self._page("index.html", csrf=session.csrf)

    async def login(self, request):
        if not same_origin(request):
            raise Refused(403, "request from another origin")
        client = request.remote or "?"
        wait = self.throttle.wait_s(client)
        if wait > 0:
            return self._page("login.html", status=429, error=f"Too many wrong passwords: wait {wait:.0f} s.")
        form = await request.post()
        password = form.get("password", "")
        if not self.credentials.password_set or not self.credentials.check_password(str(password)):
            self.throttle.failed(client)
            log.warning("web page: wrong password from %s", client)
            return self._page("login.html", status=401, error="Wrong password.")
        self.throttle.succeeded(client)
        session = self.sessions.open()
        log.info("web page: logged in from %s", client)
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="Strict", secure=self.secure,
                            max_age=ABSOLUTE_S, path="/")
        raise response

    async def logout(self, request):
        if not same_origin(request):
            raise Refused(403, "request from another origin")
        self.sessions.close(request.cookies.get(COOKIE))
        response = web.HTTPSeeOther("/")
        response.del_cookie(COOKIE, path="/")
        raise response
