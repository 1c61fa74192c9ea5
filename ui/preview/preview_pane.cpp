#include "preview_pane.h"

#include "display_path.h"
#include "page_opener.h"
#include "preview_loader.h"
#include "stored_preview.h"

#include <QAction>
#include <QDir>
#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProcess>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace semsearch::ui {

namespace {

// Share of the highlight colour mixed into the base for the best and the worst passage: enough
// to see the worst, little enough that the palette's text colour stays readable on the best.
constexpr qreal kStrongest = 0.6;
constexpr qreal kWeakest = 0.2;
// How long a document may take to read before the pane says it is reading it: long enough
// that a text file (a few milliseconds) never flickers, short enough to answer a slow PDF.
constexpr int kReadingNoticeMs = 300;

QColor mix(const QColor& base, const QColor& over, qreal share) {
    return QColor::fromRgbF(float(base.redF() * (1 - share) + over.redF() * share),
                            float(base.greenF() * (1 - share) + over.greenF() * share),
                            float(base.blueF() * (1 - share) + over.blueF() * share));
}

QString shortcutText(const QKeySequence& keys) {
    return keys.toString(QKeySequence::NativeText);
}

} // namespace

PreviewPane::PreviewPane(QWidget* parent) : QWidget(parent) {
    m_fileName = new QLabel(this);
    m_fileName->setObjectName(QStringLiteral("previewFileName"));
    QFont bold = m_fileName->font();
    bold.setBold(true);
    m_fileName->setFont(bold);
    m_folder = new QLabel(this);
    m_folder->setObjectName(QStringLiteral("previewFolder"));
    m_folder->setForegroundRole(QPalette::PlaceholderText);
    // A long folder is cut rather than widening the pane.
    m_folder->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_matchLabel = new QLabel(this);
    m_matchLabel->setObjectName(QStringLiteral("previewMatch"));

    m_previousAction =
        new QAction(style()->standardIcon(QStyle::SP_ArrowUp), tr("Previous match"), this);
    m_previousAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F3));
    m_previousAction->setToolTip(
        tr("Previous match (%1)").arg(shortcutText(m_previousAction->shortcut())));
    m_nextAction = new QAction(style()->standardIcon(QStyle::SP_ArrowDown), tr("Next match"), this);
    m_nextAction->setShortcut(QKeySequence(Qt::Key_F3));
    m_nextAction->setToolTip(tr("Next match (%1)").arg(shortcutText(m_nextAction->shortcut())));
    // F3 and Shift+F3 work wherever the focus is in the window (after typing it is in the
    // search field) while the pane is shown; Ctrl+Up/Down only inside the pane, as the result
    // list and the field use them for themselves.
    auto* previousHere = new QAction(this);
    previousHere->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Up));
    auto* nextHere = new QAction(this);
    nextHere->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Down));
    for (QAction* action : {m_previousAction, m_nextAction})
        action->setShortcutContext(Qt::WindowShortcut);
    for (QAction* action : {previousHere, nextHere})
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addActions({m_previousAction, m_nextAction, previousHere, nextHere});
    connect(m_previousAction, &QAction::triggered, this, &PreviewPane::previousMatch);
    connect(m_nextAction, &QAction::triggered, this, &PreviewPane::nextMatch);
    connect(previousHere, &QAction::triggered, this, &PreviewPane::previousMatch);
    connect(nextHere, &QAction::triggered, this, &PreviewPane::nextMatch);

    m_previousButton = new QToolButton(this);
    m_previousButton->setObjectName(QStringLiteral("previousMatch"));
    m_previousButton->setDefaultAction(m_previousAction);
    m_previousButton->setAccessibleName(tr("Previous match"));
    m_nextButton = new QToolButton(this);
    m_nextButton->setObjectName(QStringLiteral("nextMatch"));
    m_nextButton->setDefaultAction(m_nextAction);
    m_nextButton->setAccessibleName(tr("Next match"));
    for (QToolButton* button : {m_previousButton, m_nextButton})
        button->setAutoRaise(true);
    m_openAtPage = new QToolButton(this);
    m_openAtPage->setObjectName(QStringLiteral("openAtPage"));
    m_openAtPage->setAutoRaise(true);
    m_openAtPage->hide();
    connect(m_openAtPage, &QToolButton::clicked, this, &PreviewPane::openAtPage);
    m_loader = new services::PreviewLoader(this);
    connect(m_loader, &services::PreviewLoader::loaded, this,
            [this](const QString& path, const Result<services::DocumentPreview>& preview,
                   std::int64_t focusPassageId) {
                m_readingNotice->stop();
                showPrepared(path, preview, focusPassageId);
                if (m_stored && preview.ok())
                    setNotice(storedNotice(path, preview->excerptsOnly));
                Q_EMIT documentShown(path);
            });
    m_readingNotice = new QTimer(this);
    m_readingNotice->setSingleShot(true);
    m_readingNotice->setInterval(kReadingNoticeMs);
    connect(m_readingNotice, &QTimer::timeout, this, [this] {
        reset();
        setNotice(tr("Reading %1\u2026").arg(services::displayFileName(m_readingPath)));
        m_text->hide();
    });

    m_notice = new QLabel(this);
    m_notice->setObjectName(QStringLiteral("previewNotice"));
    m_notice->setWordWrap(true);
    m_notice->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->hide();

    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("previewText"));
    m_text->setAccessibleName(tr("Document text"));
    m_text->setAccessibleDescription(
        tr("The file with its matching passages highlighted. F3 and Shift+F3 go to the next "
           "and previous match; Enter opens the file."));
    m_text->setTabChangesFocus(true); // read-only: Tab moves on rather than being typed
    m_text->setReadOnly(true);
    m_text->setUndoRedoEnabled(false);
    // Selectable by keyboard too, so that the text cursor shows where a match starts.
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->installEventFilter(this);
    m_text->viewport()->installEventFilter(this);
    setFocusProxy(m_text);

    // The text edit's frame marks its edge; the header's words get a little room of their own.
    const int inset = fontMetrics().height() / 4;
    auto* header = new QHBoxLayout;
    header->setContentsMargins(inset, 0, 0, 0);
    m_notice->setContentsMargins(inset, inset, inset, inset);
    header->addWidget(m_fileName);
    header->addWidget(m_folder, 1);
    header->addWidget(m_matchLabel);
    header->addWidget(m_openAtPage);
    header->addWidget(m_previousButton);
    header->addWidget(m_nextButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_notice);
    layout->addWidget(m_text, 1);
    setTabOrder(m_previousButton, m_nextButton);
    setTabOrder(m_nextButton, m_text);

    updateHeader();
}

