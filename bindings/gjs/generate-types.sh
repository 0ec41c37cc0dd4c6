#!/bin/sh
# generate-types.sh TS_FOR_GIR QSSL_GIR OUTDIR: TypeScript declarations for
# GJS of Qssl-1.0 and its dependencies, from the GIR files (ours and the
# system's), into OUTDIR. Quiet unless it fails.
set -eu
ts_for_gir=$1 gir=$2 out=$3
mkdir -p "$out"
# Absolute: ts-for-gir takes relative paths from its --root.
gir_dir=$(cd "$(dirname "$gir")" && pwd)
out=$(cd "$out" && pwd)
log="$out/ts-for-gir.log"
# ts-for-gir looks for a configuration file in --root: give it an empty one.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# The Node.js 20 installed beside it, where there is one (Debian 12's is 18).
node=$(dirname "$ts_for_gir")/node
[ -x "$node" ] || node=
if ! $node "$ts_for_gir" generate Qssl-1.0 --root "$root" -g "$gir_dir" -g /usr/share/gir-1.0 -o "$out" \
    --ignoreVersionConflicts >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
test -f "$out/qssl-1.0.d.ts"
