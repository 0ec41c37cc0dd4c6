#!/bin/sh
# Type-checks tests/gjs/ts/*.ts with `tsc --noEmit` against the TypeScript
# declarations generated from Qssl-1.0.gir (ts-for-gir) and the helper's
# qssl.d.ts. TAP output. Skipped, saying why, when tsc or the declarations
# are missing, unless QSSL_REQUIRE_TYPESCRIPT is set (./run.sh test sets it).
#   typecheck.sh TSC TYPES_DIR SOURCE_DIR WORK_DIR
set -u
tsc=$1 types=$2 src=$3 work=$4

skip() {
  if [ -n "${QSSL_REQUIRE_TYPESCRIPT:-}" ]; then
    echo "1..1"; echo "not ok 1 $1"; exit 1
  fi
  echo "1..0 # SKIP $1"; exit 0
}
[ -x "$tsc" ] || skip "tsc not found (npm install typescript, or ./run.sh test, which installs it in the build tree)"
[ -f "$types/qssl-1.0.d.ts" ] || skip "no declarations in $types (ts-for-gir was not found when meson was set up)"

mkdir -p "$work"
# The sources are not copied: tsc resolves the helper's import next to it.
cat > "$work/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "target": "ES2022", "module": "ES2022", "moduleResolution": "bundler",
    "lib": ["ES2022"], "types": [], "strict": true, "noEmit": true, "skipLibCheck": true,
    "allowJs": false, "typeRoots": []
  },
  "files": ["$types/index.d.ts", "$src/bindings/gjs/qssl.d.ts", "$src/tests/gjs/ts/client.ts"]
}
JSON
echo "1..1"
if out=$("$tsc" --noEmit -p "$work/tsconfig.json" 2>&1); then
  echo "ok 1 tsc --noEmit tests/gjs/ts/client.ts"
else
  echo "$out" | sed 's/^/# /'
  echo "not ok 1 tsc --noEmit tests/gjs/ts/client.ts"
  exit 1
fi
