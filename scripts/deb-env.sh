# Sourced by scripts/build-deb.sh and scripts/build-deb-dc.sh: the target's wheel platforms and a
# Python environment for the target made without running its interpreter.
#   deb_platforms ARCH        sets `platforms` (pip --platform flags) and `strip_tool`
#   deb_env VENV PIP-ARGS...  VENV with Debian's python3.11 and what PIP-ARGS name, for the target
deb_platforms() {
  case "$1" in
    amd64) platforms=(--platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64
                     --platform manylinux_2_34_x86_64) ;;
    arm64) platforms=(--platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64 --platform manylinux_2_28_aarch64
                     --platform manylinux_2_34_aarch64) ;;  # glibc 2.36 on Debian 12 and Raspberry Pi OS 12
    *) echo "build-deb: architecture $1 is not built (amd64, arm64)" >&2; exit 2 ;;
  esac
  strip_tool=strip
  if [ "$1" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
    strip_tool=aarch64-linux-gnu-strip  # Debian's binutils-aarch64-linux-gnu
  fi
}

deb_env() {
  local venv=$1 site=$1/lib/python3.11/site-packages
  shift
  mkdir -p "$venv/bin" "$site"
  printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11\n' > "$venv/pyvenv.cfg"
  ln -s ../../../bin/python3.11 "$venv/bin/python3"  # Debian's python3.11 (Depends), relative as lintian asks
  ln -s python3 "$venv/bin/python"
  "$python" -m pip install --quiet --target "$site" --no-compile --only-binary :all: "${platforms[@]}" \
    --python-version 3.11 --implementation cp --abi cp311 "$@"
  rm -rf "$site/bin"  # scripts with this machine's interpreter in their #! line
  find "$site" -name '__pycache__' -prune -exec rm -rf {} +
  find "$site" -type f -exec chmod 0644 {} +  # modules and data, never executables (Debian policy 10.9)
  find "$site" -type f -name '*.so' -exec "$strip_tool" --strip-unneeded --remove-section=.comment \
    --remove-section=.note {} +
}
