#!/bin/sh
# Regenerates the ABI baseline tests/abi/libqssl-1.abi from a build:
#
#   tests/abi/update-baseline.sh [BUILDDIR]     (default: _build)
#
# Run it from a build with debug information (the default
# buildtype=debugoptimized) of the released sources only: the baseline is
# what every later 1.x build is compared with. Commit the result.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/_build}" && pwd)
meson compile -C "$build" qssl-1
abidw --no-corpus-path --no-comp-dir-path --no-show-locs --drop-private-types \
  --headers-dir "$src/libqssl" --headers-dir "$build/libqssl" \
  --out-file "$src/tests/abi/libqssl-1.abi" "$build/libqssl/libqssl-1.so"
echo "wrote tests/abi/libqssl-1.abi ($(grep -c '<elf-symbol ' "$src/tests/abi/libqssl-1.abi") symbols)"
