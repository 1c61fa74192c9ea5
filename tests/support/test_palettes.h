#pragma once

// A light and a dark palette with every colour the views use set explicitly, so GUI tests can
// check that painting follows the palette (and not the platform's defaults).

#include <QColor>
#include <QPalette>

namespace semsearch::test {

inline QPalette makePalette(QColor base, QColor text, QColor highlight, QColor highlightedText) {
    QPalette palette;
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::Window, base);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Highlight, highlight);
    palette.setColor(QPalette::HighlightedText, highlightedText);
    QColor placeholder = text;
    placeholder.setAlpha(128);
    palette.setColor(QPalette::PlaceholderText, placeholder);
    return palette;
}

inline QPalette lightPalette() {
    return makePalette(Qt::white, Qt::black, QColor(48, 140, 198), Qt::white);
}

inline QPalette darkPalette() {
    return makePalette(QColor(30, 30, 30), QColor(235, 235, 235), QColor(42, 130, 218), Qt::white);
}

} // namespace semsearch::test
