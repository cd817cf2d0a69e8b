"""DC connectors in a board config: what each hal needs, refused by name when missing."""

from pathlib import Path

import pytest

from firmware.config import ConfigError, load_board

ROOT = Path(__file__).resolve().parents[2]
PI = (ROOT / "board-configs" / "rpi4-1xdc-60kw.toml").read_text()
BENCH = (ROOT / "board-configs" / "bench-dc.toml").read_text()


def load(tmp_path, text):
    path = tmp_path / "board.toml"
    path.write_text(text)
    return load_board(path)


def test_the_shipped_dc_configs_load(tmp_path):
    assert load(tmp_path, PI).connectors[0].dc.isolation_alarm_pin == 12
    assert load(tmp_path, BENCH).connectors[0].kind == "dc"


@pytest.mark.parametrize("change, message", [
    (('isolation_bus = "rs485"', 'isolation_bus = "rs232"'), "isolation_bus = 'rs232' names no [[buses]] line"),
    (("isolation_alarm_pin = 12", "isolation_alarm_pin = 17"), "BCM pin 17 is already used"),
    (("isolation_alarm_pin = 12\n", ""), "isolation_alarm_pin is required"),
    (('cable = "tethered"', 'cable = "socket"'), "a DC connector's cable is tethered"),
    (("[connectors.dc]", "[connectors.dc_x]"), "unknown key connectors[0].dc_x"),
])
def test_a_pi_dc_board_names_what_is_wrong(tmp_path, change, message):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, PI.replace(*change))
    assert message in str(err.value)


def test_an_ac_connector_keeps_its_80_a_and_dc_keeps_its_section(tmp_path):
    ac = (ROOT / "board-configs" / "bench.toml").read_text()
    with pytest.raises(ConfigError, match=r"out of range \[6.0, 80.0\] for an AC connector"):
        load(tmp_path, ac.replace("max_current_a = 32.0", "max_current_a = 100.0", 1))
    with pytest.raises(ConfigError, match="needs \\[connectors.dc\\]"):
        load(tmp_path, BENCH[:BENCH.index("[connectors.dc]")] + BENCH[BENCH.index("[mock]"):])
    with pytest.raises(ConfigError, match="Plug & Charge needs ev_protocol"):
        load(tmp_path, BENCH.replace('ev_protocol = "ISO_15118_2"', 'ev_protocol = "DIN_SPEC_70121"\nev_pnc = true'))


def test_an_ac_connectors_modem_is_hlc_iface_and_a_dc_ones_is_its_section(tmp_path):
    ac = (ROOT / "board-configs" / "bench-ac-hlc.toml").read_text()
    assert load(tmp_path, ac).connectors[0].hlc_iface == "eth1"
    assert load(tmp_path, ac.replace('hlc_iface = "eth1"', "")).connectors[0].hlc_iface is None  # basic charging
    with pytest.raises(ConfigError, match="hlc_iface is empty"):
        load(tmp_path, ac.replace('hlc_iface = "eth1"', 'hlc_iface = " "'))
    with pytest.raises(ConfigError, match="a DC connector's modem is \\[connectors.dc\\] modem_iface"):
        load(tmp_path, BENCH.replace('kind = "dc"', 'kind = "dc"\nhlc_iface = "eth1"'))


def test_iso15118_20_is_offered_only_where_the_connector_says_so(tmp_path):
    """ISO 15118-20 is off by default (an EV that speaks it would prefer it, and -20's Plug & Charge is
    not built); the bench EV that speaks only -20 needs a connector that offers it."""
    assert load(tmp_path, BENCH).connectors[0].dc.iso15118_20 is False
    v20 = (ROOT / "board-configs" / "bench-dc-iso20.toml").read_text()
    board = load(tmp_path, v20)
    assert board.connectors[0].dc.iso15118_20 is True and board.mock.ev_protocol == "ISO_15118_20_DC"
    with pytest.raises(ConfigError, match="connector 1 does not offer it"):
        load(tmp_path, v20.replace("iso15118_20 = true", "iso15118_20 = false"))
    with pytest.raises(ConfigError, match="Plug & Charge needs ev_protocol"):
        load(tmp_path, v20.replace("[mock]", "[mock]\nev_pnc = true"))


def test_a_control_mode_other_than_the_evs_targets_is_for_iso15118_20_only(tmp_path):
    v20 = (ROOT / "board-configs" / "bench-dc-iso20.toml").read_text()
    assert load(tmp_path, v20).mock.ev_control_mode == "dynamic"
    assert load(tmp_path, BENCH).mock.ev_control_mode == "scheduled"
    with pytest.raises(ConfigError, match="ev_control_mode = 'dynamic' needs ev_protocol"):
        load(tmp_path, BENCH.replace("[mock]", "[mock]\nev_control_mode = \"dynamic\""))
    with pytest.raises(ConfigError, match="ev_control_mode"):
        load(tmp_path, v20.replace('ev_control_mode = "dynamic"', 'ev_control_mode = "bidirectional"'))


def test_the_bench_ev_installs_a_contract_or_renews_the_one_it_has(tmp_path):
    """ISO 15118-2: CertificateInstallation for a car without a contract, CertificateUpdate for one whose
    contract is to be renewed; a car does one or the other."""
    pnc = BENCH.replace("[mock]", "[mock]\nev_pnc = true")
    assert load(tmp_path, pnc.replace("[mock]", "[mock]\nev_pnc_update = true")).mock.ev_pnc_update is True
    with pytest.raises(ConfigError, match="installs a contract or renews the one it has"):
        load(tmp_path, pnc.replace("[mock]", "[mock]\nev_pnc_update = true\nev_pnc_install = true"))
