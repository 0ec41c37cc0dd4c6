#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a while.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [TARGET...]
#
# TARGET is certificate, key, pkcs12, path, cipher, socket-client,
# socket-server or proxy-header (default: all, one after the other;
# QSSL_FUZZ_JOBS=2 runs two at a time). The build is _build-fuzz (QSSL_FUZZ_BUILD to change it):
# CC=clang, -Dfuzzing=true, the library instrumented for coverage
# (-fsanitize=fuzzer-no-link), ASan and UBSan. Each target starts from the
# seed corpus meson generates plus tests/fuzz/regressions/TARGET and keeps
# what it finds in BUILD/tests/fuzz/runs/TARGET/corpus; crashes, leaks and
# timeouts land in BUILD/tests/fuzz/runs/TARGET/ (crash-*, leak-*,
# timeout-*), the log in BUILD/tests/fuzz/runs/TARGET.log. At the end it
# prints per target the executions, the coverage (cov: edges, ft: features,
# from libFuzzer's last status line) and the number of findings, and exits 1
# when there was any finding.
set -euo pipefail

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
all=(certificate key pkcs12 path cipher socket-client socket-server proxy-header)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

cd "$(dirname "$0")/../.."
src=$PWD
build=${QSSL_FUZZ_BUILD:-_build-fuzz}
jobs=${QSSL_FUZZ_JOBS:-1}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link \
    -Dintrospection=false -Ddocs=disabled -Dbindings_python=false -Dbindings_gjs=false -Dbench=false
fi
meson compile -C "$build"

runs=$build/tests/fuzz/runs
mkdir -p "$runs"

export QSSL_TEST_PKI=$src/$build/tests/pki
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_SLICE=always-malloc

run_one() {
  local target=$1 dir=$runs/$1 seeds=()
  mkdir -p "$dir/corpus"
  seeds=("$build/tests/fuzz/corpus/$target")
  [ -d "tests/fuzz/regressions/$target" ] && seeds+=("tests/fuzz/regressions/$target")
  # Ten seconds per input at most: anything slower is a hang worth a look.
  nice -n 10 "$build/tests/fuzz/fuzz-$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "${seeds[@]}" > "$runs/$target.log" 2>&1 || true
}

running=0
for target in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/fuzz-$target" ] || { echo "no such target: $target" >&2; exit 2; }
  echo "$(date -u +%H:%M:%S) fuzzing $target for ${seconds}s"
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

findings=0
printf '%-14s %12s %8s %8s %8s %9s\n' target executions exec/s cov ft findings
for target in "${targets[@]}"; do
  log=$runs/$target.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  status=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$status")
  found=$(find "$runs/$target" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  findings=$((findings + found))
  printf '%-14s %12s %8s %8s %8s %9s\n' "$target" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$found"
done
[ "$findings" -eq 0 ]
