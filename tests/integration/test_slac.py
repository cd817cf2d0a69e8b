"""SLAC (ISO 15118-3) for real: pyslac's EVSE in the product's SLAC process (hlc.slac_child) and the
bench's EV and modem (hlc.slac_sim), raw Ethernet frames on a veth pair in a network namespace made
here, the controller's end (firmware.dc.slac_link) in this process."""

from __future__ import annotations

import asyncio

from firmware.dc.slac_link import NONE
from slac_rig import Rig


async def test_the_charger_matches_a_plugged_ev_at_5_percent_and_again_after_a_replug(tmp_path):
    async with Rig(tmp_path) as rig:
        rig.pilot = ("A", False)
        await rig.until("unmatched")  # the modem took the charger's network key
        rig.pilot = ("B", True)
        assert await rig.ev() == 0
        await rig.until("matched")
        assert rig.link.ev_mac == rig.ev_mac  # the EV that asked, by its own MAC
        rig.pilot = ("C", True)  # the EV closes S2: the match holds
        await asyncio.sleep(0.5)
        assert rig.link.state == "matched"
        rig.pilot = ("A", False)  # unplugged
        await rig.until("unmatched")
        rig.pilot = ("B", True)
        assert await rig.ev() == 0
        await rig.until("matched")


async def test_no_match_without_the_5_percent_duty(tmp_path):
    """ISO 15118-3: digital communication only when the charger asks for it; B at a nominal duty is AC
    basic charging, and the charger does not answer the EV's CM_SLAC_PARM.REQ."""
    async with Rig(tmp_path) as rig:
        rig.pilot = ("B", False)
        await rig.until("unmatched")
        assert await rig.ev(give_up_s=2.0) == 1
        assert rig.link.state == "unmatched"
        rig.pilot = ("B", True)  # now it asks
        assert await rig.ev() == 0
        await rig.until("matched")


async def test_a_missing_modem_interface_is_reported_and_the_process_keeps_trying(tmp_path):
    async with Rig(tmp_path, "--iface", "plc9") as rig:
        rig.pilot = ("B", True)
        await rig.until("no_modem")
        assert "plc9" in rig.link.detail
        assert rig.proc.returncode is None
    assert rig.link.state == NONE  # its process gone with the rig: the controller says so


async def test_a_silent_modem_is_reported(tmp_path):
    """Nothing answers CM_SET_KEY.REQ: pyslac waits its TT_EVSE_SLAC_init and the controller hears why."""
    async with Rig(tmp_path, "--no-modem") as rig:
        await rig.until("starting", 10)
        rig.pilot = ("B", True)
        await asyncio.sleep(2.0)
        assert rig.link.state == "starting"  # never "unmatched": no EV could join a network without a key


async def test_an_ev_that_begins_late_is_matched_once_it_does(tmp_path):
    """No CM_SLAC_PARM.REQ within TT_EVSE_SLAC_init: "failed" with pyslac's reason; the EV still
    plugged at 5 %, the charger listens again and the EV's later attempt matches."""
    async with Rig(tmp_path, "--init-timeout-s", "1.5") as rig:
        rig.pilot = ("B", True)
        await rig.until("failed", 10)
        assert "Timeout" in rig.link.detail
        assert await rig.ev() == 0
        await rig.until("matched")
