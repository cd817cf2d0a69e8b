"""A firmware install waits for the sessions (2.0.1 L01: AllowNewSessionsPendingFirmwareUpdate) and
cannot be replaced once installing (TC_L_12)."""

import asyncio

from firmware.ota.updater import UpdateRequest, Updater, wait_until_idle


class Station:
    """Sessions that end when the test says; an EVSE out of service takes no new one."""

    def __init__(self, sessions: int):
        self.running = sessions
        self.operative = True
        self.calls: list[bool] = []

    def sessions(self):
        return [object()] * self.running

    async def set_operative(self, cid, operative):
        self.calls.append(operative)
        self.operative = operative

    def try_start(self) -> bool:
        if self.operative:
            self.running += 1
        return self.operative


async def test_without_new_sessions_free_evses_close_at_once():  # TC_L_13, TC_L_15
    station = Station(sessions=1)
    waiting = asyncio.create_task(wait_until_idle(station, allow_new_sessions=False, poll_s=0.01))
    await asyncio.sleep(0.05)
    assert station.calls == [False] and not station.try_start()  # nobody new while it waits
    station.running = 0
    await asyncio.wait_for(waiting, 1)


async def test_with_new_sessions_the_install_waits_for_a_quiet_moment():  # TC_L_14, TC_L_16
    station = Station(sessions=1)
    waiting = asyncio.create_task(wait_until_idle(station, allow_new_sessions=True, poll_s=0.01))
    await asyncio.sleep(0.05)
    assert station.calls == [] and station.try_start() and station.running == 2  # a new one may start
    station.running = 0
    await asyncio.wait_for(waiting, 1)
    assert station.calls == [False]  # then closed for the install


async def test_an_install_under_way_cannot_be_replaced(tmp_path):  # TC_L_12
    updater = Updater(data_dir=tmp_path, releases=None, station=Station(0), events=None,
                      report=lambda *a: None, restart=None)
    updater.installing = True
    assert updater.start(UpdateRequest("http://x/fw", retrieve_at=None)) is None
