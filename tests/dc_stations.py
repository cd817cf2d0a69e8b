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
    if protocol == "ISO_15118_20_DC":  # offered only where the connector says so
        text = text.replace("[connectors.dc]\n", "[connectors.dc]\niso15118_20 = true\n")
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


async def side_by_side(tmp_path, *scenarios, at_once: int = 1) -> None:
    """Each scenario with a CSMS of its own, `at_once` at a time. One by default: a DC session is two
    iso15118 processes with their JVMs and a controller, and with two sessions on the suite's two cores
    a busy moment stalled both controllers' 20 ms safety ticks past their 60 ms guard now and then (the
    guard then opens the output, as it must), or kept an EV waiting past its 0.25 s."""
    for _, csms in scenarios:
        await csms.start()
    room = asyncio.Semaphore(at_once)

    async def run(scenario, csms):
        async with room:
            await scenario(tmp_path, csms)

    try:
        await asyncio.gather(*(run(scenario, csms) for scenario, csms in scenarios))
    finally:
        for _, csms in scenarios:
            await csms.stop()


async def pnc_station(tmp_path, csms, name: str, pki, *mock: str) -> ControllerProcess:
    """A 2.0.1 DC station whose bench EV uses Plug & Charge with the test PKI (`pki`, PKI_PATH), arriving
    at 78 % (a short charge) and asked to sign the meter's reading every half second (MeteringReceipt),
    with more `[mock]` lines; started and connected."""
    text = (ROOT / "board-configs" / "bench-dc.toml").read_text().replace("ev_soc_pct = 20.0", "ev_soc_pct = 78.0")
    text = text.replace('cable = "tethered"', 'cable = "tethered"\nmetering_receipt_s = 0.5')
    path = tmp_path / f"bench-dc-{name}.toml"
    path.write_text(text.replace("[mock]", "\n".join(["[mock]", "ev_pnc = true", *mock])))
    station = ControllerProcess(csms.url, tmp_path / name, board=str(path), cp_id=name, ocpp_version="2.0.1",
                                env={"PKI_PATH": f"{pki}/"})
    await station.start()
    await csms.wait_connected(name, 15)
    return station


async def plugged_and_refused(station, csms, asked) -> None:
    """An EV plugged in that the charger must not charge: once `asked(csms)` holds (the CSMS had its say),
    its session ends with no transaction, the output off and the contactors open; then it leaves."""
    await station.post("/ev", {"connector": 1, "state": "B"})
    await csms.wait_for(asked, 60)
    await station.until(lambda c: c["dc"]["ev_stage"] == "ended", 30)
    c = await station.connector()
    assert c["session"] is None and c["dc"]["state"] == "off" and not c["contactor_closed"], c
    await station.post("/ev", {"connector": 1, "state": "A"})
