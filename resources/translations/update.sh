#!/usr/bin/env bash
# Brings the translation files up to date with the sources (Qt's lupdate):
#   semsearch.ts      the template: every user-visible string of the window, no language
#   semsearch_de.ts   German
#   semsearch_en.ts   the English plural forms only ("%n passages": "1 passage", "2 passages")
# Usage: update.sh LUPDATE SOURCE_ROOT [FOLDER]   (FOLDER: where the .ts files are; default:
# this script's folder). The build runs it as `cmake --build build --target
# update_translations`; tests/packaging/test_translations.sh runs it on a copy to check that
# the files in the tree are current. No line numbers are kept, so that editing code around a
# string does not change the files.
set -euo pipefail
lupdate=$1
root=$2
folder=${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
sources=("$root/ui" "$root/services" "$root/app/gui")
options=(-silent -locations none -no-obsolete -extensions cpp,h)
cd "$folder"
"$lupdate" "${options[@]}" "${sources[@]}" -ts semsearch.ts semsearch_de.ts
"$lupdate" "${options[@]}" -pluralonly "${sources[@]}" -ts semsearch_en.ts
