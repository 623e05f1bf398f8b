#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Regenerates po/sio-glib-1.0.pot from the sources listed in POTFILES.in and
# merges it into every translation listed in LINGUAS, then reports what is
# left to translate.
#
#   po/update.sh [BUILDDIR]      (default: _build, configured with meson)
#
# New messages arrive untranslated, changed ones as fuzzy (with the previous
# msgid kept as a "#|" comment). Translate them, remove the fuzzy flag and
# run the script again: it must report no fuzzy or untranslated message.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-_build}
case $builddir in
  /*) ;;
  *) builddir=$srcdir/$builddir ;;
esac
domain=sio-glib-1.0
podir=$srcdir/po

if [ ! -f "$builddir/build.ninja" ]; then
  echo "update.sh: $builddir is not a configured meson build directory" >&2
  echo "           (run: meson setup $builddir)" >&2
  exit 1
fi

ninja -C "$builddir" "$domain-pot"

status=0
for lang in $(sed -e 's/#.*//' "$podir/LINGUAS"); do
  po=$podir/$lang.po
  if [ ! -f "$po" ]; then
    msginit --no-translator --locale="$lang" --input="$podir/$domain.pot" --output-file="$po"
  fi
  msgmerge --quiet --update --backup=none --previous "$po" "$podir/$domain.pot"
  printf '%s: ' "$lang"
  msgfmt --check --statistics --output-file=/dev/null "$po" 2>&1 || status=1
  todo=$( { msgattrib --untranslated --no-obsolete "$po"; msgattrib --only-fuzzy --no-obsolete "$po"; } \
          | grep -c '^msgid ' || true)
  if [ "$todo" -gt 0 ]; then
    echo "  to translate or review in $lang.po:"
    { msgattrib --untranslated --no-obsolete --no-wrap "$po"; msgattrib --only-fuzzy --no-obsolete --no-wrap "$po"; } \
      | sed -n 's/^msgid "\(..*\)"$/    \1/p'
  fi
done
exit $status
