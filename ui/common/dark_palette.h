#pragma once

// A dark palette for desktops whose Qt theme has none (Qt's own Fusion style is light): the
// window uses it when SEMSEARCH_PALETTE=dark is set. Every colour the window paints with comes
// from the palette, so this is all a dark look needs.

#include <QPalette>

namespace semsearch::ui {

QPalette darkPalette();

} // namespace semsearch::ui
