#pragma once

// Draws a snippet wrapped into a few lines, with the emphasised ranges in bold and an ellipsis
// when it does not fit: what the result list's delegate needs from a text layout.

#include "snippet_text.h"

#include <QColor>
#include <QFont>
#include <QRectF>
#include <QString>

class QPainter;

namespace semsearch::ui {

// Draws `text` from the top-left of `rect` in the painter's pen colour, wrapped at word
// boundaries (anywhere inside a word longer than a line) into at most `maxLines` lines, each
// no wider than the rect. When text is left over, the last line ends with "…". `emphasis`
// ranges (QString indices into `text`) are drawn bold; `marked` ranges (the query's own words)
// get `markBackground` behind them, so that words found by keyword stand out also inside a
// sentence that matched by meaning. Nothing is drawn below `maxLines` lines even if the rect is
// taller; the caller sizes the rect from the font's line spacing.
void drawEmphasisedText(QPainter* painter, const QRectF& rect, const QString& text,
                        const services::TextRanges& emphasis, const QFont& font, int maxLines,
                        const services::TextRanges& marked = {}, const QColor& markBackground = {});

} // namespace semsearch::ui
