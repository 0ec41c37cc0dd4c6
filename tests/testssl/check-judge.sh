#!/bin/sh
# The judgement of tests/testssl/scan.sh on two real testssl.sh 3.0.8
# reports: qssl-serve.json (`qssl serve`, defaults; the scanner's OpenSSL
# had no GOST engine, so it carries engine_problem WARN) must pass, and
# weak-s_server.json (`openssl s_server -cipher 'ALL:@SECLEVEL=0' -tls1_2`)
# must fail on its server findings.
#
#   tests/testssl/check-judge.sh PYTHON
set -u
py=$1
here=$(cd "$(dirname "$0")" && pwd)
echo "1..2"

out=$("$py" "$here/judge.py" "$here/qssl-serve.json"); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^SCANNER .*engine_problem WARN'; then
  echo "ok 1 - a remark about the scanner's OpenSSL is printed and is not a failure"
else
  printf '%s\n' "$out" | sed 's/^/# /'
  echo "not ok 1 - qssl serve's report: status $rc"
fi

out=$("$py" "$here/judge.py" "$here/weak-s_server.json"); rc=$?
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q '^PROBLEM: cipherlist_aNULL CRITICAL' &&
   printf '%s\n' "$out" | grep -q '^PROBLEM: LUCKY13 LOW'; then
  echo "ok 2 - a weak server's findings still fail"
else
  printf '%s\n' "$out" | sed 's/^/# /'
  echo "not ok 2 - weak s_server's report: status $rc"
fi
