"""`evse config check | apply`: the installer's two verbs for /etc/evse/evse.toml."""

from __future__ import annotations

import sys
from pathlib import Path

from firmware.store import match_owner


def config_command(args) -> int:
    """0: fine; 2: the file, its board config or its CSMS settings are wrong (one line says where)."""
    from firmware.__main__ import open_data_dir
    from firmware.config import ConfigError, load_board
    from firmware.settings import SettingsError, apply_seed
    from firmware.settings_file import load_settings_file

    try:
        settings = load_settings_file(args.config)
        load_board(settings.board)
        if args.action == "check":
            _check_seed(settings)
            mode = "standalone: no CSMS URL, cards on the web page" if settings.csms.url is None else \
                f"CSMS {settings.csms.url}"
            print(f"{args.config}: fine (board {settings.board}, data in {settings.data_dir}; {mode})")
            return 0
        store = open_data_dir(settings.data_dir)
        try:
            changed = apply_seed(store, {k: v for k, v in settings.csms_values().items() if v is not None})
        finally:
            store.close()
            match_owner(Path(settings.data_dir))
    except (ConfigError, SettingsError) as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2
    if changed:
        print(f"applied to {settings.data_dir}: {', '.join(changed)}; restart the service to use them "
              "(sudo systemctl restart evse)")
    else:
        print(f"{settings.data_dir} already holds these CSMS settings")
    return 0


def _check_seed(settings) -> None:
    """The CSMS section alone must be a usable start (as if the data directory were empty)."""
    from firmware.settings import SettingsError, check_charge_point_id, check_csms_url

    c = settings.csms
    if c.url is None:
        return  # standalone
    if c.charge_point_id is None:
        raise SettingsError("[csms] url needs charge_point_id: the id the CSMS knows this charger by")
    try:
        check_csms_url(c.url)
        check_charge_point_id(c.charge_point_id)
    except SettingsError as exc:
        raise SettingsError(f"[csms] {exc}".replace("--csms-url", "url").replace("--charge-point-id",
                                                                                  "charge_point_id")) from None
    if c.security_profile in (1, 2) and not c.basic_auth_password:
        raise SettingsError("[csms] security_profile 1 and 2 need basic_auth_password")
    if (c.security_profile or 0) >= 2 and not c.url.startswith("wss://"):
        raise SettingsError("[csms] security_profile 2 and 3 need a wss:// url")
