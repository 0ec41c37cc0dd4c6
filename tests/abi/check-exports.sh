#!/bin/sh
# The library exports the public qssl_ functions and nothing else: a
# helper that leaks out of libqssl (a missing `static`, a private symbol
# without hidden visibility) becomes ABI that 1.x would have to keep.
#
#   tests/abi/check-exports.sh LIBQSSL.so
set -eu
lib=$1
all=$(nm -D --defined-only "$lib" | awk '{ print $3 }')
[ -n "$all" ] || { echo "no exported symbols in $lib"; exit 1; }
others=$(printf '%s\n' "$all" | grep -v '^qssl_' || true)
count=$(printf '%s\n' "$all" | grep -c '^qssl_' || true)
if [ -n "$others" ]; then
  echo "exported symbols without the qssl_ prefix:"
  printf '  %s\n' $others
  exit 1
fi
echo "$count symbols exported, all qssl_"
