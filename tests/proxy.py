"""A TCP proxy that can freeze: bytes stop flowing both ways, no FIN, no RST.

That is what a dead NAT or a modem that lost its carrier looks like to both
ends: a half-open connection only a keep-alive can detect.
"""

from __future__ import annotations

import asyncio


class FreezingProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.port = 0
        self.connections = 0
        self._server = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    async def stop(self) -> None:
        self._server.close()

    async def _handle(self, reader, writer):
        self.connections += 1
        await self.flowing.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)

    async def _pipe(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self.flowing.wait()  # frozen: hold the bytes, say nothing
                writer.write(data)
                await writer.drain()
        finally:
            if self.flowing.is_set():
                writer.close()
