#!/bin/sh
# Scans `qssl serve` with its default settings using testssl.sh and fails
# when the scanner flags anything: an offered protocol or cipher it rates
# below OK/INFO, or any vulnerability finding. Protocols, cipher categories,
# forward secrecy, server preferences and every vulnerability check run;
# the certificate and HTTP header checks are left out, since they judge the
# test certificate and the demo HTTP answer, not the TLS stack.
#
#   tests/testssl-scan.sh QSSL PKI_DIR PYTHON [REPORT.json]
set -eu
qssl=$1
pki=$2
python=$3
work=$(mktemp -d)
report=${4:-$work/report.json}
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$qssl" serve --cert "$pki/server-rsa-chain.pem" --key "$pki/server-rsa.key" --address 127.0.0.1 -q \
  > "$work/serve.out" &
server=$!
for _ in $(seq 100); do
  grep -q "^Listening on" "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^Listening on .*:\([0-9]*\).*/\1/p' "$work/serve.out")
[ -n "$port" ] || { echo "qssl serve did not start"; exit 1; }

rm -f "$report"
testssl --quiet --color 0 --warnings off --add-ca "$pki/ca.pem" \
  --protocols --std --fs --server-preference --vulnerable \
  --jsonfile "$report" "localhost:$port" > "$work/scan.txt" 2>&1 || true

"$python" - "$report" <<'PY'
import json
import sys

findings = json.load(open(sys.argv[1]))
by_id = {f["id"]: f for f in findings}
problems = [f for f in findings if f.get("severity") not in ("OK", "INFO")]
# What a secure default must look like, checked explicitly too.
expected = {
    "SSLv2": "not offered", "SSLv3": "not offered", "TLS1": "not offered", "TLS1_1": "not offered",
    "TLS1_2": "offered", "TLS1_3": "offered with final", "cipherlist_NULL": "not offered",
    "cipherlist_aNULL": "not offered", "cipherlist_EXPORT": "not offered", "cipherlist_LOW": "not offered",
    "cipherlist_3DES_IDEA": "not offered", "cipherlist_AVERAGE": "not offered",
}
for key, value in expected.items():
    if key not in by_id or not by_id[key]["finding"].startswith(value):
        problems.append({"id": key, "severity": "EXPECTED", "finding": f"wanted '{value}', got "
                         f"'{by_id.get(key, {}).get('finding')}'"})
vulnerabilities = [f for f in findings if f["id"] in ("heartbleed", "CCS", "ticketbleed", "ROBOT", "CRIME_TLS",
                                                      "POODLE_SSL", "SWEET32", "FREAK", "DROWN", "LOGJAM",
                                                      "BEAST", "LUCKY13", "RC4", "secure_client_renego")]
if len(vulnerabilities) < 14:
    problems.append({"id": "scan", "severity": "INCOMPLETE", "finding": f"only {len(vulnerabilities)} vulnerability checks ran"})
for f in findings:
    print(f"{f['id']:28} {f['severity']:8} {f['finding']}")
for f in problems:
    print(f"PROBLEM: {f['id']} {f['severity']} {f['finding']}")
sys.exit(1 if problems else 0)
PY
