#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fails when a translation lags behind the sources: extracts the messages of
# POTFILES.in into a temporary template (the tree is left alone), merges each
# translation of LINGUAS with it and reports every untranslated or fuzzy
# message. po/update.sh is the command that fixes what this reports.
#
#   po/check.sh SRCDIR
set -eu

srcdir=$1
podir=$srcdir/po
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the same keywords and flags as meson's glib preset
(cd "$srcdir" && xgettext --from-code=UTF-8 --add-comments --package-name=sio-glib \
   --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
   --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
   --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
   --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
   --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
   --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
   --files-from=po/POTFILES.in --output="$tmp/template.pot")

status=0
for lang in $(sed -e 's/#.*//' "$podir/LINGUAS"); do
  msgmerge --quiet --previous --output-file="$tmp/$lang.po" "$podir/$lang.po" "$tmp/template.pot"
  msgfmt --check --output-file=/dev/null "$tmp/$lang.po"
  todo=$( { msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po";
            msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po"; } \
          | sed -n 's/^msgid "\(..*\)"$/\1/p')
  if [ -n "$todo" ]; then
    echo "$lang.po: untranslated or fuzzy (run po/update.sh and translate):"
    echo "$todo" | sed 's/^/    /'
    status=1
  else
    echo "$lang.po: complete"
  fi
done
exit $status
