"""Which OCPP 2.0.1 conformance cases of the functional blocks we build docs/ocpp201-conformance.md
does not name: `python3 scripts/conformance_gaps.py` prints them (nothing printed: every case is
either mapped to a test or listed with its reason). tests/unit/test_conformance_doc.py runs it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference" / "ocpp201-conformance-cases.txt"
CASES = ROOT / "tests" / "data" / "ocpp201-conformance-cases.txt"  # a copy of SHARED, kept equal by a test
DOC = ROOT / "docs" / "ocpp201-conformance.md"
BLOCKS = "ABCDEFGHIJKLMNOP"  # the functional blocks of issues 13 and 15
SPAN = re.compile(r"TC_([A-P])_(\d+)(?:\s*(?:-|to|\.\.)\s*(?:TC_\1_)?(\d+))?")


def named(text: str) -> set[str]:
    found = set()
    for m in SPAN.finditer(text):
        first, last = int(m.group(2)), int(m.group(3) or m.group(2))
        found |= {f"TC_{m.group(1)}_{n:02d}" for n in range(first, last + 1)}
    return found


def cases(path: Path = CASES) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"(TC_([A-P])_\d+)_CS\t(.*)", line)
        if m and m.group(2) in BLOCKS:
            out[m.group(1)] = m.group(3)
    return out


def gaps() -> dict[str, str]:
    mentioned = named(DOC.read_text())
    return {case: title for case, title in cases().items() if case not in mentioned}


if __name__ == "__main__":
    missing = gaps()
    for case, title in missing.items():
        print(case, title)
    sys.exit(1 if missing else 0)
