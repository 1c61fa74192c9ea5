#pragma once

// Shows one search result in context: a header (file name, folder, "match 2 of 5" with
// previous/next buttons) over the document's text, read-only, with every matching passage
// highlighted. The highlight's strength follows the passage's score rank (best strongest),
// mixed from the palette's base and highlight colours so it reads in light and dark palettes.
// The pane opens scrolled to the focused (by default the best) passage with the text cursor at
// its start.
//
// Keys: F3 next match and Shift+F3 previous match anywhere in the pane's window while the pane
// is shown; Ctrl+Down and Ctrl+Up the same while the pane or a child has focus. In document
// order, wrapping around; Enter or a double-click in the text
// asks to open the file (openRequested). When the file cannot be read the pane says so; when
// it changed since it was indexed the pane says that too, still shows it, and highlights only
// the passages whose text it still holds.
//
// GUI thread only. showDocument reads the file on the calling thread (readDocument's size cap
// applies); to read elsewhere, call preparePreview (document_preview.h) there and hand its
// result to showPreview.

#include "document_preview.h"

#include <QWidget>

#include <cstdint>
#include <vector>

class QAction;
class QLabel;
class QPlainTextEdit;
class QToolButton;

namespace semsearch::ui {

class PreviewPane : public QWidget {
    Q_OBJECT

public:
    explicit PreviewPane(QWidget* parent = nullptr);

    // Reads `path` and shows it with `passages` highlighted, the one with focusPassageId
    // current (0, or an id not among them: the best-scored one).
    void showDocument(const QString& path, const std::vector<PassageHit>& passages,
                      std::int64_t focusPassageId = 0);
    // The second half of showDocument, for a preview prepared elsewhere: shows it, or says why
    // `path` cannot be shown when `preview` is an error.
    void showPreview(const QString& path, const Result<services::DocumentPreview>& preview,
                     std::int64_t focusPassageId = 0);
    // Empties the pane.
    void clear();
    // Empties the pane and shows `message` (one line, already translated) in its place.
    void showMessage(const QString& message);

    // The pane's controls in the order Tab reaches them, as they read: Previous match, Next
    // match, the text. The pane's focus proxy is the text, so a window that puts the pane in its
    // own Tab order with setTabOrder(x, pane) would pass the buttons by: it chains these instead.
    QList<QWidget*> tabOrder() const;

    QString path() const { return m_preview.path; } // empty when nothing is shown
    int matchCount() const { return int(m_preview.matches.size()); }
    int currentMatch() const { return m_current; } // index in document order; -1: none

public Q_SLOTS:
    void nextMatch();
    void previousMatch();

Q_SIGNALS:
    void openRequested(const QString& path);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void goToMatch(int index);
    void applyHighlights();
    void updateHeader();
    void setNotice(const QString& text);

    QLabel* m_fileName = nullptr;
    QLabel* m_folder = nullptr;
    QLabel* m_matchLabel = nullptr;
    QToolButton* m_previousButton = nullptr;
    QToolButton* m_nextButton = nullptr;
    QLabel* m_notice = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QAction* m_previousAction = nullptr;
    QAction* m_nextAction = nullptr;

    services::DocumentPreview m_preview;
    int m_current = -1;
};

} // namespace semsearch::ui
