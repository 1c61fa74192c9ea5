#!/usr/bin/env bash
# Starts the real semsearch in a real X window (Xvfb), lets it index a small folder of notes,
# types a query the way a user would, and saves what the screen shows: once with Qt's light
# palette, once with the dark one (SEMSEARCH_PALETTE=dark), beside it as NAME-dark.png.
#
#   bash packaging/screenshot.sh [BUILD_DIR] [OUTPUT.png] [MODEL_DIR]
#
# Defaults: build, resources/screenshots/main-window.png, the tiny test model. Needs xvfb,
# xdotool and imagemagick (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
output=${2:-resources/screenshots/main-window.png}
model=${3:-tests/data/tiny-bert-max}

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
if ((${#need[@]})); then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get install -y "${need[@]}"
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# Notes in a home folder of their own, so the window shows them as ~/notes.
export HOME=$work/home
notes=$HOME/notes
mkdir -p "$notes/garden" "$notes/work" "$notes/kitchen"
cat >"$notes/garden/roses.md" <<'TEXT'
# Roses

The climbing roses along the fence need water every second evening in July.
Cut the dead flowers back to the first full leaf, and they bloom again in autumn.
Aphids came back in June; soapy water on the buds kept them down.
TEXT
cat >"$notes/work/meeting-notes.md" <<'TEXT'
# Planning meeting, 12 March

We agreed to ship the importer before the summer holidays.
Anna worries that the old export format loses the comments; she will write a converter.
The budget for the new laptops is approved, but only for the support team.
TEXT
cat >"$notes/kitchen/bread.txt" <<'TEXT'
Sourdough: feed the starter the night before. Mix flour, water and salt, and let the
dough rest for an hour before folding. Bake at 240 degrees with steam for the first
twenty minutes, then lower the heat so the crust does not burn.
TEXT
cat >"$notes/work/travel.txt" <<'TEXT'
The train to Lyon leaves at 7:12 from platform 4. Hotel booked near the station,
breakfast included. Remember the adapter for the charger and the printed tickets.
TEXT

export DISPLAY=:97
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
sleep 1
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data

# shoot PALETTE OUTPUT: one run of the window, one picture.
shoot() {
    SEMSEARCH_PALETTE=$1 "$build/app/semsearch" --model "$model" --index "$work/index" "$notes" \
        >"$work/app.log" 2>&1 &
    app=$!
    # Wait for the window, then for indexing to end (the CLI sees the finished index).
    window=
    for _ in $(seq 60); do
        # By class: the title ("~/idx — semsearch") has a non-ASCII dash, after which
        # xdotool's --name regex matches nothing in the C locale.
        window=$(xdotool search --onlyvisible --class semsearch 2>/dev/null | head -1 || true)
        [ -n "$window" ] && break
        sleep 0.5
    done
    [ -n "$window" ] || {
        echo "screenshot: the window did not appear" >&2
        cat "$work/app.log" >&2
        exit 1
    }
    xdotool windowsize "$window" 1280 800
    xdotool windowmove "$window" 0 0
    for _ in $(seq 120); do
        "$build/app/semsearch-cli" status --index "$work/index" --json 2>/dev/null |
            grep -q '"documents": *4' && break
        sleep 0.5
    done
    sleep 2
    xdotool windowactivate --sync "$window" 2>/dev/null || xdotool windowfocus "$window"
    xdotool key --window "$window" ctrl+l ctrl+a BackSpace
    xdotool type --delay 60 "when should I water the flowers"
    sleep 3
    mkdir -p "$(dirname "$2")"
    import -window root "$2"
    # 256 colours without dithering: a third of the size, no visible difference in a window.
    convert "$2" -dither None -colors 256 "PNG8:$2"
    kill "$app"
    wait "$app" 2>/dev/null || true
    echo "screenshot: $2"
}

shoot light "$output"
shoot dark "${output%.png}-dark.png"
