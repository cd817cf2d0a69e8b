"""kill -9, again and again: the part of the kill loops that both OCPP versions share."""

import asyncio
import signal

import aiohttp


async def poke(ctl, path, body):
    try:
        await ctl.post(path, body)
    except (aiohttp.ClientError, OSError):
        pass  # the controller may be starting or already dead: that is the point


async def kill_repeatedly(ctl, rng, kills: int, activity) -> None:
    """`kills` times: (re)start, let `activity()` happen, kill -9 at a random moment; then a last
    start with both EVs unplugged, so every session can end."""
    for _ in range(kills):
        if ctl.proc.returncode is not None:
            await ctl.start(wait=rng.random() < 0.7)
        await activity()
        await asyncio.sleep(rng.uniform(0.0, 1.5))
        ctl.proc.send_signal(signal.SIGKILL)
        await ctl.proc.wait()
    await ctl.start()
    for cid in (1, 2):
        await ctl.post("/ev", {"connector": cid, "state": "A"})


async def drive_evs(ctl, rng) -> None:
    """A few random driver actions: plug in, present a card, unplug, or nothing, on either socket."""
    for _ in range(rng.randint(1, 4)):
        cid = rng.choice([1, 2])
        action = rng.choice(["plug", "card", "card", "unplug", "wait"])
        if action == "plug":
            await poke(ctl, "/ev", {"connector": cid, "state": "C"})
        elif action == "card":
            await poke(ctl, "/rfid", {"connector": cid, "id_tag": f"TAG{cid}"})
        elif action == "unplug":
            await poke(ctl, "/ev", {"connector": cid, "state": "A"})
        await asyncio.sleep(rng.uniform(0.05, 0.6))
