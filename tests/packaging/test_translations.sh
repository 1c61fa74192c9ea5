#!/usr/bin/env bash
# The translation files in resources/translations against the sources: current (lupdate on a
# copy changes nothing: every user-visible string is in the template and the catalogues, none
# that is gone lingers), and complete (no unfinished entry in German or in the English plural
# forms, no empty translation).
# Usage: test_translations.sh LUPDATE SOURCE_ROOT
set -euo pipefail
lupdate=$1
root=$2
folder=$root/resources/translations
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp "$folder"/*.ts "$copy"/
bash "$folder/update.sh" "$lupdate" "$root" "$copy"
status=0
for file in "$folder"/*.ts; do
    name=$(basename "$file")
    if ! diff -u "$file" "$copy/$name" >"$copy/$name.diff"; then
        echo "FAIL: $name is not current with the sources; run: cmake --build build --target update_translations" >&2
        head -40 "$copy/$name.diff" >&2
        status=1
    fi
done
for name in semsearch_de.ts semsearch_en.ts; do
    unfinished=$(grep -c 'type="unfinished"' "$folder/$name" || true)
    empty=$(grep -cE '<translation>\s*</translation>|<numerusform>\s*</numerusform>|<translation/>' \
        "$folder/$name" || true)
    if [ "$unfinished" != 0 ] || [ "$empty" != 0 ]; then
        echo "FAIL: $name has $unfinished unfinished and $empty empty translations" >&2
        status=1
    fi
done
messages=$(grep -c '<message' "$folder/semsearch.ts")
translated=$(grep -c '<message' "$folder/semsearch_de.ts")
if [ "$messages" != "$translated" ]; then
    echo "FAIL: the template has $messages strings, German $translated" >&2
    status=1
fi
[ "$status" = 0 ] && echo "translations current and complete ($messages strings)"
exit "$status"
