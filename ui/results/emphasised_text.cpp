#include "emphasised_text.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QTextLayout>

namespace semsearch::ui {

namespace {

const QChar kEllipsis(0x2026);

// Lays `layout` out in at most maxLines lines of `width`, the last one `lastWidth` wide.
// Returns whether text is left over.
bool layOut(QTextLayout& layout, qreal width, qreal lastWidth, int maxLines) {
    layout.beginLayout();
    qreal y = 0;
    int lines = 0;
    int end = 0;
    while (lines < maxLines) {
        QTextLine line = layout.createLine();
        if (!line.isValid())
            break;
        line.setLineWidth(lines == maxLines - 1 ? lastWidth : width);
        line.setPosition(QPointF(0, y));
        y += line.height();
        end = line.textStart() + line.textLength();
        ++lines;
    }
    layout.endLayout();
    // Whitespace left after the last line is no text worth an ellipsis.
    return !layout.text().mid(end).trimmed().isEmpty();
}

} // namespace

void drawEmphasisedText(QPainter* painter, const QRectF& rect, const QString& text,
                        const services::TextRanges& emphasis, const QFont& font, int maxLines,
                        const services::TextRanges& marked, const QColor& markBackground) {
    if (text.isEmpty() || maxLines <= 0 || rect.width() <= 0)
        return;
    QTextLayout layout(text, font, painter->device());
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(option);
    QList<QTextLayout::FormatRange> formats;
    for (const auto& [start, end] : emphasis) {
        QTextLayout::FormatRange range;
        range.start = start;
        range.length = end - start;
        range.format.setFontWeight(QFont::Bold);
        formats.append(range);
    }
    for (const auto& [start, end] : marked) {
        QTextLayout::FormatRange range;
        range.start = start;
        range.length = end - start;
        range.format.setBackground(markBackground);
        formats.append(range);
    }
    layout.setFormats(formats);

    const QFontMetricsF metrics(font, painter->device());
    const qreal ellipsisWidth = metrics.horizontalAdvance(kEllipsis);
    bool elided = false;
    if (layOut(layout, rect.width(), rect.width(), maxLines)) {
        // Too long: leave room for the ellipsis on the last line.
        layOut(layout, rect.width(), std::max<qreal>(rect.width() - ellipsisWidth, 0), maxLines);
        elided = true;
    }

    const QFont savedFont = painter->font();
    for (int i = 0; i < layout.lineCount(); ++i)
        layout.lineAt(i).draw(painter, rect.topLeft());
    if (elided && layout.lineCount() > 0) {
        const QTextLine last = layout.lineAt(layout.lineCount() - 1);
        painter->setFont(font);
        painter->drawText(rect.topLeft() +
                              QPointF(last.naturalTextWidth(), last.y() + last.ascent()),
                          QString(kEllipsis));
    }
    painter->setFont(savedFont);
}

} // namespace semsearch::ui
