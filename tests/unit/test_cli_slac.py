"""`evse slac` (systemd/evse-slac@.service): the SLAC process for a DC connector, on the socket the
controller serves for it and the modem interface its board names."""

from pathlib import Path

from firmware.__main__ import main
from firmware.cli_slac import slac_argv
from hlc.protocol import ev_link_socket, slac_socket

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp_path, board: str) -> str:
    path = tmp_path / "evse.toml"
    path.write_text(f'board = "{ROOT}/board-configs/{board}"\ndata_dir = "{tmp_path}/data"\n')
    return str(path)


def test_it_runs_the_slac_child_on_the_boards_modem_and_the_controllers_socket(tmp_path):
    argv = slac_argv(settings(tmp_path, "rpi4-1xdc-60kw.toml"), 1)
    assert argv[argv.index("-m") + 1] == "hlc.slac_child"
    assert argv[argv.index("--iface") + 1] == "eth1"  # the board's [connectors.dc] modem_iface
    assert argv[argv.index("--socket") + 1] == slac_socket(ev_link_socket(f"{tmp_path}/data", 1))
    assert argv[argv.index("--socket") + 1].endswith("/data/ev-link-1-slac.sock")
    assert Path(argv[2]).name == "python" and ".venv-slac" in argv[2]  # pyslac's own environment


def test_a_connector_that_is_not_dc_is_refused_with_a_clear_word(tmp_path, capsys):
    assert main(["slac", "--config", settings(tmp_path, "bench.toml"), "--connector", "1"]) == 2
    assert "connector 1 is not a DC connector" in capsys.readouterr().err
