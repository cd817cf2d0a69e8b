"""The DC demo's narration of the power path (firmware/bench/demo_dc.py): every stage told once and in
order, also those its polls (every 2 s while charging) missed."""

from firmware.bench.demo_dc import stages_to_tell


def dc(state: str, ohm=5e6, fault=None) -> dict:
    return {"state": state, "insulation_ohm": ohm, "fault": fault}


def test_stages_the_polls_missed_are_told_in_order_once():
    seen: list[str] = []
    assert stages_to_tell(seen, dc("off")) == []  # before the session: nothing to tell
    told = stages_to_tell(seen, dc("cable_ok"))
    assert told[0].startswith("cable check:") and told[1] == "cable check passed: insulation 5.0 MOhm"
    assert stages_to_tell(seen, dc("cable_ok")) == []
    told = stages_to_tell(seen, dc("charging"))
    assert [t.split(":")[0] for t in told] == ["pre-charge", "the EV closed its contactors"]


def test_off_after_charging_means_the_path_ended_through_done():
    """Stop, welding check and done can all pass between two polls; the path then rests in off."""
    seen = ["cable_check", "cable_ok", "precharge", "charging"]
    told = stages_to_tell(seen, dc("off"))
    assert [t.split(":")[0] for t in told] == ["power delivery stop", "welding check", "the power path ended cleanly"]
    assert stages_to_tell(seen, dc("off")) == [] and seen[-1] == "done"


def test_a_fault_is_told_with_its_reason_and_off_after_it_tells_nothing_more():
    seen = ["cable_check"]
    assert stages_to_tell(seen, dc("fault", fault="insulation fault")) == ["FAULT: insulation fault"]
    assert stages_to_tell(seen, dc("off")) == []
