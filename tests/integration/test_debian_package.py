"""The Debian packages (amd64 and arm64) built by scripts/build-deb.sh, and the DC part beside them
(evse-dc, scripts/build-deb-dc.sh): lintian-clean, and installable.

The amd64 one is installed with dpkg into a temporary root (maintainer scripts
run chrootless under DPKG_ROOT, so they touch nothing outside it), and its
`evse` runs from there; the arm64 one cannot run here, so it is checked for
what it carries.
"""

import shutil
import subprocess

import pytest

from controller import ROOT
from once import made_once

pytestmark = pytest.mark.timeout(900)
# The builds (pip, strip, dpkg-deb's threaded xz) and lintian take every core they can; the other worker's
# controller must keep its 20 ms safety tick (a 67 ms stall opened a contactor there once): they yield.
GENTLY = ["nice", "-n", "19"]


def build(out) -> None:
    for arch in ("amd64", "arm64"):
        for script, extra in (("scripts/build-deb.sh", [str(out / "wheels")]), ("scripts/build-deb-dc.sh", [])):
            done = subprocess.run([*GENTLY, "bash", script, arch, str(out), *extra], cwd=ROOT, capture_output=True,
                                  text=True, timeout=900)
            assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    out = made_once(tmp_path_factory, "debs", build)
    built = {}
    for arch in ("amd64", "arm64"):
        built[arch], built[f"dc-{arch}"] = out / f"evse_0.1.0-1_{arch}.deb", out / f"evse-dc_0.1.0-1_{arch}.deb"
    assert all(deb.exists() for deb in built.values())
    return built


def lintian(*debs) -> list[str]:
    """Its errors and warnings ("E: <package>: ..."), for every package in one run."""
    done = subprocess.run([*GENTLY, "lintian", *map(str, debs)], capture_output=True, text=True, timeout=600)
    return [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]


def contents(deb) -> list[str]:
    return subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout.splitlines()


def test_every_package_passes_lintian(debs):
    assert lintian(*debs.values()) == []


