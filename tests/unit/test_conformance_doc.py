"""docs/ocpp201-conformance.md names every 2.0.1 conformance case of the blocks we build: mapped to a
test, or listed with the reason it is not (scripts/conformance_gaps.py)."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GAPS = runpy.run_path(str(ROOT / "scripts" / "conformance_gaps.py"))


def test_ranges_and_lists_are_read_as_the_doc_writes_them():
    assert GAPS["named"]("TC_B_16-19, TC_G_09 .. TC_G_11, TC_N_01 to TC_N_03, TC_A_05") == {
        "TC_B_16", "TC_B_17", "TC_B_18", "TC_B_19", "TC_G_09", "TC_G_10", "TC_G_11", "TC_N_01", "TC_N_02",
        "TC_N_03", "TC_A_05"}


def test_every_case_of_the_built_blocks_is_named():
    assert GAPS["gaps"]() == {}


def test_the_case_list_is_the_shared_one():
    """Our copy (a clean clone in CI has no ../shared) is the shared reference, where that is at hand."""
    shared = GAPS["SHARED"]
    copy = GAPS["CASES"].read_text()
    assert "TC_B_01_CS" in copy
    if shared.exists():
        assert copy == shared.read_text()
