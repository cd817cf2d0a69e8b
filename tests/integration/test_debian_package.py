"""The Debian packages (amd64 and arm64) built by scripts/build-deb.sh: lintian-clean, and installable.

The amd64 one is installed with dpkg into a temporary root (maintainer scripts
run chrootless under DPKG_ROOT, so they touch nothing outside it), and its
`evse` runs from there; the arm64 one cannot run here, so it is checked for
what it carries.
"""

import shutil
import subprocess

import pytest

from controller import ROOT

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    out = tmp_path_factory.mktemp("debs")
    house = tmp_path_factory.mktemp("wheels")
    built = {}
    for arch in ("amd64", "arm64"):
        done = subprocess.run(["bash", "scripts/build-deb.sh", arch, str(out), str(house)], cwd=ROOT,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        built[arch] = out / f"evse_0.1.0-1_{arch}.deb"
        assert built[arch].exists()
    return built


def lintian(deb) -> list[str]:
    done = subprocess.run(["lintian", str(deb)], capture_output=True, text=True, timeout=600)
    return [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]


def contents(deb) -> list[str]:
    return subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout.splitlines()


def test_both_packages_pass_lintian(debs):
    for arch, deb in debs.items():
        assert lintian(deb) == [], arch


def test_the_amd64_package_installs_into_a_root_and_runs(debs, tmp_path):
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    (admin / "status").touch()
    (admin / "available").touch()
    done = subprocess.run(["dpkg", f"--root={root}", f"--admindir={admin}", "--force-script-chrootless",
                           "--force-depends", "--force-not-root", "-i", str(debs["amd64"])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (root / "usr" / "bin" / "python3.11").symlink_to("/usr/bin/python3.11")  # Depends: python3.11, from Debian
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
