#!/usr/bin/env bash
# Build evse-dc, the DC charging part beside the evse package, for one architecture:
#   bash scripts/build-deb-dc.sh [amd64|arm64] [output-dir]
# The EV link's two environments (their pins cannot live in the controller's, docs/dc.md):
# /usr/lib/evse-hlc (iso15118, hlc/requirements.txt) and /usr/lib/evse-slac (pyslac,
# hlc/slac-requirements.txt), and the units that run them beside the controller,
# evse-secc@.service and evse-slac@.service, naming those environments. The `hlc` package itself
# is the controller's (evse), found after each environment's own pins (hlc/environment.py).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-$(dpkg --print-architecture)}
out=$(realpath -m "${2:-dist}")
python=${PYTHON:-python3}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
source scripts/deb-env.sh
deb_platforms "$arch"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
mkdir -p "$out"
deb_env "$root/usr/lib/evse-hlc" -r hlc/requirements.txt  # py4j's jar stays in its share/ (py4j looks there)
deb_env "$root/usr/lib/evse-slac" -r hlc/slac-requirements.txt

# The units, from the release's: /usr/bin/evse, and the environment each child runs in.
for unit in secc slac; do
  variable=$([ $unit = secc ] && echo EVSE_HLC_PYTHON || echo EVSE_SLAC_PYTHON)
  env_dir=$([ $unit = secc ] && echo evse-hlc || echo evse-slac)
  install -D -m 0644 "systemd/evse-$unit@.service" "$root/lib/systemd/system/evse-$unit@.service"
  sed -i -e 's|/opt/evse/current/bin/evse|/usr/bin/evse|' \
         -e 's|file:///opt/evse/current/share/evse/doc/dc.md|file:///usr/share/doc/evse/dc.md|' \
         -e "s|^\[Service\]$|[Service]\nEnvironment=$variable=/usr/lib/$env_dir/bin/python3|" \
         "$root/lib/systemd/system/evse-$unit@.service"
done
install -d "$root/usr/share/doc/evse-dc"
install -m 0644 packaging/debian-dc/copyright "$root/usr/share/doc/evse-dc/copyright"
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
printf 'evse-dc (%s-1) unstable; urgency=medium\n\n  * Release %s.\n\n -- evse-controller developers <evse-controller@users.noreply.github.com>  %s\n' \
  "$version" "$version" "$date" | gzip -9n > "$root/usr/share/doc/evse-dc/changelog.Debian.gz"
install -D -m 0644 packaging/debian-dc/lintian-overrides "$root/usr/share/lintian/overrides/evse-dc"

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version-1/g" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian-dc/control.in \
  > "$root/DEBIAN/control"
(cd "$root" && find usr lib -type f -exec md5sum {} + | sort -k 2) > "$root/DEBIAN/md5sums"
deb="$out/evse-dc_${version}-1_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$root" "$deb" >/dev/null  # xz level 1: 4 % larger, 3x faster
echo "$deb"
