"""The controller's end of SLAC in process: a client on its Unix socket stands for the SLAC process."""

from __future__ import annotations

import asyncio
import json

from firmware.dc.slac_link import NONE, SlacLink


async def connected(tmp_path):
    link = SlacLink(1, str(tmp_path / "slac.sock"))
    await link.start()
    reader, writer = await asyncio.open_unix_connection(link.socket_path)
    return link, reader, writer


async def settle(link, state):
    for _ in range(100):
        if link.state == state:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{link.state} != {state}")


async def test_the_pilot_goes_to_the_process_at_once_and_its_match_comes_back(tmp_path):
    link = SlacLink(1, str(tmp_path / "slac.sock"))
    await link.start()
    link.pilot("B", True)  # before any process is there: kept
    reader, writer = await asyncio.open_unix_connection(link.socket_path)
    assert json.loads(await asyncio.wait_for(reader.readline(), 2)) == {"type": "pilot", "state": "B", "digital": True}
    writer.write(b'{"type": "slac", "state": "matched", "ev_mac": "02:00:00:00:00:01"}\n')
    await settle(link, "matched")
    assert link.ev_mac == "02:00:00:00:00:01"
    link.pilot("A", False)
    assert json.loads(await asyncio.wait_for(reader.readline(), 2))["state"] == "A"
    writer.close()
    await settle(link, NONE)  # the process went: no EV can find the charger
    assert link.ev_mac is None
    await link.stop()


async def test_bad_lines_are_dropped_and_the_link_stays(tmp_path):
    link, reader, writer = await connected(tmp_path)
    writer.write(b'{"type": "slac", "state": "unmatched"}\n')
    await settle(link, "unmatched")
    for bad in (b"not json\n", b"[1, 2]\n", b'{"type": "slac", "state": "teleported"}\n',
                b'{"type": "slac", "state": "failed", "detail": 7}\n', b'{"type": "evse", "state": "A"}\n'):
        writer.write(bad)
    writer.write(b'{"type": "slac", "state": "matching"}\n')
    await settle(link, "matching")  # after every bad line, the next good one still lands
    writer.write(b'{"type": "slac", "state": "failed", "detail": 7}\n')
    await settle(link, "failed")
    assert link.detail is None  # a detail that is not text is not taken
    writer.close()
    await link.stop()


async def test_a_second_process_replaces_the_first(tmp_path):
    link, _, first = await connected(tmp_path)
    first.write(b'{"type": "slac", "state": "matched", "ev_mac": "02:00:00:00:00:01"}\n')
    await settle(link, "matched")
    _, second = await asyncio.open_unix_connection(link.socket_path)
    second.write(b'{"type": "slac", "state": "unmatched"}\n')
    await settle(link, "unmatched")
    second.close()
    await settle(link, NONE)
    await link.stop()
