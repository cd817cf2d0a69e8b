"""A DC station in `evse run` on the DC bench (board-configs/bench-dc.toml) for the process-level DC
tests: started against a CSMS with the bench EV speaking a chosen protocol, plugged and shown a card,
and scenarios run side by side, each with a CSMS of its own."""

import asyncio

from controller import ROOT, ControllerProcess

CARD = "04A1B2C3"


def board(tmp_path, protocol: str, soc_pct: float = 20.0) -> str:
    """bench-dc.toml with the EV speaking `protocol` and arriving at `soc_pct` (it stops at 80 %)."""
    text = (ROOT / "board-configs" / "bench-dc.toml").read_text().replace('"ISO_15118_2"', f'"{protocol}"')
    text = text.replace("ev_soc_pct = 20.0", f"ev_soc_pct = {soc_pct}")
    path = tmp_path / f"bench-dc-{protocol}-{soc_pct:.0f}.toml"
    path.write_text(text)
    return str(path)


async def running(tmp_path, name: str, csms, version: str, protocol: str, soc_pct: float = 20.0) -> ControllerProcess:
    station = ControllerProcess(csms.url, tmp_path / name, board=board(tmp_path, protocol, soc_pct), cp_id=name,
                                ocpp_version=version)
    await station.start()
    await csms.wait_connected(name, 15)
    await station.until(lambda c: c["status"] == "Available", 15)
    return station


async def plug_and_card(station) -> None:
    await station.post("/ev", {"connector": 1, "state": "B"})
    await station.post("/rfid", {"connector": 1, "id_tag": CARD})


async def side_by_side(tmp_path, *scenarios) -> None:
    """Each scenario with a CSMS of its own, all at once: three DC sessions (six iso15118 processes,
    each with a JVM) is what two cores carry without delaying an EV past the norm's 2 s silence."""
    for _, csms in scenarios:
        await csms.start()
    try:
        await asyncio.gather(*(scenario(tmp_path, csms) for scenario, csms in scenarios))
    finally:
        for _, csms in scenarios:
            await csms.stop()
