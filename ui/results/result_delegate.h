#pragma once

// Paints ResultListModel rows. A document row:
//
//   notes.md (bold)                                        [score bar]
//   ~/docs · today 14:02                      (placeholder text colour)
//   The cat sleeps on the sofa, which is where it spends most of the…
//   afternoon, **emphasised sentences in bold**…              (2 lines)
//
// A passage row (a child): "line 12" in the placeholder colour, then two lines of the passage
// text with its emphasis. An identical copy's row (a child after the passages): one line,
// "Also in ~/backup/notes.md", in the placeholder colour. The score bar's filled width is the score
// clamped to [0, 1] times the bar's width, in the palette's highlight colour.
//
// Colours come from the option's palette only (so light and dark palettes both work), the
// highlighted-text colours when the row is selected; every size derives from the option's font
// metrics (so it scales with the font and high-DPI), none is fixed in pixels.

#include <QDateTime>
#include <QLocale>
#include <QStyledItemDelegate>

namespace semsearch::ui {

class ResultDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit ResultDelegate(QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    // The height of the row's lines plus margins, from the option's font; the width is the
    // option's rect width when set (views pass the viewport's), else about 40 characters.
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    // How a modification time reads in the list: "today 14:02" and "yesterday 09:15" (the time
    // in the locale's short format) for the last two days, else the locale's short date
    // ("08.05.24"); empty for an invalid time. Compared in `now`'s calendar.
    // The folder line of a document with `copies` identical copies elsewhere: "~/notes · also in
    // 2 other places" (the translated plural form); the folder alone without copies.
    static QString folderText(const QString& folder, int copies);

    static QString modifiedText(const QDateTime& modified, const QDateTime& now,
                                const QLocale& locale = QLocale());

private:
    struct Row;
    void paintDocument(QPainter* painter, const Row& row, const QModelIndex& index) const;
    void paintPassage(QPainter* painter, const Row& row, const QModelIndex& index) const;
    void paintCopy(QPainter* painter, const Row& row, const QModelIndex& index) const;
};

} // namespace semsearch::ui