QList<QWidget*> PreviewPane::tabOrder() const {
    return {m_previousButton, m_nextButton, m_text};
}

void PreviewPane::showDocument(const QString& path, const std::vector<PassageHit>& passages,
                               std::int64_t focusPassageId) {
    m_stored = false;
    m_readingPath = path;
    m_readingNotice->start();
    m_loader->load(path, passages, focusPassageId);
}

void PreviewPane::showPreview(const QString& path, const Result<services::DocumentPreview>& preview,
                              std::int64_t focusPassageId) {
    m_stored = false;
    m_loader->cancel();
    m_readingNotice->stop();
    showPrepared(path, preview, focusPassageId);
}

void PreviewPane::showPrepared(const QString& path,
                               const Result<services::DocumentPreview>& preview,
                               std::int64_t focusPassageId) {
    const QString name = services::displayFileName(path);
    if (!preview.ok()) {
        // The core's message is "<path>: <problem>"; the file name is said once, up front.
        QString problem = preview.error().message;
        const QString prefix = path + QStringLiteral(": ");
        if (problem.startsWith(prefix))
            problem.remove(0, prefix.size());
        showMessage(tr("%1 can no longer be read: %2").arg(name, problem));
        return;
    }
    m_preview = *preview;
    m_text->setPlainText(m_preview.text);
    m_text->show();
    applyHighlights();
    // The counts keep the sentence free of plural forms.
    if (m_preview.changedPassages > 0)
        setNotice(tr("%1 changed since it was indexed; highlighting only what still matches "
                     "(%2 of %3).")
                      .arg(name)
                      .arg(m_preview.matches.size())
                      .arg(m_preview.passageCount));
    else
        setNotice(QString());

    int focus = -1;
    for (int i = 0; i < matchCount(); ++i) {
        const services::PreviewMatch& match = m_preview.matches[std::size_t(i)];
        if (focusPassageId != 0 && match.passageId == focusPassageId) {
            focus = i;
            break;
        }
        if (focus < 0 || match.rank < m_preview.matches[std::size_t(focus)].rank)
            focus = i;
    }
    if (focus >= 0) {
        goToMatch(focus);
    } else {
        m_current = -1;
        updateHeader();
    }
}

void PreviewPane::clear() {
    m_stored = false;
    m_loader->cancel();
    m_readingNotice->stop();
    reset();
}

void PreviewPane::reset() {
    m_preview = services::DocumentPreview();
    m_text->show();
    m_current = -1;
    m_text->clear();
    m_text->setExtraSelections({});
    setNotice(QString());
    updateHeader();
}

void PreviewPane::showStoredPassages(const QString& location, const QString& path,
                                     const QString& machine,
                                     const std::vector<PassageHit>& passages,
                                     std::int64_t focusPassageId) {
    m_stored = true;
    m_storedMachine = machine;
    m_readingPath = path;
    m_readingNotice->start();
    m_loader->loadStored(location, path, passages, focusPassageId);
}

