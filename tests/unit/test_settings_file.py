"""/etc/evse/evse.toml: checked like a board config, seeding the data directory only at the first start."""

from argparse import Namespace
from pathlib import Path

import pytest

from firmware.config import ConfigError
from firmware.ota.install import BOARD_CONFIGS, write_settings_file
from firmware.run_plan import plan
from firmware.settings import SettingsError, apply_seed, resolve
from firmware.settings_file import load_settings_file
from firmware.store import Store

ROOT = Path(__file__).resolve().parents[2]
GOOD = f"""
board = "{ROOT}/board-configs/bench.toml"
data_dir = "/tmp/x"
[csms]
url = "ws://csms.example/ocpp"
charge_point_id = "CP9"
[web]
port = 9443
"""


def run_args(**kw) -> Namespace:
    base = dict(config=None, board=None, data_dir=None, log_level=None, web_port=None, web_bind=None,
                web_http=False, web_cert=None, web_key=None, mdns=True, csms_url=None, charge_point_id=None,
                ocpp_version=None, security_profile=None, basic_auth_password=None, ca_file=None,
                client_cert=None, client_key=None)
    return Namespace(**{**base, **kw})


@pytest.mark.parametrize("text, words", [
    ('bord = "x"\n', "unknown key bord; allowed keys: board, csms, data_dir, log_level, site, web"),
    ('board = "x"\n[web]\nprot = 1\n', "unknown key web.prot"),
    ('board = "x"\n[csms]\nocpp_version = "1.5"\n', "csms.ocpp_version = '1.5' is not one of"),
    ('board = "x"\n[web]\nport = 70000\n', "web.port = 70000 is out of range"),
    ('board = "x"\n[csms]\nsecurity_profile = "2"\n', "csms.security_profile must be int"),
    ('data_dir = "/d"\n', "missing key board"),
    ('board = \n', "not valid TOML"),
])
def test_mistakes_name_the_key_and_the_file(tmp_path, text, words):
    path = tmp_path / "evse.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_settings_file(path)
    assert str(exc.value).startswith(str(path)) and words in str(exc.value)


def test_a_relative_board_path_is_next_to_the_file(tmp_path):
    path = tmp_path / "evse.toml"
    path.write_text('board = "board.toml"\n')
    assert load_settings_file(path).board == str(tmp_path / "board.toml")


def test_the_file_seeds_only_what_was_never_stored(tmp_path):
    path = tmp_path / "evse.toml"
    path.write_text(GOOD)
    todo = plan(run_args(config=str(path)))
    assert todo.data_dir == "/tmp/x" and todo.web.port == 9443 and todo.web.bind == "0.0.0.0"
    store = Store(tmp_path / "data")
    assert resolve(run_args(), store, seed=todo.seed).charge_point_id == "CP9"  # the first start
    store.put("setting.charge_point_id", "FROM-CSMS")  # changed later by the CSMS or the page
    assert resolve(run_args(), store, seed=todo.seed).charge_point_id == "FROM-CSMS"
    assert apply_seed(store, {"charge_point_id": "CP9"}) == ["charge_point_id"]  # `evse config apply`
    assert resolve(run_args(), store, seed=todo.seed).charge_point_id == "CP9"
    with pytest.raises(SettingsError):
        apply_seed(store, {"csms_url": "http://nope"})
    assert store.get("setting.csms_url") == "ws://csms.example/ocpp"  # all or nothing
    store.close()


def test_flags_win_over_the_file(tmp_path):
    path = tmp_path / "evse.toml"
    path.write_text(GOOD)
    todo = plan(run_args(config=str(path), data_dir="/elsewhere", web_port=0, log_level="DEBUG"))
    assert todo.data_dir == "/elsewhere" and todo.web is None and todo.log_level == "DEBUG"
    with pytest.raises(ConfigError, match="--config"):
        plan(run_args())


def test_install_writes_a_commented_file_that_loads(tmp_path):
    written = write_settings_file(tmp_path)
    text = written.read_text()
    assert "@BOARD_CONFIGS@" not in text and f'board = "{BOARD_CONFIGS}/' in text and "[csms]" in text
    board_name = text.split(f'board = "{BOARD_CONFIGS}/')[1].split('"')[0]
    assert (ROOT / "board-configs" / board_name).exists()  # a board config that ships
    settings = load_settings_file(written)
    assert settings.web.port == 8443 and settings.csms.url is None
    written.write_text("# mine\n" + text)
    assert write_settings_file(tmp_path) is None and written.read_text().startswith("# mine")  # never overwritten
