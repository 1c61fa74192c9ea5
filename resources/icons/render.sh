#!/usr/bin/env bash
# Renders the hicolor PNG icons from the SVG. Run it after editing the SVG and commit the PNGs:
# the build installs the checked-in files and needs no SVG renderer.
#
#   bash resources/icons/render.sh        # needs rsvg-convert (Debian: librsvg2-bin)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
id=io.github.semsearch.Semsearch

for size in 16 32 48 64 128 256; do
    out=$here/hicolor/${size}x${size}/apps
    mkdir -p "$out"
    rsvg-convert --width "$size" --height "$size" --format png \
        --output "$out/$id.png" "$here/$id.svg"
done