// Above a stored document: where its file is, for reference, and what the text is.
QString PreviewPane::storedNotice(const QString& path, bool excerptsOnly) const {
    const QString where = QDir::toNativeSeparators(path);
    const QString what = excerptsOnly ? tr("The index cannot be read now; these are the matching "
                                           "passages, in order.")
                                      : tr("This is its text as the index holds it.");
    if (m_storedMachine.isEmpty())
        return tr("%1 is not on this computer any more. %2").arg(where, what);
    return tr("On %1: %2, for reference; the file is not on this computer. %3")
        .arg(m_storedMachine, where, what);
}

void PreviewPane::showMessage(const QString& message) {
    clear();
    setNotice(message);
    // The message stands in for the text rather than above an empty page.
    m_text->hide();
}

void PreviewPane::nextMatch() {
    if (matchCount() > 0)
        goToMatch((m_current + 1) % matchCount());
}

void PreviewPane::previousMatch() {
    if (matchCount() > 0)
        goToMatch((m_current - 1 + matchCount()) % matchCount());
}

void PreviewPane::goToMatch(int index) {
    m_current = index;
    QTextCursor cursor(m_text->document());
    cursor.setPosition(int(m_preview.matches[std::size_t(index)].start));
    m_text->setTextCursor(cursor);
    m_text->centerCursor();
    updateHeader();
}

void PreviewPane::applyHighlights() {
    const QPalette palette = m_text->palette();
    const QColor base = palette.color(QPalette::Base);
    const QColor highlight = palette.color(QPalette::Highlight);
    const int ranks = std::max(1, m_preview.passageCount - 1);
    QList<QTextEdit::ExtraSelection> selections;
    for (const services::PreviewMatch& match : m_preview.matches) {
        QTextEdit::ExtraSelection selection;
        selection.cursor = QTextCursor(m_text->document());
        selection.cursor.setPosition(int(match.start));
        selection.cursor.setPosition(int(match.end), QTextCursor::KeepAnchor);
        const qreal share =
            kStrongest - (kStrongest - kWeakest) * std::min(match.rank, ranks) / ranks;
        selection.format.setBackground(mix(base, highlight, share));
        selections.append(selection);
    }
    m_text->setExtraSelections(selections);
}

void PreviewPane::updateHeader() {
    const QString path = m_preview.path;
    m_fileName->setText(path.isEmpty() ? QString() : services::displayFileName(path));
    m_folder->setText(path.isEmpty() ? QString() : services::displayFolder(path));
    m_fileName->setToolTip(QDir::toNativeSeparators(path));
    const services::PreviewMatch* current =
        m_current >= 0 ? &m_preview.matches[std::size_t(m_current)] : nullptr;
    if (current) {
        QString where;
        if (current->page > 0)
            where = tr("page %1").arg(current->page);
        else if (!current->section.isEmpty())
            where = current->section;
        m_matchLabel->setText(
            where.isEmpty()
                ? tr("match %1 of %2").arg(m_current + 1).arg(matchCount())
                : tr("match %1 of %2 \u00B7 %3").arg(m_current + 1).arg(matchCount()).arg(where));
    } else if (m_preview.passageCount > 0)
        m_matchLabel->setText(tr("no match shown"));
    else
        m_matchLabel->clear();
    const bool atPage =
        current && current->page > 0 && m_preview.format == DocumentFormat::Pdf &&
        !services::pageOpenCommand(services::defaultPdfViewer(), path, current->page).isEmpty();
    m_openAtPage->setVisible(atPage);
    if (atPage)
        m_openAtPage->setText(tr("Open at page %1").arg(current->page));
    m_previousAction->setEnabled(matchCount() > 0);
    m_nextAction->setEnabled(matchCount() > 0);
}

void PreviewPane::setNotice(const QString& text) {
    m_notice->setText(text);
    m_notice->setVisible(!text.isEmpty());
}

void PreviewPane::openAtPage() {
    if (m_current < 0)
        return;
    const int page = m_preview.matches[std::size_t(m_current)].page;
    const QStringList command =
        services::pageOpenCommand(services::defaultPdfViewer(), m_preview.path, page);
    if (command.isEmpty() || !QProcess::startDetached(command.front(), command.mid(1)))
        Q_EMIT openRequested(m_preview.path); // opens it at its start, as Enter does
}

bool PreviewPane::eventFilter(QObject* watched, QEvent* event) {
    // The highlight colours are mixed from the text's palette. (The pane hears of a palette
    // change before its children have taken it on, so this watches the text itself.)
    if (watched == m_text && event->type() == QEvent::PaletteChange)
        applyHighlights();
    if (!m_preview.path.isEmpty()) {
        if (watched == m_text && event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent*>(event)->key();
            if (key == Qt::Key_Return || key == Qt::Key_Enter) {
                Q_EMIT openRequested(m_preview.path);
                return true;
            }
        }
        if (watched == m_text->viewport() && event->type() == QEvent::MouseButtonDblClick) {
            Q_EMIT openRequested(m_preview.path);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace semsearch::ui
