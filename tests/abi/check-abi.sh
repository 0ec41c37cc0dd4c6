#!/bin/sh
# Compares the built library with the 1.0 ABI baseline (libqssl-1.abi,
# made by update-baseline.sh) with abidiff: a removed or changed function
# or type fails; added functions pass, and the report lists them.
#
#   tests/abi/check-abi.sh LIBQSSL.so BASELINE.abi SRC_HEADERS_DIR BUILD_HEADERS_DIR
set -eu
lib=$1
baseline=$2
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  # Without DWARF abidiff compares symbol names only and would miss every
  # type change: not a check worth passing.
  echo "1..0 # SKIP $lib has no debug information (build with -g, e.g. buildtype=debugoptimized)"
  exit 77
fi
rc=0
report=$(abidiff --no-show-locs --drop-private-types --headers-dir2 "$3" --headers-dir2 "$4" \
  "$baseline" "$lib" 2>&1) || rc=$?
printf '%s\n' "$report"
# abidiff's exit status is a bit field: 1 error, 2 usage, 4 some ABI change,
# 8 an incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
  echo "abidiff failed (status $rc)"
  exit 1
fi
# Status 8 only covers removed symbols; a changed signature or layout
# (a parameter added, a struct grown) only sets 4, so the summary lines
# ("Functions changes summary: R Removed, C Changed, A Added function")
# decide: anything removed or changed is incompatible, additions are not.
changed=$(printf '%s\n' "$report" |
  sed -n 's/.*changes summary: \([0-9]*\) Removed[^,]*, \([0-9]*\) Changed.*/\1 \2/p' |
  awk '{ n += $1 + $2 } END { print n + 0 }')
if [ $((rc & 8)) -ne 0 ] || [ "$changed" -ne 0 ]; then
  echo "INCOMPATIBLE ABI change against the 1.0 baseline (status $rc)"
  exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
  echo "compatible ABI additions against the 1.0 baseline (listed above); after a release run tests/abi/update-baseline.sh"
else
  echo "ABI identical to the 1.0 baseline"
fi
