#!/usr/bin/env bash
# Quick start on Debian 12: install what is missing, build, then run the app or the tests.
#
#   bash packaging/quickstart.sh app     # set up, build, start semsearch
#   bash packaging/quickstart.sh test    # set up, build, run the whole test suite (CI runs this)
#
# Packages come from Debian's archive only. The document readers need poppler and libxml2, a
# shared index libpq; the tests make their documents with pandoc, groff and Ghostscript, read
# PDFs with pdftotext and run a PostgreSQL 15 server (test mode only).
# apt-get runs as root, or through sudo when the user is not root. BUILD_DIR (default: build),
# JOBS (default: number of cores) and CMAKE_OPTIONS (more options for cmake's configure step)
# may be set. The test build treats warnings in semsearch's own code as errors
# (SEMSEARCH_WERROR), as a developer's should.
set -euo pipefail

mode=${1:-}
case "$mode" in
app | test) ;;
*)
    echo "usage: bash packaging/quickstart.sh app|test" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}

packages=(
    cmake g++ ninja-build pkg-config
    qt6-base-dev qt6-qpa-plugins libgl-dev qt6-tools-dev qt6-l10n-tools
    libtorch-dev libopenblas0-openmp libdnnl-dev
    libfaiss-dev libsqlite3-dev libpq-dev
    libpoppler-cpp-dev libxml2-dev zlib1g-dev
    pandoc poppler-utils groff ghostscript
)
# The shared index's tests start a private PostgreSQL server of their own; the app needs only
# the client library (libpq).
if [ "$mode" = test ]; then
    packages+=(postgresql-15)
fi

bash "$root/packaging/install-packages.sh" "${packages[@]}"

werror=OFF
[ "$mode" = test ] && werror=ON
# Line tables only (-g1): backtraces and the package keep file and line, and compiling takes
# about a quarter less time than with full debug info (a test's source: 20.8 s against 27.3 s,
# the mean of three each, on 2 cores).
# shellcheck disable=SC2086 # CMAKE_OPTIONS holds several words on purpose
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DSEMSEARCH_WERROR=$werror ${CMAKE_OPTIONS:-}
cmake --build "$build" --parallel "$jobs"

if [ "$mode" = test ]; then
    cd "$build"
    # As many tests at once as cores: each test is one process that mostly waits on another
    # (the CLI, a server) or runs a tiny model, and every test keeps to its own folders.
    exec ctest --output-on-failure --timeout 600 --parallel "$jobs"
else
    exec "$build/app/semsearch" "${@:2}"
fi
