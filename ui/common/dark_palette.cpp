#include "dark_palette.h"

#include <QColor>

namespace semsearch::ui {

QPalette darkPalette() {
    // Greys and a blue close to those of common dark desktop themes (Breeze Dark, Adwaita
    // dark), with text contrast above 7:1 on the base colour.
    const QColor window(0x2a, 0x2e, 0x32);
    const QColor base(0x1e, 0x21, 0x24);
    const QColor text(0xe8, 0xe8, 0xe8);
    const QColor highlight(0x3d, 0xae, 0xe9);
    QPalette palette(text, window, window.lighter(140), window.darker(140), window.darker(115),
                     text, Qt::white, base, window);
    palette.setColor(QPalette::AlternateBase, base.lighter(115));
    palette.setColor(QPalette::ToolTipBase, base);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    palette.setColor(QPalette::Button, window);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::Highlight, highlight);
    palette.setColor(QPalette::HighlightedText, QColor(0x10, 0x10, 0x10));
    palette.setColor(QPalette::Link, highlight);
    palette.setColor(QPalette::LinkVisited, highlight.darker(120));
    const QColor disabled(0x80, 0x80, 0x80);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabled);
    return palette;
}

} // namespace semsearch::ui
