#!/usr/bin/env bash
# Checks the Debian package end to end, as CI runs it after the test suite:
#   1. the desktop entry and the AppStream metainfo validate; the versions in the Debian
#      changelog and the metainfo's latest release are the project's;
#   2. cpack builds the .deb from the build folder, and lintian reports no errors;
#   3. the package installs (apt-get pulls its dependencies), the installed semsearch-cli
#      prints its version and indexes and searches a small folder (text, Markdown and a PDF
#      read by the installed semsearch-extract) with the tiny test model, writing nothing
#      outside its index;
#   4. the package removes cleanly: none of its files is left in /usr.
#
#   bash packaging/check-deb.sh
#
# Steps 3 and 4 install into this machine's /usr: they run as root (or through sudo) and
# refuse when semsearch is installed already. BUILD_DIR (default: build) must hold a finished
# build, as `bash packaging/quickstart.sh test` leaves it; CHECK_DEB_INSTALL=0 stops after 2.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
id=io.github.semsearch.Semsearch
# shellcheck source=tests/support/expect.sh
source "$root/tests/support/expect.sh"
step() { echo "check-deb: $* (at ${SECONDS}s)"; }
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

step "tools"
bash "$root/packaging/install-packages.sh" desktop-file-utils appstream lintian dpkg-dev file \
    groff

step "desktop entry and metainfo"
expect "desktop-file-validate" desktop-file-validate "$root/packaging/$id.desktop"
expect "appstreamcli validate" appstreamcli validate --no-net "$root/packaging/$id.metainfo.xml"

version=$("$build/app/semsearch-cli" --version | awk '{ print $2 }')
changelog=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)
expect "packaging/debian/changelog's latest entry is $changelog, the project is $version" \
    [ "$changelog" == "$version" ]
release=$(grep -m1 -oE '<release version="[^"]+"' "$root/packaging/$id.metainfo.xml" |
    cut -d'"' -f2)
expect "the metainfo's latest release is $release, the project is $version" \
    [ "$release" == "$version" ]

step "cpack"
cmake --build "$build"
rm -f "$build"/semsearch_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/semsearch_"$version"_*.deb)

step "lintian"
# Errors fail; warnings and notes are shown.
lintian_status=0
tags=$(lintian --fail-on error "$deb" 2>&1) || lintian_status=$?
grep -v 'running with root privileges' <<<"$tags" || true
expect "lintian reports no errors" [ "$lintian_status" -eq 0 ]

if [ "${CHECK_DEB_INSTALL:-1}" = 0 ]; then
    expect_summary check-deb
    exit
fi

step "install"
installed() { dpkg-query -W -f='${Status}' semsearch 2>/dev/null | grep -q "ok installed"; }
install_deb() {
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "$deb" >/dev/null
}
remove_deb() {
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get remove -y -q semsearch >/dev/null
}
if installed; then
    echo "check-deb: semsearch is installed on this machine; remove it first" >&2
    exit 1
fi
work=$(mktemp -d)
# Whatever stops this script, the machine is left without the package.
trap 'installed && remove_deb; rm -rf "$work"' EXIT
# Without package lists (a machine that never ran apt-get update) dependencies cannot resolve.
install_deb || { "${sudo[@]}" apt-get update -q && install_deb; }
mapfile -t owned < <(dpkg -L semsearch)
touch "$work/stamp"

step "run the installed programs"
expect "/usr/bin/semsearch-cli --version prints 'semsearch-cli $version'" \
    [ "$(/usr/bin/semsearch-cli --version)" == "semsearch-cli $version" ]
expect "/usr/bin/semsearch --version prints 'semsearch $version'" \
    [ "$(QT_QPA_PLATFORM=offscreen /usr/bin/semsearch --version 2>/dev/null)" == "semsearch $version" ]
expect "/usr/bin/semsearch-extract --version prints 'semsearch-extract $version'" \
    [ "$(/usr/bin/semsearch-extract --version)" == "semsearch-extract $version" ]
expect "semsearch-extract has its manual page" \
    [ -f /usr/share/man/man1/semsearch-extract.1.gz ]

mkdir -p "$work/docs" "$work/home" "$work/cache"
echo "The cat sleeps on the warm sofa all afternoon." >"$work/docs/cat.txt"
echo "Quarterly revenue grew by four percent." >"$work/docs/revenue.md"
echo "The train to Oslo leaves at nine in the morning." >"$work/docs/train.txt"
# A PDF of two pages, read by the installed semsearch-extract.
printf '.PP\nA first page about nothing much.\n.bp\n.PP\nThe lighthouse keeper counts ships at dawn.\n' |
    groff -ms -Tpdf >"$work/docs/lighthouse.pdf"
# A home of its own: given --index and --model, the programs write nothing there; what they
# remember about this CPU (the precision checks) goes to the XDG cache folder, given here too.
cli() { env -i PATH=/usr/bin:/bin HOME="$work/home" XDG_CACHE_HOME="$work/cache" \
    /usr/bin/semsearch-cli "$@" \
    --index "$work/index" --model "$root/tests/data/tiny-bert-max"; }
expect "semsearch-cli index" cli index --quiet "$work/docs"
# A passage's own text is its nearest neighbour whatever the model: cosine 1 (by meaning
# alone; the default, hybrid, scores by rank fusion).
found=$(cli search --json --mode semantic "Quarterly revenue grew by four percent." |
    grep -oE '"path":"[^"]*","score":[0-9.e-]+' | head -1 || true)
expect "search ranks revenue.md first: $found" \
    [ "${found%,*}" == "\"path\":\"$work/docs/revenue.md\"" ]
expect "its score is 1: $found" awk -v s="${found##*:}" 'BEGIN { exit !(s > 0.9999) }'
# JSON objects list their keys in order: "page" comes just before "path".
found=$(cli search --json --passages "The lighthouse keeper counts ships at dawn." |
    grep -oE '"page":[0-9]+,"path":"[^"]*"' | head -1 || true)
expect "search finds the PDF's second page first: $found" \
    [ "$found" == "\"page\":2,\"path\":\"$work/docs/lighthouse.pdf\"" ]
expect "status counts 4 documents" grep -q '"documents":4' <<<"$(cli status --json)"
written=$(find "$work/home" -mindepth 1 | head -3)
expect "semsearch-cli writes nothing into HOME: $written" [ -z "$written" ]
expect "semsearch-cli remembers its precision checks in XDG_CACHE_HOME" \
    [ -f "$work/cache/semsearch/precision-checks.json" ]
written=$(find /usr -newer "$work/stamp" -type f 2>/dev/null | head -3)
expect "nothing is written under /usr: $written" [ -z "$written" ]

step "remove"
remove_deb
left=()
for path in "${owned[@]}"; do
    [ "$path" != /. ] || continue
    if [ -d "$path" ] && [ ! -L "$path" ]; then
        # A folder may stay when it holds other files or another package owns it.
        [ -n "$(ls -A "$path")" ] || dpkg-query -S "$path" >/dev/null 2>&1 || left+=("$path")
    elif [ -e "$path" ] || [ -L "$path" ]; then
        left+=("$path")
    fi
done
expect "nothing is left behind after removal: ${left[*]}" [ ${#left[@]} -eq 0 ]
expect "semsearch is no longer installed" eval '! installed'

step "done"
expect_summary check-deb
