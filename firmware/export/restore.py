"""`evse import`: a replacement unit takes over from the one it replaces (a hardware swap): the
CSMS settings (not the password: the export never holds it), the configuration, the trust
anchors and the local list. Sessions, logs and the cache stay with the old unit's export: they
describe what that unit did, and its CSMS knows them already.

Refused as a whole, with nothing written, when the bundle does not verify or was made for the
other OCPP version than the one the data directory speaks.
"""

from __future__ import annotations

import json
from pathlib import Path

from firmware.auth.id_tag_info import IdTagInfo
from firmware.auth.local_list import LocalList
from firmware.export.bundle import BundleError, read
from firmware.export.collect import PUBLIC_SETTINGS
from firmware.security.certstore import ROOT_TYPES, CertificateError, CertificateStore


def restore(bundle: Path, *, data_dir: Path, store, protocol_for) -> list[str]:
    """What was restored, and what was not, in lines for the installer. `protocol_for(version)`."""
    manifest, files = read(bundle)
    charger = json.loads(files["charger.json"])
    version = charger["ocpp_version"]
    stored = store.get("setting.ocpp_version")
    if stored is not None and stored != version:
        raise BundleError(f"the bundle is of an OCPP {version} charger, this data directory speaks {stored}")
    done = []
    with store.transaction():
        for name in PUBLIC_SETTINGS:
            if charger["settings"].get(name) is not None:
                store.put(f"setting.{name}", charger["settings"][name])
    done.append(f"CSMS settings of {charger['serial']}: " + ", ".join(
        f"{k}={v}" for k, v in charger["settings"].items() if v is not None))
    protocol = protocol_for(version)
    refused = protocol.restore_configuration(json.loads(files["configuration.json"])["items"])
    done.append("configuration restored" + (f"; not taken: {'; '.join(refused)}" if refused else ""))
    done.append(_trust_anchors(files, data_dir))
    listed = json.loads(files["local_list.json"])
    entries = [(e["id_tag"], IdTagInfo(e["status"], e.get("expiry"), e.get("group"))) for e in listed["entries"]]
    if listed["version"] > 0:
        LocalList(store, 10**9).update(listed["version"], True, entries)
    done.append(f"local list version {listed['version']} with {len(entries)} entries")
    if charger["settings"].get("security_profile") in (1, 2):
        done.append("set the Basic auth password again (an export never holds it): evse run "
                    "--basic-auth-password, or the web page")
    return done


def _trust_anchors(files: dict[str, bytes], data_dir: Path) -> str:
    certs = CertificateStore(data_dir)
    installed, refused = 0, []
    for name, pem in sorted(files.items()):
        parts = name.split("/")
        if len(parts) != 3 or parts[0] != "trust_anchors" or parts[1] not in ROOT_TYPES:
            continue
        try:
            certs.install_root(parts[1], pem.decode())
            installed += 1
        except (CertificateError, ValueError) as exc:
            refused.append(f"{parts[2]}: {exc}")
    return f"{installed} trust anchor(s) installed" + (f"; refused: {'; '.join(refused)}" if refused else "")
