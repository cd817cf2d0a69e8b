"""A simulated Bender isoCHA425HV on a real serial line: socat's pty pair, the device served on one end
in a thread of its own (hal/mock/isometer_sim.py), a ModbusBus on the other; or only the device's end,
for a board config's [[buses]] to open."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time

from hal.meters.bus import ModbusBus
from hal.mock.dc import DcBus
from hal.mock.isometer_sim import SimIsoCha, build_server


class Line:
    """socat's pty pair, the simulated device served on one end in a thread of its own."""

    def __init__(self, tmp, own_bus: bool = True):
        self.own_bus = own_bus
        self.dc = DcBus()
        self.sim = SimIsoCha(self.dc)
        self.device_end, self.driver_end = tmp / "imd-sim", tmp / "imd-tty"

    def __enter__(self):
        self.socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={self.device_end}",
                                       f"pty,raw,echo=0,link={self.driver_end}"])
        for _ in range(100):
            if self.device_end.exists() and self.driver_end.exists():
                break
            time.sleep(0.02)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def start():
            self.server = build_server(self.sim, str(self.device_end))
            await self.server.serve_forever(background=True)

        def serve():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(start())
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(5)
        self.bus = ModbusBus("imd", port=str(self.driver_end), baud=19200, timeout_s=0.3) if self.own_bus else None
        return self

    def __exit__(self, *exc):
        if self.bus is not None:
            self.bus.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(2)
        self.socat.terminate()
        self.socat.wait()


