"""Board config: every mistake names the key and the file."""

from pathlib import Path

import pytest

from firmware.config import ConfigError, load_board

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
[board]
name = "t"
hal = "mock"
phases = 3

[[connectors]]
id = 1
max_current_a = 32.0

[mock]
"""


def write(tmp_path, text):
    path = tmp_path / "board.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["bench.toml", "bench-1ph.toml", "bench-tethered.toml", "bench-signed.toml"])
def test_shipped_bench_configs_load(name):
    board = load_board(ROOT / "board-configs" / name)
    assert board.hal == "mock"


def test_bench_configs_are_what_the_issue_asks():
    two = load_board(ROOT / "board-configs/bench.toml")
    one = load_board(ROOT / "board-configs/bench-1ph.toml")
    assert (len(two.connectors), two.phases, two.connectors[0].max_current_a) == (2, 3, 32.0)
    assert (len(one.connectors), one.phases, one.connectors[0].max_current_a) == (1, 1, 16.0)


def test_minimal_config_gets_defaults(tmp_path):
    board = load_board(write(tmp_path, GOOD))
    assert board.voltage_v == 230.0 and board.connectors[0].cable == "socket"


@pytest.mark.parametrize(
    "change, message",
    [
        (("phases = 3", "phases = 2"), "board.phases = 2 is not one of [1, 3]"),
        (("phases = 3", "phasse = 3"), "unknown key board.phasse"),
        (("max_current_a = 32.0", "max_current_a = 100.0"), "connectors[0].max_current_a = 100.0 is out of range"),
        (("max_current_a = 32.0", 'max_current_a = "32"'), "connectors[0].max_current_a must be float"),
        (("max_current_a = 32.0", "max_current_a = 32.0\ncolour = 1"), "unknown key connectors[0].colour"),
        (('hal = "mock"', 'hal = "arduino"'), "board.hal = 'arduino' is not one of"),
        (('name = "t"', ""), "missing key board.name"),
        (("[mock]", ""), "hal 'mock' needs a [mock] section"),
        (("[mock]", "[mock]\n[extra]"), "unknown section(s) ['extra']"),
        (("id = 1", "id = 1\ncable = \"tethered\""), "a tethered cable needs cable_rating_a"),
        (("[board]", "[board"), "not valid TOML"),
        (('hal = "mock"', 'hal = "mock"\nmodel = "Bench-1x22kW-Eichrecht"'),
         "board.model = 'Bench-1x22kW-Eichrecht' is longer than the 20 characters BootNotification allows"),
    ],
)
def test_errors_name_key_and_file(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_board(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_duplicate_connector_ids(tmp_path):
    text = GOOD + "\n[[connectors]]\nid = 1\nmax_current_a = 16.0\n"
    with pytest.raises(ConfigError, match="unique"):
        load_board(write(tmp_path, text.replace("[mock]\n", "") + "[mock]\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such board config"):
        load_board(tmp_path / "nope.toml")


def test_an_http_meter_needs_a_url_and_a_modbus_meter_none(tmp_path):
    lem = '\n[[meters]]\nname = "dc"\nmodel = "lem_dcbm"\nmeasures = 1\nurl = "http://192.168.10.20"\n'
    board = load_board(write(tmp_path, GOOD + lem))
    assert (board.meters[0].url, board.meters[0].bus) == ("http://192.168.10.20", "")
    for text in (GOOD + lem.replace('url = "http://192.168.10.20"\n', ""),
                 GOOD + lem.replace("lem_dcbm", "sdm630")):
        with pytest.raises(ConfigError) as err:
            load_board(write(tmp_path, text))
        assert "url is for HTTP meters (lem_dcbm), and they need one" in str(err.value)
