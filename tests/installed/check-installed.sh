#!/bin/sh
# Installs a build configured with -Dinstalled_tests=true into its prefix (a
# staging prefix, such as one under the build directory) and runs the
# installed tests there with gnome-desktop-testing-runner: the installed
# library, typelib and Python override, and none of the build tree.
#
#   tests/installed/check-installed.sh BUILDDIR
#
# The build must have been set up with its prefix inside it; run.sh test
# uses `meson setup _build-installed --prefix=$PWD/_build-installed/prefix
# -Dinstalled_tests=true`.
set -eu
build=$(cd "$1" && pwd)
py=${PYTHON:-/usr/bin/python3}
prefix=$(meson introspect --buildoptions "$build" |
  "$py" -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
# It empties the prefix first: only a staging prefix inside the build
# directory will do.
case "$prefix" in
  "$build"/?*) ;;
  *) echo "check-installed.sh: $build installs into $prefix, not a prefix inside $build" >&2; exit 2 ;;
esac

rm -rf "$prefix"
meson install -C "$build" --quiet --no-rebuild

# Where the install put things; the tests find them only through these.
lib=$(find "$prefix" -name 'libqssl-1.so.0' | head -n1)
typelib=$(find "$prefix" -name 'Qssl-1.0.typelib' | head -n1)
override=$(find "$prefix" -path '*/gi/overrides/Qssl.py' | head -n1)
for f in "$lib" "$typelib" "$override"; do
  [ -n "$f" ] || { echo "check-installed.sh: the install lacks the library, typelib or override" >&2; exit 1; }
done
libdir=$(dirname "$lib")
execdir=$prefix/libexec/installed-tests/libqssl-1
ntests=$(ls "$prefix/share/installed-tests/libqssl-1/"*.test 2>/dev/null | wc -l)
if [ ! -x "$execdir/run-test" ] || [ "$ntests" -eq 0 ]; then
  echo "check-installed.sh: nothing installed under $execdir: set up $build with -Dinstalled_tests=true" >&2
  exit 1
fi

# An installed test program must load the installed library, never the
# build tree's (meson strips the build rpath on install).
unset LD_LIBRARY_PATH GI_TYPELIB_PATH PYTHONPATH QSSL_BUILD_ROOT QSSL_LOCALEDIR
resolved=$(LD_LIBRARY_PATH=$libdir ldd "$execdir/test-library" | sed -n 's/.*libqssl-1.so.0 => \([^ ]*\).*/\1/p')
case "$resolved" in
  "$libdir"/*) ;;
  *) echo "check-installed.sh: test-library loads libqssl from '$resolved', not from $libdir" >&2; exit 1 ;;
esac
if readelf -d "$execdir/test-library" | grep -q "$build"; then
  echo "check-installed.sh: test-library still points into the build tree" >&2; exit 1
fi

# One PKI for the whole run, made by the installed generator (each test
# would otherwise make its own).
# No dot in the name (see run-test.sh.in).
work=$(mktemp -d "${TMPDIR:-/tmp}/libqssl-tests-XXXXXXXXXX")
trap 'rm -rf "$work"' EXIT
"$execdir/make-pki.sh" "$work/pki" > /dev/null

cd "$work"
LD_LIBRARY_PATH=$libdir \
GI_TYPELIB_PATH=$(dirname "$typelib") \
PYTHONPATH=$(dirname "$(dirname "$(dirname "$override")")") \
XDG_DATA_DIRS=$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share} \
QSSL_TEST_PKI=$work/pki \
  gnome-desktop-testing-runner --dir="$prefix/share" --timeout=900 --tap libqssl-1
