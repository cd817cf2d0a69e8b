"""The installer's page as a user reaches it: the password set with `evse web-password`, HTTPS, a cookie."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys

import aiohttp

from controller import ROOT, ControllerProcess, free_port

PASSWORD = "bench page password"


def set_password(data_dir, password: str = PASSWORD) -> subprocess.CompletedProcess:
    """As an installer does on the device: the password on stdin of `evse web-password`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "firmware", "web-password", "--data-dir", str(data_dir)],
                          input=password + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60)


def api_token(data_dir, name: str = "ci") -> str:
    done = subprocess.run([sys.executable, "-m", "firmware", "web-password", "--data-dir", str(data_dir),
                           "--api-token", name], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return done.stdout.strip()


def web_controller(csms_url, data_dir, **kw) -> ControllerProcess:
    port = free_port()
    proc = ControllerProcess(csms_url, data_dir, extra=("--web-port", str(port), *kw.pop("extra", ())), **kw)
    proc.web = f"https://127.0.0.1:{port}"
    return proc


async def started_with_password(csms, data_dir) -> ControllerProcess:
    """A controller with its page on and a password set, booted at the CSMS."""
    from integration.conftest import wait_booted

    assert set_password(data_dir).returncode == 0
    proc = web_controller(csms.url, data_dir)
    await proc.start()
    await wait_booted(csms, proc)
    return proc


class Browser:
    """An aiohttp client that keeps cookies like a browser and trusts the charger's own certificate."""

    def __init__(self, base: str, cert_file=None):
        self.base = base
        context = ssl.create_default_context(cafile=str(cert_file)) if cert_file else False
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          connector=aiohttp.TCPConnector(ssl=context))
        self.csrf = None

    async def login(self, password: str = PASSWORD) -> int:
        async with self.http.post(self.base + "/login", data={"password": password}, allow_redirects=False) as r:
            status = r.status
        if status == 303:
            async with self.http.get(self.base + "/") as page:
                self.csrf = re.search(r'name="csrf" content="([^"]+)"', await page.text()).group(1)
        return status

    async def get(self, path: str, **kw):
        async with self.http.get(self.base + path, **kw) as r:
            body = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, body

    async def post(self, path: str, body: dict, csrf: bool = True, headers: dict | None = None):
        headers = dict(headers or {})
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        async with self.http.post(self.base + path, json=body, headers=headers) as r:
            return r.status, await r.json()

    async def close(self) -> None:
        await self.http.close()
