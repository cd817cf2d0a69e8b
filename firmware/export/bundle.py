"""An export bundle: a zip of named files and a manifest with each one's SHA-256, size and the
format version, so a bundle edited, cut short or mixed with other files is recognised.

The manifest is written last and checked first; `verify` names every problem it finds.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

FORMAT = "evse-export/1"
MANIFEST = "manifest.json"


class BundleError(ValueError):
    """The bundle cannot be trusted; the message says why, for the person who runs the command."""


def write(path: Path, files: dict[str, bytes], about: dict) -> dict:
    """Writes the bundle atomically (a temporary file renamed); returns its manifest."""
    manifest = {"format": FORMAT, **about,
                "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                          for name, data in sorted(files.items())}}
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(name, data)
        z.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    partial.replace(path)
    return manifest


def verify(path: Path) -> tuple[dict, list[str]]:
    """(manifest, problems); no problems means every file is there, unchanged, and nothing else is."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if MANIFEST not in names:
                return {}, [f"{path}: no {MANIFEST}: not an export of this controller"]
            manifest = json.loads(z.read(MANIFEST))
            if manifest.get("format") != FORMAT:
                return manifest, [f"{path}: format {manifest.get('format')!r}, this release reads {FORMAT!r}"]
            problems = []
            listed = manifest.get("files") or {}
            for name, expected in sorted(listed.items()):
                if name not in names:
                    problems.append(f"{name}: listed in the manifest, missing from the bundle")
                    continue
                data = z.read(name)
                if hashlib.sha256(data).hexdigest() != expected.get("sha256") or len(data) != expected.get("bytes"):
                    problems.append(f"{name}: changed since the export (SHA-256 differs)")
            problems += [f"{name}: in the bundle but not in the manifest" for name in sorted(names - set(listed)
                                                                                          - {MANIFEST})]
            return manifest, problems
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        return {}, [f"{path}: not a readable export ({exc})"]


def read(path: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the files of a bundle that verifies; BundleError otherwise."""
    manifest, problems = verify(path)
    if problems:
        raise BundleError("; ".join(problems))
    with zipfile.ZipFile(path) as z:
        return manifest, {name: z.read(name) for name in manifest["files"]}
