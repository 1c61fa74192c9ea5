#pragma once

// Shows one search result in context: a header (file name, folder, "match 2 of 5" with
// previous/next buttons) over the document's text, read-only, with every matching passage
// highlighted. The highlight's strength follows the passage's score rank (best strongest),
// mixed from the palette's base and highlight colours so it reads in light and dark palettes.
// The pane opens scrolled to the focused (by default the best) passage with the text cursor at
// its start.
//
// Documents other than plain text show the text semsearch extracted from them (Markdown
// without its markup; PDF, HTML, DOCX, ODT, EPUB through semsearch-extract), a PDF with a
// marker line where each page begins. The header names the current match's page or section;
// for a PDF whose default viewer can be told a page (see page_opener.h) an "Open at page N"
// button opens it there.
//
// Keys: F3 next match and Shift+F3 previous match anywhere in the pane's window while the pane
// is shown; Ctrl+Down and Ctrl+Up the same while the pane or a child has focus. In document
// order, wrapping around; Enter or a double-click in the text
// asks to open the file (openRequested). When the file cannot be read the pane says so; when
// it changed since it was indexed the pane says that too, still shows it, and highlights only
// the passages whose text it still holds.
//
// GUI thread only. showDocument reads the file in the background (services::PreviewLoader: a
// PDF can take seconds to extract, a hostile one up to the helper's time limit, and the window
// must not freeze meanwhile); the pane keeps what it shows until the new document is ready,
// says "Reading <name>..." should that take longer than a moment, and shows only the latest
// document asked for. showPreview shows a preview prepared elsewhere at once.

#include "document_preview.h"
#include "preview_loader.h"

#include <QWidget>

#include <cstdint>
#include <vector>

class QAction;
class QLabel;
class QPlainTextEdit;
class QTimer;
class QToolButton;

namespace semsearch::ui {

class PreviewPane : public QWidget {
    Q_OBJECT

public:
    explicit PreviewPane(QWidget* parent = nullptr);

    // Reads `path` (in the background) and shows it with `passages` highlighted, the one with
    // focusPassageId current (0, or an id not among them: the best-scored one). Emits
    // documentShown once it shows the document or why it cannot, unless another showDocument,
    // showPreview, clear or showMessage came first.
    void showDocument(const QString& path, const std::vector<PassageHit>& passages,
                      std::int64_t focusPassageId = 0);
    // The second half of showDocument, for a preview prepared elsewhere: shows it, or says why
    // `path` cannot be shown when `preview` is an error.
    void showPreview(const QString& path, const Result<services::DocumentPreview>& preview,
                     std::int64_t focusPassageId = 0);
    // How documents are read (the helper program, limits); the defaults suit the installed
    // programs.
    void setReadOptions(const ReadOptions& options) { m_loader->setReadOptions(options); }
    // Shows a document of the shared index at `location` whose file is not on this disk as
    // the index holds it (services/stored_preview.h: the whole text from its passages, read in
    // the background; only `passages` when the index cannot be read), headed by where the file
    // is, for reference: its path and `machine` (empty: this one, where the file is gone).
    // Emits documentShown once it is shown.
    void showStoredPassages(const QString& location, const QString& path, const QString& machine,
                            const std::vector<PassageHit>& passages,
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
    // A document asked for with showDocument is shown (or the reason it cannot be).
    void documentShown(const QString& path);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // showPreview without forgetting a document being read.
    void showPrepared(const QString& path, const Result<services::DocumentPreview>& preview,
                      std::int64_t focusPassageId);
    // clear() without forgetting a document being read.
    void reset();
    QString storedNotice(const QString& path, bool excerptsOnly) const;
    void goToMatch(int index);
    void applyHighlights();
    void updateHeader();
    void setNotice(const QString& text);
    void openAtPage();

    QLabel* m_fileName = nullptr;
    QLabel* m_folder = nullptr;
    QLabel* m_matchLabel = nullptr;
    QToolButton* m_previousButton = nullptr;
    QToolButton* m_nextButton = nullptr;
    QToolButton* m_openAtPage = nullptr;
    QLabel* m_notice = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QAction* m_previousAction = nullptr;
    QAction* m_nextAction = nullptr;

    services::DocumentPreview m_preview;
    int m_current = -1;
    // Reads for showDocument; cancelled by everything else that replaces what the pane shows.
    services::PreviewLoader* m_loader = nullptr;
    QTimer* m_readingNotice = nullptr;
    QString m_readingPath;
    // The document shown or being read is a shared index's stored one (showStoredPassages),
    // indexed on m_storedMachine (empty: this machine).
    bool m_stored = false;
    QString m_storedMachine;
};

} // namespace semsearch::ui
