"""docs/bench-api.md is the shared bench contract, word for word, plus our extensions."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "BENCH_API.md"


def test_the_project_copy_starts_with_the_shared_contract_unchanged():
    ours = (ROOT / "docs" / "bench-api.md").read_text()
    if SHARED.exists():  # beside every checkout of the project (CI lays it there too)
        assert ours.startswith(SHARED.read_text())
    assert "## Extensions of this controller (additive)" in ours
