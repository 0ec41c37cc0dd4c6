#!/bin/sh
# Scans `qssl serve` with its default settings using testssl.sh and fails
# when the scanner flags anything about the server: an offered protocol or
# cipher it rates below OK/INFO, or any vulnerability finding (the judgement
# is tests/testssl/judge.py; what testssl.sh says about its own machine, such
# as engine_problem, is printed but is not a failure). Protocols, cipher
# categories, forward secrecy, server preferences and every vulnerability
# check run; the certificate and HTTP header checks are left out, since they
# judge the test certificate and the demo HTTP answer, not the TLS stack.
#
#   tests/testssl/scan.sh QSSL PKI_DIR PYTHON [REPORT.json]
#
# With QSSL_SCAN_TARGET=HOST:PORT it scans that server instead of starting
# `qssl serve` (to check the judgement against another server, e.g. a weak
# `openssl s_server`).
set -eu
qssl=$1
pki=$2
python=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
report=${4:-$work/report.json}
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -n "${QSSL_SCAN_TARGET:-}" ]; then
  target=$QSSL_SCAN_TARGET
else
  "$qssl" serve --cert "$pki/server-rsa-chain.pem" --key "$pki/server-rsa.key" --address 127.0.0.1 -q \
    > "$work/serve.out" &
  server=$!
  for _ in $(seq 100); do
    grep -q "^Listening on" "$work/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's/^Listening on .*:\([0-9]*\).*/\1/p' "$work/serve.out")
  [ -n "$port" ] || { echo "qssl serve did not start"; exit 1; }
  target=localhost:$port
fi

rm -f "$report"
testssl --quiet --color 0 --warnings off --add-ca "$pki/ca.pem" \
  --protocols --std --fs --server-preference --vulnerable \
  --jsonfile "$report" "$target" > "$work/scan.txt" 2>&1 || true

if [ ! -s "$report" ]; then
  echo "testssl.sh wrote no report:"
  cat "$work/scan.txt"
  exit 1
fi
# Not exec: the trap must still stop the server and remove $work.
rc=0
"$python" "$here/judge.py" "$report" || rc=$?
exit $rc
