"""docs/configuration.md is what scripts/config_reference.py makes of the schema: every key, documented."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_is_current():
    render = runpy.run_path(str(ROOT / "scripts" / "config_reference.py"))["render"]
    assert (ROOT / "docs" / "configuration.md").read_text() == render(), \
        "run: python3 scripts/config_reference.py > docs/configuration.md"


def test_every_board_key_is_in_the_reference():
    import dataclasses

    from firmware import config

    text = (ROOT / "docs" / "configuration.md").read_text()
    for cls in (config.BoardConfig, config.ConnectorConfig, config.SiteConfig, config.MeterConfig):
        for f in dataclasses.fields(cls):
            assert f"`{f.name}`" in text or f.name in config.TOP_SECTIONS or f.name in ("pins", "dc"), f.name
