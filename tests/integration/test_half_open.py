"""A link that dies without a word (half-open) is noticed by WebSocket pings and replaced."""

import asyncio

from ocpp.v16 import call

from controller import ControllerProcess
from proxy import FreezingProxy


async def test_half_open_link_is_detected_and_replaced(csms, tmp_path):
    proxy = FreezingProxy(csms.port)
    await proxy.start()
    ctl = ControllerProcess(f"ws://127.0.0.1:{proxy.port}/ocpp", tmp_path / "data")
    try:
        await ctl.start()
        cp = await csms.wait_connected("CP001")
        answer = await cp.call(call.ChangeConfiguration(key="WebSocketPingInterval", value="1"))
        assert answer.status == "RebootRequired"
        assert await ctl.stop() == 0
        await ctl.start()  # the new interval applies from this connection on
        await csms.wait_for(lambda c: c.charge_points.get("CP001"))
        first = proxy.connections
        proxy.freeze()
        await ctl.wait_disconnected(timeout=6)  # ping 1 s + pong timeout 1 s, not TCP's minutes
        proxy.thaw()
        await csms.wait_for(lambda c: proxy.connections > first and c.charge_points.get("CP001"), 15)
        await asyncio.sleep(0.5)
        assert (await ctl.status())["ocpp"]["connected"]
    finally:
        await ctl.close()
        await proxy.stop()
