#include "result_delegate.h"

#include "emphasised_text.h"
#include "result_list_model.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace semsearch::ui {

namespace {

constexpr int kSnippetLines = 2;
constexpr int kPassageLines = 2;
constexpr int kBarDigits = 6;      // the score bar is as wide as this many '0's
constexpr qreal kTrackAlpha = 0.2; // the bar's empty part: the text colour, faint

// Sizes of one row, all from the font, so they follow font size and screen scaling.
struct RowMetrics {
    QFont font;
    QFont bold;
    int margin = 0;   // around the row's content
    int gap = 0;      // between things on one line
    int line = 0;     // line spacing of `font`
    int boldLine = 0; // line spacing of `bold`
    int barWidth = 0;
    int barHeight = 0;

    explicit RowMetrics(const QFont& base) : font(base), bold(base) {
        bold.setBold(true);
        const QFontMetrics metrics(font);
        margin = std::max(1, metrics.height() / 4);
        gap = metrics.horizontalAdvance(QLatin1Char(' '));
        line = metrics.lineSpacing();
        boldLine = QFontMetrics(bold).lineSpacing();
        barWidth = kBarDigits * metrics.horizontalAdvance(QLatin1Char('0'));
        barHeight = std::max(1, metrics.height() / 3);
    }
};

QPalette::ColorGroup colourGroup(const QStyleOptionViewItem& option) {
    if (!(option.state & QStyle::State_Enabled))
        return QPalette::Disabled;
    return (option.state & QStyle::State_Active) ? QPalette::Normal : QPalette::Inactive;
}

struct RowColours {
    QColor text;
    QColor secondary; // folder, date, line number
    QColor bar;
    QColor track;
    QColor mark; // behind the query's own words (keyword matches)

    explicit RowColours(const QStyleOptionViewItem& option) {
        const QPalette::ColorGroup group = colourGroup(option);
        const QPalette& palette = option.palette;
        if (option.state & QStyle::State_Selected) {
            // On the highlight background the highlight colour would vanish: all in the
            // highlighted-text colour, secondary things softer.
            text = palette.color(group, QPalette::HighlightedText);
            secondary = text;
            secondary.setAlphaF(0.75f);
            bar = text;
        } else {
            text = palette.color(group, QPalette::Text);
            secondary = palette.color(group, QPalette::PlaceholderText);
            bar = palette.color(group, QPalette::Highlight);
        }
        track = text;
        track.setAlphaF(float(kTrackAlpha));
        // The highlight colour, faint: readable in both the light and dark palettes, and on a
        // selected row (where the text takes the highlighted-text colour).
        mark = option.state & QStyle::State_Selected ? text
                                                     : palette.color(group, QPalette::Highlight);
        mark.setAlphaF(0.25f);
    }
};

} // namespace

// What both kinds of rows paint with.
struct ResultDelegate::Row {
    RowMetrics metrics;
    RowColours colours;
    QRect content; // the row's rect less the margins
    QLocale locale;

    explicit Row(const QStyleOptionViewItem& option)
        : metrics(option.font), colours(option),
          content(option.rect.adjusted(metrics.margin, metrics.margin, -metrics.margin,
                                       -metrics.margin)),
          locale(option.locale) {}
};

ResultDelegate::ResultDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QString ResultDelegate::folderText(const QString& folder, int copies) {
    if (copies <= 0)
        return folder;
    return tr("%1 · also in %Ln other places", nullptr, copies).arg(folder);
}

QString ResultDelegate::modifiedText(const QDateTime& modified, const QDateTime& now,
                                     const QLocale& locale) {
    if (!modified.isValid())
        return QString();
    const QDateTime there = now.timeSpec() == Qt::LocalTime ? modified.toLocalTime()
                                                            : modified.toTimeZone(now.timeZone());
    // The locale's short time, but never with seconds (some short formats, the C locale's
    // among them, have them): a file's time to the second is noise in a result list.
    static const QRegularExpression seconds(QStringLiteral("[:.]?s{1,2}(\\.z+)?"));
    const QString format = locale.timeFormat(QLocale::ShortFormat).remove(seconds).trimmed();
    const QString time = locale.toString(there.time(), format);
    if (there.date() == now.date())
        return tr("today %1").arg(time);
    if (there.date() == now.date().addDays(-1))
        return tr("yesterday %1").arg(time);
    return locale.toString(there.date(), QLocale::ShortFormat);
}

QSize ResultDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const RowMetrics metrics(option.font);
    int height = metrics.boldLine + metrics.line + kSnippetLines * metrics.line;
    if (index.data(ResultListModel::IsCopyRole).toBool())
        height = metrics.line;
    else if (index.data(ResultListModel::IsPassageRole).toBool())
        height = kPassageLines * metrics.line;
    const int width = option.rect.width() > 0 ? option.rect.width()
                                              : 40 * QFontMetrics(option.font).averageCharWidth();
    return QSize(width, height + 2 * metrics.margin);
}

void ResultDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                           const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    // The style draws hover and focus; the text is ours. Styles fill the selection only behind
    // the (here empty) text unless the view asks for whole-cell selection, but the whole cell
    // is the row's content: fill it here.
    opt.text.clear();
    if (opt.state & QStyle::State_Selected)
        painter->fillRect(opt.rect, opt.palette.brush(colourGroup(opt), QPalette::Highlight));
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    painter->save();
    painter->setClipRect(opt.rect);
    const Row row(opt);
    if (index.data(ResultListModel::IsCopyRole).toBool())
        paintCopy(painter, row, index);
    else if (index.data(ResultListModel::IsPassageRole).toBool())
        paintPassage(painter, row, index);
    else
        paintDocument(painter, row, index);
    painter->restore();
}

void ResultDelegate::paintDocument(QPainter* painter, const Row& row,
                                   const QModelIndex& index) const {
    const RowMetrics& metrics = row.metrics;
    const RowColours& colours = row.colours;
    const QRect& content = row.content;
    int y = content.top();

    // File name, and the score bar at the right end of its line.
    const QRect bar(content.right() + 1 - metrics.barWidth,
                    y + (metrics.boldLine - metrics.barHeight) / 2, metrics.barWidth,
                    metrics.barHeight);
    const float score = std::clamp(index.data(ResultListModel::ScoreRole).toFloat(), 0.0f, 1.0f);
    painter->fillRect(bar, colours.track);
    painter->fillRect(
        QRect(bar.topLeft(), QSize(int(std::lround(score * bar.width())), bar.height())),
        colours.bar);
    const int nameWidth = std::max(0, bar.left() - metrics.gap - content.left());
    painter->setFont(metrics.bold);
    painter->setPen(colours.text);
    const QString name = QFontMetrics(metrics.bold)
                             .elidedText(index.data(ResultListModel::FileNameRole).toString(),
                                         Qt::ElideMiddle, nameWidth);
    painter->drawText(QRect(content.left(), y, nameWidth, metrics.boldLine),
                      Qt::AlignLeft | Qt::AlignVCenter, name);
    y += metrics.boldLine;

    // Folder and date: the date whole, the folder shortened in the middle to fit.
    const QFontMetrics fontMetrics(metrics.font);
    const QString date = modifiedText(index.data(ResultListModel::ModifiedRole).toDateTime(),
                                      QDateTime::currentDateTime(), row.locale);
    const QString folder =
        folderText(index.data(ResultListModel::FolderRole).toString(),
                   int(index.data(ResultListModel::DuplicatesRole).toStringList().size()));
    QString where;
    if (date.isEmpty()) {
        where = fontMetrics.elidedText(folder, Qt::ElideMiddle, content.width());
    } else {
        const QString pattern = tr("%1 · %2");
        const int rest = fontMetrics.horizontalAdvance(QString(pattern).arg(QString(), date));
        where = pattern.arg(
            fontMetrics.elidedText(folder, Qt::ElideMiddle, std::max(0, content.width() - rest)),
            date);
    }
    painter->setFont(metrics.font);
    painter->setPen(colours.secondary);
    painter->drawText(QRect(content.left(), y, content.width(), metrics.line),
                      Qt::AlignLeft | Qt::AlignVCenter, where);
    y += metrics.line;

    painter->setPen(colours.text);
    drawEmphasisedText(
        painter, QRectF(content.left(), y, content.width(), kSnippetLines * metrics.line),
        index.data(ResultListModel::SnippetRole).toString(),
        index.data(ResultListModel::EmphasisRole).value<services::TextRanges>(), metrics.font,
        kSnippetLines, index.data(ResultListModel::KeywordRole).value<services::TextRanges>(),
        colours.mark);
}

void ResultDelegate::paintPassage(QPainter* painter, const Row& row,
                                  const QModelIndex& index) const {
    const RowMetrics& metrics = row.metrics;
    const RowColours& colours = row.colours;
    const QRect& content = row.content;
    const QFontMetrics fontMetrics(metrics.font);

    // The places ("line 12", "page 3") take one column wide enough for five digits, so texts
    // line up.
    const QString lineText = index.data(ResultListModel::PlaceRole).toString();
    const int column = std::max(fontMetrics.horizontalAdvance(lineText),
                                fontMetrics.horizontalAdvance(tr("line %1").arg(99999))) +
                       metrics.gap;
    painter->setFont(metrics.font);
    painter->setPen(colours.secondary);
    painter->drawText(QRect(content.left(), content.top(), column, metrics.line),
                      Qt::AlignLeft | Qt::AlignVCenter, lineText);

    painter->setPen(colours.text);
    drawEmphasisedText(painter,
                       QRectF(content.left() + column, content.top(),
                              std::max(0, content.width() - column), kPassageLines * metrics.line),
                       index.data(ResultListModel::SnippetRole).toString(),
                       index.data(ResultListModel::EmphasisRole).value<services::TextRanges>(),
                       metrics.font, kPassageLines,
                       index.data(ResultListModel::KeywordRole).value<services::TextRanges>(),
                       colours.mark);
}

// A copy's row: one line in the secondary colour, the path shortened in the middle to fit.
void ResultDelegate::paintCopy(QPainter* painter, const Row& row, const QModelIndex& index) const {
    const QString text = QFontMetrics(row.metrics.font)
                             .elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideMiddle,
                                         row.content.width());
    painter->setFont(row.metrics.font);
    painter->setPen(row.colours.secondary);
    painter->drawText(
        QRect(row.content.left(), row.content.top(), row.content.width(), row.metrics.line),
        Qt::AlignLeft | Qt::AlignVCenter, text);
}

} // namespace semsearch::ui