def installed_into(root, *debs) -> None:
    """dpkg -i into `root` (chrootless maintainer scripts), with Debian's python3.11 (Depends) in it."""
    admin = root / "var" / "lib" / "dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    (admin / "status").touch()
    (admin / "available").touch()
    done = subprocess.run(["dpkg", f"--root={root}", f"--admindir={admin}", "--force-script-chrootless",
                           "--force-depends", "--force-not-root", "-i", *map(str, debs)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (root / "usr" / "bin" / "python3.11").symlink_to("/usr/bin/python3.11")


def test_the_amd64_package_installs_into_a_root_and_runs(debs, tmp_path):
    root = tmp_path / "root"
    installed_into(root, debs["amd64"])
    version = subprocess.run([str(root / "usr/bin/evse"), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == "evse 0.1.0", version.stderr
    settings = (root / "etc/evse/evse.toml").read_text()
    assert 'board = "/usr/share/evse/board-configs/' in settings and (root / "usr/share/evse/board-configs").is_dir()
    assert (root / "etc/evse/evse.toml").stat().st_mode & 0o777 == 0o640
    unit = (root / "lib/systemd/system/evse.service").read_text()
    assert "ExecStart=/usr/bin/evse run --config /etc/evse/evse.toml" in unit
    assert "Documentation=file:///usr/share/doc/evse/README.md" in unit and (root / "usr/share/doc/evse/README.md").exists()
    if shutil.which("systemd-analyze"):
        checked = tmp_path / "evse.service"
        checked.write_text(unit.replace("/usr/bin/evse", str(root / "usr/bin/evse")))
        verify = subprocess.run(["systemd-analyze", "verify", str(checked)], capture_output=True, text=True)
        assert verify.returncode == 0 and "evse.service" not in verify.stderr, verify.stderr
    demo = subprocess.run([str(root / "usr/bin/evse"), "demo", "--charge-seconds", "2"], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert demo.returncode == 0 and "OK: billed energy matches the meter" in demo.stdout, demo.stdout + demo.stderr


def test_the_arm64_package_carries_arm64_code_and_the_pi_pin_factory(debs):
    libraries = [line.split()[-1] for line in contents(debs["arm64"]) if line.endswith(".so")]
    assert libraries and all("x86_64" not in lib for lib in libraries)
    assert any("_lgpio" in lib and "aarch64" in lib for lib in libraries)  # gpiozero's Pi 5 pin factory
    info = subprocess.run(["dpkg-deb", "-f", str(debs["arm64"]), "Architecture", "Depends"], capture_output=True,
                          text=True, check=True).stdout
    assert "Architecture: arm64" in info and "python3.11" in info


def test_the_dc_package_runs_the_secc_and_slac_beside_the_installed_controller(debs, tmp_path):
    """evse-dc's environments with the evse package's tree: the SECC's whole import chain and its JVM
    (the EXI codec through py4j's jar, its class compiled where the unit would), SLAC's pins, and the
    units that run them."""
    root = tmp_path / "root"
    installed_into(root, debs["amd64"], debs["dc-amd64"])
    for unit, variable, env_dir in (("secc", "EVSE_HLC_PYTHON", "evse-hlc"), ("slac", "EVSE_SLAC_PYTHON", "evse-slac")):
        text = (root / f"lib/systemd/system/evse-{unit}@.service").read_text()
        assert f"ExecStart=/usr/bin/evse {unit} --config /etc/evse/evse.toml --connector %i" in text
        assert f"Environment={variable}=/usr/lib/{env_dir}/bin/python3\n" in text
    hlc, slac = root / "usr/lib/evse-hlc/bin/python3", root / "usr/lib/evse-slac/bin/python3"
    settings = tmp_path / "evse.toml"
    settings.write_text(f'board = "{root}/usr/share/evse/board-configs/rpi4-1xdc-60kw.toml"\n'
                        f'data_dir = "{tmp_path}/data"\n')
    env = {"PATH": "/usr/bin:/bin", "EVSE_HLC_PYTHON": str(hlc), "EVSE_SLAC_PYTHON": str(slac)}
    secc = subprocess.run([str(root / "usr/bin/evse"), "secc", "--config", str(settings), "--connector", "1"],
                          capture_output=True, text=True, timeout=120, env=env)
    said = secc.stdout + secc.stderr  # iso15118 logs to standard output
    assert secc.returncode == 1 and "the link to the controller is gone" in said, said  # no controller here
    # The EXI codec's class, packaged as the controller's source and compiled by the JVM into the unit's
    # cache directory (systemd's CACHE_DIRECTORY), as evse-secc@.service's first start does.
    env["CACHE_DIRECTORY"] = str(tmp_path / "cache")
    codec = ("import os, pathlib; from hlc.exi_codec import CachedExiCodec; codec = CachedExiCodec(); "
             "assert codec.cached; codec.close(); "
             "assert [*pathlib.Path(os.environ['CACHE_DIRECTORY']).glob('exi/*/evse/hlc/CachedContextCodec.class')]")
    probes = [("hlc_command", codec + "; import hlc.secc_child, cryptography; print(cryptography.__version__)",
               "44.0.0"),
              ("slac_command", "import hlc.slac_child, environs; print(environs.__version__)", "9.5.0")]
    for command, code, pinned in probes:
        script = f"import subprocess, sys; from hal.dc.ev_link_child import {command}; " \
                 f"sys.exit(subprocess.call({command}('-c', {code!r})))"
        done = subprocess.run([str(root / "usr/lib/evse/bin/python3"), "-c", script], capture_output=True, text=True,
                              timeout=120, env=env, cwd=tmp_path)
        assert done.returncode == 0 and done.stdout.strip() == pinned, done.stdout + done.stderr
    info = subprocess.run(["dpkg-deb", "-f", str(debs["dc-arm64"]), "Architecture", "Depends"], capture_output=True,
                          text=True, check=True).stdout
    assert "Architecture: arm64" in info and "evse (= 0.1.0-1)" in info and "java-runtime-headless" in info
    libraries = [line.split()[-1] for line in contents(debs["dc-arm64"]) if line.endswith(".so")]
    assert libraries and all("x86_64" not in lib for lib in libraries)
