#!/bin/sh
# Checks every translation in po/: each string marked in the sources listed
# in po/POTFILES is in the catalogue, translated and not fuzzy, and the
# catalogue passes msgfmt's format checks.
#
#   tests/check-translations.sh SOURCE_ROOT
set -eu
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/po/POTFILES" > "$tmp/files"
(cd "$root" && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 --add-comments -f "$tmp/files" -o "$tmp/sources.pot")

status=0
for po in "$root"/po/*.po; do
  lang=$(basename "$po" .po)
  if ! msgcmp --use-untranslated "$po" "$tmp/sources.pot" 2> "$tmp/msgcmp"; then
    echo "$lang: strings marked in the sources are missing from $po:"
    cat "$tmp/msgcmp"
    status=1
  fi
  stats=$(LC_ALL=C msgfmt -c --statistics -o /dev/null "$po" 2>&1) || { echo "$lang: $stats"; status=1; continue; }
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*|*warning*) echo "$lang: incomplete or malformed"; status=1 ;;
  esac
done
exit $status
