"""Where a station uploads its logs in tests: an HTTP endpoint taking multipart posts, field "file"."""

from aiohttp import web

from controller import free_port


class UploadServer:
    def __init__(self, status=200):
        self.files: list[tuple[str, bytes]] = []
        self.status = status
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/upload"

    async def start(self):
        async def upload(request):
            form = await request.post()
            if self.status != 200:
                return web.Response(status=self.status)
            self.files.append((form["file"].filename, form["file"].file.read()))
            return web.Response(text="ok")

        app = web.Application()
        app.add_routes([web.post("/upload", upload)])
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
