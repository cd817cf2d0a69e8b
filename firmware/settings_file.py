"""/etc/evse/evse.toml: how an installed charger runs, in one commented file instead of flags.

It names the board config, the data directory, the log level and the web
page, which are read at every start, and the CSMS settings, which only seed
the data directory (DESIGN.md arrow 5): at the first start, when none are
stored, and later only when the installer says `evse config apply`. What a
CSMS or the web page changed since is never undone by a restart. The file is
checked with the board config's rules: an unknown or misspelt key is an
error naming the key and the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config import ConfigError, _f, build_table

DEFAULT_PATH = "/etc/evse/evse.toml"
SECTIONS = ("csms", "web", "site")


@dataclass(frozen=True)
class CsmsSection:
    url: str | None = _f(None, doc="ws://host[:port]/path or wss://...; the charge point id is appended")
    charge_point_id: str | None = _f(None, doc="1 to 48 printable characters, no '/'")
    ocpp_version: str | None = _f(None, choices=("1.6", "2.0.1"), doc="OCPP version spoken to the CSMS (unset: 1.6)")
    security_profile: int | None = _f(None, choices=(0, 1, 2, 3),
                                      doc="0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS (unset: 0)")
    basic_auth_password: str | None = _f(None, doc="profiles 1 and 2 (1.6: 32 to 40 hex digits)")
    ca_file: str | None = _f(None, doc="the CSMS's root certificate (PEM), profiles 2 and 3")
    client_cert: str | None = _f(None, doc="the charger's certificate (PEM), profile 3")
    client_key: str | None = _f(None, doc="its private key (PEM)")


@dataclass(frozen=True)
class WebSection:
    port: int = _f(8443, lo=0, hi=65535, doc="HTTPS port of the installer's page; 0 = off")
    bind: str = _f("0.0.0.0", doc="address to listen on")
    mdns: bool = _f(True, doc="announce evse-<serial>.local on the local network")
    cert: str | None = _f(None, doc="the page's certificate (PEM); default: one made on the charger")
    key: str | None = _f(None, doc="its private key (PEM)")


@dataclass(frozen=True)
class SiteSection:
    """Where the charger stands and who runs it: only for the export's OCPI CDRs (docs/export.md)."""

    country_code: str = _f("", doc="the operator's ISO 3166 alpha-2 country code (OCPI party), e.g. DE")
    party_id: str = _f("", doc="the operator's OCPI party id, 3 characters")
    location_id: str = _f("", doc="the OCPI location id of this site")
    name: str = _f("", doc="the site's name")
    address: str = _f("", doc="street and number")
    city: str = _f("")
    postal_code: str = _f("")
    country: str = _f("", doc="ISO 3166 alpha-3, e.g. DEU")
    latitude: str = _f("", doc="decimal degrees, e.g. 52.520008")
    longitude: str = _f("", doc="decimal degrees, e.g. 13.404954")
    currency: str = _f("EUR", doc="ISO 4217 code the CDRs name (their cost is the CSMS's to set)")
    evse_id_prefix: str = _f("", doc="eMI3 EVSE id prefix, e.g. DE*ABC*E1234: the connector number is appended")


@dataclass(frozen=True)
class SettingsFile:
    board: str = _f(doc="the board config (TOML) of this charger")
    data_dir: str = _f("/var/lib/evse", doc="where settings, the outbox, sessions and keys persist")
    log_level: str = _f("INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), doc="what the journal gets")
    csms: CsmsSection = field(default_factory=CsmsSection, metadata={"doc": "seeds the data directory"})
    web: WebSection = field(default_factory=WebSection, metadata={"doc": "the installer's page"})
    site: SiteSection = field(default_factory=SiteSection, metadata={"doc": "the site, for exported CDRs"})

    def csms_values(self) -> dict:
        """The seed, named as firmware.settings names them (None: not given)."""
        c = self.csms
        return {"csms_url": c.url, "charge_point_id": c.charge_point_id, "ocpp_version": c.ocpp_version,
                "security_profile": c.security_profile, "basic_auth_password": c.basic_auth_password,
                "ca_file": c.ca_file, "client_cert": c.client_cert, "client_key": c.client_key}


def load_settings_file(path: str | Path) -> SettingsFile:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such settings file (`evse install` writes a commented one)") from None
    except PermissionError:
        raise ConfigError(f"{path}: not readable by this user (try sudo)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    settings = build_table(SettingsFile, raw, path, "")
    board = Path(settings.board)
    if not board.is_absolute():
        settings = SettingsFile(**{**settings.__dict__, "board": str(path.parent / board)})
    return settings
