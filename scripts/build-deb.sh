#!/usr/bin/env bash
# Build the Debian package for one architecture with Debian's own dpkg-deb:
#   bash scripts/build-deb.sh [amd64|arm64] [output-dir] [wheelhouse-dir]
# The package carries its own Python environment under /usr/lib/evse (Debian's
# websockets, pymodbus and cryptography are too old, ocpp is not packaged) for
# Debian 12 / Raspberry Pi OS 12's python3.11. Wheels for the target come from PyPI
# (manylinux, built for that architecture); pure-Python sdists are built here.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-$(dpkg --print-architecture)}
out=$(realpath -m "${2:-dist}")
house=$(realpath -m "${3:-build/deb-wheels}")
python=${PYTHON:-python3}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
source scripts/deb-env.sh
deb_platforms "$arch"
extra=""
if [ "$arch" = arm64 ]; then extra="[rpi]"; fi  # lgpio: the Pi's pin factory

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
venv="$root/usr/lib/evse"
site="$venv/lib/python3.11/site-packages"

# This project as a wheel, and wheels of the dependencies that PyPI has only as sdists.
mkdir -p "$house" "$out"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$house" .
if [ ! -d "$house/host" ]; then
  "$python" -m pip wheel --quiet --wheel-dir "$house/host" .  # every dependency, for this machine
fi
find "$house/host" -name '*-none-any.whl' ! -name 'evse_controller-*' -exec cp {} "$house" \;  # the pure ones fit any

# The environment: the target's interpreter, the target's wheels.
wheel=$(ls -t "$house"/evse_controller-"$version"-*.whl | head -1)
deb_env "$venv" --find-links "$house" "$wheel$extra"
rm -rf "$site/share"  # data-files: installed below where Debian wants them
ln -s ../../share "$venv/share"  # sys.prefix/share/evse/board-configs -> /usr/share/evse/board-configs (evse demo)

# Command, unit, settings, board configs, documentation.
install -D -m 0755 packaging/debian/evse "$root/usr/bin/evse"
install -D -m 0644 packaging/debian/evse.service "$root/lib/systemd/system/evse.service"
install -D -m 0640 systemd/evse.toml "$root/etc/evse/evse.toml"
sed -i 's|@BOARD_CONFIGS@|/usr/share/evse/board-configs|' "$root/etc/evse/evse.toml"
install -d "$root/usr/share/evse/board-configs"
install -m 0644 board-configs/*.toml "$root/usr/share/evse/board-configs/"
install -d "$root/usr/share/doc/evse"
install -m 0644 README.md docs/*.md "$root/usr/share/doc/evse/"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/evse/copyright"
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
printf 'evse (%s-1) unstable; urgency=medium\n\n  * Release %s.\n\n -- evse-controller developers <evse-controller@users.noreply.github.com>  %s\n' \
  "$version" "$version" "$date" | gzip -9n > "$root/usr/share/doc/evse/changelog.Debian.gz"
install -D -m 0644 packaging/debian/evse.1 "$root/usr/share/man/man1/evse.1"
gzip -9n "$root/usr/share/man/man1/evse.1"
install -D -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/evse"

# Control files.
mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version-1/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian/control.in \
  > "$root/DEBIAN/control"
install -m 0755 packaging/debian/postinst packaging/debian/prerm "$root/DEBIAN/"
echo /etc/evse/evse.toml > "$root/DEBIAN/conffiles"
(cd "$root" && find usr lib etc -type f ! -path 'etc/*' -exec md5sum {} + | sort -k 2) > "$root/DEBIAN/md5sums"
deb="$out/evse_${version}-1_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$root" "$deb" >/dev/null  # xz level 1: 4 % larger, 3x faster
echo "$deb"
