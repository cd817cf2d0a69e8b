"""The charger announces its page on the local network (mDNS / DNS-SD, RFC 6762/6763).

An installer on site types `https://evse-<serial>.local:<port>/` or finds it
in a service browser (`_http._tcp`, `_https` in the TXT record), without
knowing the charger's address. python-zeroconf does the protocol.
"""

from __future__ import annotations

import logging
import socket

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

log = logging.getLogger(__name__)

SERVICE = "_http._tcp.local."


def addresses(bind: str) -> list[bytes]:
    """The IPv4 addresses to announce: the one bound, or every address of the host for 0.0.0.0."""
    if bind not in ("0.0.0.0", "", "::"):
        return [socket.inet_aton(bind)]
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the outgoing interface
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    return [socket.inet_aton(a) for a in sorted(found) if not a.startswith("127.")]


class Announcer:
    def __init__(self, name: str, port: int, bind: str, tls: bool = True):
        self.name = name
        self.info = AsyncServiceInfo(
            SERVICE, f"{name}.{SERVICE}", addresses=addresses(bind), port=port,
            properties={"path": "/", "scheme": "https" if tls else "http"}, server=f"{name}.local.")
        self._zc: AsyncZeroconf | None = None

    async def start(self) -> None:
        try:
            self._zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
            await self._zc.async_register_service(self.info, allow_name_change=True)
            log.info("web page announced as %s.local (mDNS)", self.name)
        except (OSError, Exception) as exc:  # no multicast on this network: the page still works by address
            log.warning("web page: cannot announce %s.local by mDNS: %s", self.name, exc)
            self._zc = None

    async def stop(self) -> None:
        if self._zc is not None:
            await self._zc.async_unregister_all_services()
            await self._zc.async_close()
