"""`evse slac` and `evse secc` (systemd/evse-slac@.service, evse-secc@.service): the EV link's processes
of a DC connector, each on the socket the controller serves for it and the modem interface its board
names, in its own environment."""

from pathlib import Path

from firmware.__main__ import main
from firmware.cli_ev_link import secc_argv, slac_argv
from firmware.security.secc import SeccCertificate
from hlc import protocol as p
from hlc.protocol import ev_link_socket, slac_socket

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp_path, board: str) -> str:
    path = tmp_path / "evse.toml"
    path.write_text(f'board = "{ROOT}/board-configs/{board}"\ndata_dir = "{tmp_path}/data"\n')
    return str(path)


def test_it_runs_the_slac_child_on_the_boards_modem_and_the_controllers_socket(tmp_path):
    argv, _ = slac_argv(settings(tmp_path, "rpi4-1xdc-60kw.toml"), 1)
    assert argv[argv.index("-m") + 1] == "hlc.slac_child"
    assert argv[argv.index("--iface") + 1] == "eth1"  # the board's [connectors.dc] modem_iface
    assert argv[argv.index("--socket") + 1] == slac_socket(ev_link_socket(f"{tmp_path}/data", 1))
    assert argv[argv.index("--socket") + 1].endswith("/data/ev-link-1-slac.sock")
    assert Path(argv[2]).name == "python" and ".venv-slac" in argv[2]  # pyslac's own environment


def test_a_connector_that_is_not_dc_is_refused_with_a_clear_word(tmp_path, capsys):
    assert main(["slac", "--config", settings(tmp_path, "bench.toml"), "--connector", "1"]) == 2
    assert "connector 1 has no EV link" in capsys.readouterr().err


def test_it_runs_the_secc_on_the_boards_modem_with_its_jvm_options_and_certificate(tmp_path):
    config = settings(tmp_path, "rpi4-1xdc-60kw.toml")
    argv, env = secc_argv(config, 1)
    assert argv[argv.index("-m") + 1] == "hlc.secc_child" and argv[argv.index("--iface") + 1] == "eth1"
    assert argv[argv.index("--socket") + 1] == ev_link_socket(f"{tmp_path}/data", 1)
    assert ".venv-hlc" in argv[2] and env["JAVA_TOOL_OPTIONS"] == p.JAVA_OPTIONS
    assert p.SECC_PKI_ENV not in env  # no certificate from the CSMS yet: iso15118's own folder
    secc = SeccCertificate(f"{tmp_path}/data")
    secc.dir.mkdir(parents=True)
    secc.key_path.write_bytes(secc.key_pem())
    secc.chain_path.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    _, env = secc_argv(config, 1)
    assert env[p.SECC_PKI_ENV] == f"{secc.dir / 'pki'}/"  # read at each start of the service


def test_secc_refuses_a_connector_that_is_not_dc(tmp_path, capsys):
    assert main(["secc", "--config", settings(tmp_path, "bench.toml"), "--connector", "1"]) == 2
    assert "evse secc" in capsys.readouterr().err


def test_an_ac_connector_with_a_modem_runs_its_secc_as_an_ac_one_on_the_boards_phases(tmp_path):
    config = settings(tmp_path, "bench-ac-hlc.toml")
    argv, _ = secc_argv(config, 1)
    assert argv[argv.index("--iface") + 1] == "eth1" and argv[argv.index("--ac-phases") + 1] == "3"
    argv, _ = slac_argv(config, 1)
    assert argv[argv.index("--iface") + 1] == "eth1" and "--ac-phases" not in argv


def test_a_pi_boards_single_phase_socket_with_a_modem_runs_a_single_phase_secc(tmp_path):
    text = (ROOT / "board-configs" / "rpi4-1x1ph-32a.toml").read_text()
    board = tmp_path / "pi-hlc.toml"
    board.write_text(text.replace('cable = "socket"\n', 'cable = "socket"\nhlc_iface = "eth2"\n', 1))
    config = tmp_path / "evse.toml"
    config.write_text(f'board = "{board}"\ndata_dir = "{tmp_path}/data"\n')
    argv, _ = secc_argv(str(config), 1)
    assert argv[argv.index("--iface") + 1] == "eth2" and argv[argv.index("--ac-phases") + 1] == "1"


def test_a_dc_connector_that_offers_iso15118_20_runs_its_secc_with_it(tmp_path):
    argv, _ = secc_argv(settings(tmp_path, "bench-dc-iso20.toml"), 1)
    assert argv[argv.index("-m") + 1] == "hlc.secc_child" and "--iso15118-20" in argv
    argv, _ = secc_argv(settings(tmp_path, "rpi4-1xdc-60kw.toml"), 1)
    assert "--iso15118-20" not in argv  # off unless the board says so
    argv, _ = slac_argv(settings(tmp_path, "bench-dc-iso20.toml"), 1)
    assert "--iso15118-20" not in argv  # SLAC is the same for every protocol
