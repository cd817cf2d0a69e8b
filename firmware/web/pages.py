"""The HTML side: the login form, the one page, logging out. Templates are Jinja2, shipped in the package."""

from __future__ import annotations

import logging
import time

import jinja2
from aiohttp import web

from firmware import __version__
from firmware.web.guard import COOKIE, Refused, same_origin
from firmware.web.passwords import PasswordError
from firmware.web.sessions import ABSOLUTE_S

log = logging.getLogger(__name__)

SET_PASSWORD = "sudo evse web-password --data-dir /var/lib/evse"


class Pages:
    def __init__(self, credentials, sessions, throttle, title: str, secure: bool, wall_now=None):
        self.wall_now = wall_now or time.time  # epoch seconds: the setup code was made by another process
        self.credentials = credentials
        self.sessions = sessions
        self.throttle = throttle
        self.title = title
        self.secure = secure
        self.templates = jinja2.Environment(loader=jinja2.PackageLoader("firmware.web", "templates"),
                                            autoescape=True)

    def routes(self) -> list:
        return [web.get("/", self.index), web.get("/login", self.index), web.post("/login", self.login),
                web.post("/logout", self.logout), web.post("/setup", self.setup)]

    def _page(self, name: str, status: int = 200, **values) -> web.Response:
        html = self.templates.get_template(name).render(title=self.title, version=__version__, **values)
        return web.Response(text=html, content_type="text/html", status=status)

    async def index(self, request):
        if not self.credentials.password_set:
            return self._page("setup.html", command=SET_PASSWORD,
                              with_code=self.credentials.setup_code_pending(self.wall_now()))
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
        log.info("web page: logged in from %s", client)
        return self._logged_in()

    async def setup(self, request):
        """The first password, chosen in the browser with the one-time code `evse install` printed."""
        if not same_origin(request):
            raise Refused(403, "request from another origin")
        client = request.remote or "?"
        if self.throttle.wait_s(client) > 0:
            return self._page("setup.html", status=429, command=SET_PASSWORD, with_code=True,
                              error="Too many wrong codes: wait a minute.")
        form = await request.post()
        password, again = str(form.get("password", "")), str(form.get("again", ""))
        if password != again:
            return self._page("setup.html", status=400, command=SET_PASSWORD, with_code=True,
                              error="The two passwords differ.")
        try:
            done = self.credentials.use_setup_code(str(form.get("code", "")), password, self.wall_now())
        except PasswordError as exc:
            return self._page("setup.html", status=400, command=SET_PASSWORD, with_code=True, error=f"{exc}.")
        if not done:
            self.throttle.failed(client)
            log.warning("web page: wrong or expired setup code from %s", client)
            return self._page("setup.html", status=401, command=SET_PASSWORD, with_code=True,
                              error="Wrong or expired setup code.")
        log.info("web page: password chosen with the setup code from %s", client)
        return self._logged_in()

    def _logged_in(self):
        session = self.sessions.open()
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
