// MainWindow's widgets, menus and saved layout: how the window is put together. What the
// widgets do when used is in main_window.cpp.

#include "main_window.h"

#include "display_path.h"
#include "drop_overlay.h"
#include "empty_state.h"
#include "indexing_bar.h"
#include "preview/preview_pane.h"
#include "results/filter_bar.h"
#include "results/result_delegate.h"
#include "results/result_list_model.h"
#include "search_history_popup.h"
#include "search_session.h"
#include "sources/sources_panel.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace semsearch::ui {

namespace {

// Typing pauses shorter than this do not start a search: about the gap between keystrokes of a
// quick typist, so a query runs once the user stops, not once per letter.
constexpr int kDebounceMs = 150;
// After a writer commits, results are refreshed at most this often, so a long indexing run does
// not keep resetting the list under the user's eyes.
constexpr int kRefreshMs = 1500;
// How long the outcome of indexing stays in view once the work has ended.
constexpr int kOutcomeShownMs = 10000;
// Results that stay in view this long were a search made, not a prefix typed on the way: the
// query goes into the search history (Enter, opening a result or moving into the list count
// at once).
constexpr int kRecordSearchMs = 2500;

} // namespace

void MainWindow::buildWidgets() {
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addLayout(buildSearchRow(central));

    m_pages = new QStackedWidget(central);
    buildEmptyPages();
    buildResultsPage();
    m_pages->addWidget(m_loadingPage);        // Page::Loading
    m_pages->addWidget(m_noModelPage);        // Page::NoModel
    m_pages->addWidget(m_nothingIndexedPage); // Page::NothingIndexed
    m_pages->addWidget(m_readyPage);          // Page::Ready
    m_pages->addWidget(m_noMatchPage);        // Page::NoMatch
    m_pages->addWidget(m_resultsSplitter);    // Page::Results
    m_pages->addWidget(m_otherModelPage);     // Page::OtherModel
    layout->addWidget(m_pages, 1);

    m_indexingBar = new IndexingBar(central);
    m_indexingBar->hide();
    layout->addWidget(m_indexingBar);
    setCentralWidget(central);
    m_dropOverlay = new DropOverlay(central);

    buildSourcesDock();
    buildStatusBar();
    // Drops go to the window wherever they land: children that would take dropped URLs as text
    // (the search field, the preview) leave them to it.
    for (QWidget* child : findChildren<QWidget*>())
        child->setAcceptDrops(false);
    // Except that one file dropped on the search field asks for documents like it
    // (dropOnSearchField); the field passes everything else on to the window.
    m_query->setAcceptDrops(true);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &MainWindow::searchNow);
    m_refresh = new QTimer(this);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(kRefreshMs);
    connect(m_refresh, &QTimer::timeout, this, &MainWindow::refreshAfterCommit);
    m_hideOutcome = new QTimer(this);
    m_hideOutcome->setSingleShot(true);
    m_hideOutcome->setInterval(kOutcomeShownMs);
    connect(m_hideOutcome, &QTimer::timeout, m_indexingBar, &QWidget::hide);
    m_recordSearch = new QTimer(this);
    m_recordSearch->setSingleShot(true);
    m_recordSearch->setInterval(kRecordSearchMs);
    connect(m_recordSearch, &QTimer::timeout, this, [this] { m_history->record(m_shownQuery); });

    connectWidgets();
    setTabOrder(m_query, m_mode);
    setTabOrder(m_mode, m_filters->folderBox());
    setTabOrder(m_filters->folderBox(), m_filters->typeBox());
    setTabOrder(m_filters->typeBox(), m_filters->modifiedBox());
    setTabOrder(m_filters->modifiedBox(), m_results);
    QWidget* before = m_results;
    for (QWidget* control : m_preview->tabOrder()) {
        setTabOrder(before, control);
        before = control;
    }
}

QLayout* MainWindow::buildSearchRow(QWidget* parent) {
    auto* searchRow = new QHBoxLayout;
    m_query = new QLineEdit(parent);
    m_query->setObjectName(QStringLiteral("query"));
    m_query->setPlaceholderText(tr("Describe what you are looking for…"));
    m_query->setAccessibleName(tr("Search by meaning"));
    m_query->setAccessibleDescription(
        tr("Results follow as you type. Down moves into the results, Up shows recent "
           "searches, Esc clears."));
    m_query->setClearButtonEnabled(true);
    QFont queryFont = m_query->font();
    queryFont.setPointSizeF(queryFont.pointSizeF() * 1.2);
    m_query->setFont(queryFont);
    // Room for a sentence before the filters take any: at 800 px it read "Describe what y…".
    m_query->setMinimumWidth(QFontMetrics(queryFont).averageCharWidth() * 28);
    m_query->installEventFilter(this);
    m_history = new SearchHistoryPopup(m_query); // after the window's filter: it sees Up first
    m_mode = new QComboBox(parent);
    m_mode->setObjectName(QStringLiteral("searchMode"));
    m_mode->setAccessibleName(tr("Search by"));
    m_mode->setToolTip(tr("Match by meaning and by the words typed (\"a phrase\", -word to leave "
                          "out), by meaning only, or by the words only"));
    m_mode->setAccessibleDescription(m_mode->toolTip());
    m_mode->addItem(tr("Meaning + words"), int(SearchMode::Hybrid));
    m_mode->addItem(tr("Meaning"), int(SearchMode::Semantic));
    m_mode->addItem(tr("Words"), int(SearchMode::Keyword));
    m_mode->setCurrentIndex(
        std::max(0, m_mode->findData(QSettings().value(QStringLiteral("search/mode"), 0).toInt())));
    m_filters = new FilterBar(parent);
    searchRow->addWidget(m_query, 3);
    searchRow->addWidget(m_mode);
    searchRow->addWidget(m_filters, 2);
    return searchRow;
}

// The pages shown instead of results: loading, no model, nothing indexed, ready, no match, and
// an index built by another model.
void MainWindow::buildEmptyPages() {
    m_loadingPage = new EmptyState(m_pages);
    m_loadingPage->setTitle(tr("Loading the model…"));
    m_noModelPage = new EmptyState(m_pages);
    m_noModelPage->setObjectName(QStringLiteral("noModelPage"));
    m_noModelPage->setTitle(tr("No model is ready"));
    connect(m_noModelPage->addButton(tr("Download Model…"), QStringLiteral("downloadModel")),
            &QPushButton::clicked, this, &MainWindow::downloadModel);
    connect(m_noModelPage->addButton(tr("Choose Model Folder…"), QStringLiteral("chooseModel")),
            &QPushButton::clicked, this, &MainWindow::chooseModelFolder);
    connect(m_noModelPage->addButton(tr("Settings…"), QStringLiteral("openSettings")),
            &QPushButton::clicked, this, &MainWindow::openSettings);
    m_nothingIndexedPage = new EmptyState(m_pages);
    m_nothingIndexedPage->setObjectName(QStringLiteral("nothingIndexedPage"));
    m_nothingIndexedPage->setTitle(tr("Drop folders here"));
    m_nothingIndexedPage->setText(
        tr("Drag folders or files with your notes, documents or code onto this window, and "
           "semsearch reads them so you can find passages by what they mean."));
    connect(m_nothingIndexedPage->addButton(tr("Add Folder…"), QStringLiteral("addFolder")),
            &QPushButton::clicked, this, &MainWindow::chooseFolderToAdd);
    m_readyPage = new EmptyState(m_pages);
    m_readyPage->setObjectName(QStringLiteral("readyPage"));
    m_readyPage->setTitle(tr("Search by meaning"));
    m_noMatchPage = new EmptyState(m_pages);
    m_noMatchPage->setObjectName(QStringLiteral("noMatchPage"));

    m_otherModelPage = new EmptyState(m_pages);
    m_otherModelPage->setObjectName(QStringLiteral("otherModelPage"));
    m_otherModelPage->setTitle(tr("Another model built this index"));
    connect(m_otherModelPage->addButton(tr("Re-embed Everything"), QStringLiteral("reembed")),
            &QPushButton::clicked, this, &MainWindow::reembedEverything);
    connect(m_otherModelPage->addButton(tr("Choose Model…"), QStringLiteral("chooseOtherModel")),
            &QPushButton::clicked, this, &MainWindow::openSettings);
}

// The result list beside the preview of the selected result.
void MainWindow::buildResultsPage() {
    m_resultsSplitter = new QSplitter(Qt::Horizontal, m_pages);
    m_resultsSplitter->setObjectName(QStringLiteral("resultsSplitter"));
    m_resultModel = new ResultListModel(this);
    m_results = new QTreeView(m_resultsSplitter);
    m_results->setObjectName(QStringLiteral("results"));
    m_results->setAccessibleName(tr("Results"));
    m_results->setAccessibleDescription(
        tr("The best matching files, each with its matching passages. Enter opens the file."));
    m_results->setModel(m_resultModel);
    m_results->setItemDelegate(new ResultDelegate(m_results));
    m_results->setHeaderHidden(true);
    m_results->setUniformRowHeights(false);
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setSelectionMode(QAbstractItemView::SingleSelection);
    m_results->setContextMenuPolicy(Qt::CustomContextMenu);
    m_results->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_results->installEventFilter(this);
    m_preview = new PreviewPane(m_resultsSplitter);
    m_preview->setObjectName(QStringLiteral("preview"));
    m_resultsSplitter->addWidget(m_results);
    m_resultsSplitter->addWidget(m_preview);
    m_resultsSplitter->setStretchFactor(0, 1);
    m_resultsSplitter->setStretchFactor(1, 1);
}

void MainWindow::buildSourcesDock() {
    m_sources = new SourcesPanel(this);
    auto* dock = new QDockWidget(tr("Sources"), this);
    dock->setObjectName(QStringLiteral("sourcesDock"));
    dock->setWidget(m_sources);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
}

void MainWindow::buildStatusBar() {
    m_resultCount = new QLabel(this);
    m_resultCount->setObjectName(QStringLiteral("resultCount"));
    m_resultCount->setToolTip(
        tr("Files with a matching passage, best first, up to the number set in Settings"));
    statusBar()->addPermanentWidget(m_resultCount);
    m_statusModel = new QLabel(this);
    m_statusModel->setObjectName(QStringLiteral("modelStatus"));
    m_statusModel->setTextFormat(Qt::PlainText); // the model folder's name, whatever it holds
    m_statusCounts = new QLabel(this);
    m_statusCounts->setObjectName(QStringLiteral("countsStatus"));
    statusBar()->addPermanentWidget(m_statusCounts);
    statusBar()->addPermanentWidget(m_statusModel);
}

// What typing, the filters, the result list, the preview and the sources panel ask for.
void MainWindow::connectWidgets() {
    connect(m_query, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (text.trimmed().isEmpty()) {
            m_debounce->stop();
            m_search->cancelSearch();
            m_resultModel->clear();
            m_preview->clear();
            m_shownQuery.clear();
            m_resultCount->clear();
            updatePage();
            return;
        }
        m_debounce->start();
    });
    connect(m_filters, &FilterBar::changed, this, [this] {
        if (!m_query->text().trimmed().isEmpty())
            searchNow();
    });
    connect(m_mode, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        QSettings().setValue(QStringLiteral("search/mode"), m_mode->currentData().toInt());
        updatePage(); // words alone need no model; the other modes do
        if (!m_query->text().trimmed().isEmpty())
            searchNow();
    });
    connect(m_results->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::showCurrentInPreview);
    connect(m_results, &QTreeView::activated, this, &MainWindow::openCurrent);
    connect(m_results, &QTreeView::customContextMenuRequested, this, [this](const QPoint& at) {
        if (!m_results->indexAt(at).isValid())
            return;
        QMenu menu(this);
        menu.addAction(tr("Open"), this, &MainWindow::openCurrent);
        menu.addAction(tr("Open Containing Folder"), this, &MainWindow::openCurrentFolder);
        menu.addAction(tr("Copy Path"), this, &MainWindow::copyCurrentPath);
        menu.addSeparator();
        menu.addAction(findChild<QAction*>(QStringLiteral("findSimilarAction")));
        menu.exec(m_results->viewport()->mapToGlobal(at));
    });
    connect(m_preview, &PreviewPane::openRequested, this, [this](const QString& path) {
        if (!m_openUrl(QUrl::fromLocalFile(path)))
            reportOpenFailure(
                path,
                tr("No application is set up to open %1.").arg(services::displayFileName(path)));
    });

    connect(m_sources, &SourcesPanel::addFolderRequested, this, &MainWindow::chooseFolderToAdd);
    connect(m_sources, &SourcesPanel::addFilesRequested, this, &MainWindow::chooseFilesToAdd);
    connect(m_sources, &SourcesPanel::reindexRequested, this,
            [this](const QStringList& sources) { addPaths(sources); });
    connect(m_sources, &SourcesPanel::removeRequested, this, &MainWindow::removeSources);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* addFolder = file->addAction(tr("&Add Folder…"), this, &MainWindow::chooseFolderToAdd);
    addFolder->setShortcut(QKeySequence::Open);
    addFolder->setObjectName(QStringLiteral("addFolderAction"));
    file->addAction(tr("Add &Files…"), this, &MainWindow::chooseFilesToAdd);
    file->addSeparator();
    QAction* open = file->addAction(tr("&Open Result"), this, &MainWindow::openCurrent);
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    QAction* openFolder =
        file->addAction(tr("Open Containing &Folder"), this, &MainWindow::openCurrentFolder);
    openFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    file->addAction(tr("&Download Model…"), this, &MainWindow::downloadModel);
    file->addSeparator();
    QAction* preferences = file->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    preferences->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    preferences->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* find = edit->addAction(tr("&Search"), this, [this] {
        m_query->setFocus(Qt::ShortcutFocusReason);
        m_query->selectAll();
    });
    find->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_L), QKeySequence::Find});
    auto* slash = new QShortcut(QKeySequence(Qt::Key_Slash), this);
    connect(slash, &QShortcut::activated, find, &QAction::trigger);
    QAction* copyPath = edit->addAction(tr("&Copy Path"), this, &MainWindow::copyCurrentPath);
    copyPath->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    QAction* similar =
        edit->addAction(tr("Find &Similar Documents"), this, &MainWindow::findSimilarToCurrent);
    similar->setObjectName(QStringLiteral("findSimilarAction"));
    edit->addSeparator();
    QAction* recent = edit->addAction(tr("&Recent Searches"), this, [this] {
        m_query->setFocus(Qt::ShortcutFocusReason);
        m_history->show();
    });
    recent->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    QAction* clearHistory =
        edit->addAction(tr("C&lear Search History"), this, [this] { m_history->clear(); });
    clearHistory->setObjectName(QStringLiteral("clearSearchHistory"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(findChild<QDockWidget*>(QStringLiteral("sourcesDock"))->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* about = help->addAction(tr("&About semsearch"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::restoreLayout() {
    QSettings store;
    resize(1100, 700);
    restoreGeometry(store.value(QStringLiteral("window/geometry")).toByteArray());
    if (!restoreState(store.value(QStringLiteral("window/state")).toByteArray())) {
        // First start: the sources panel narrow, the results and preview get the room.
        auto* dock = findChild<QDockWidget*>(QStringLiteral("sourcesDock"));
        resizeDocks({dock}, {std::min(fontMetrics().averageCharWidth() * 44, width() / 4)},
                    Qt::Horizontal);
    }
    m_resultsSplitter->restoreState(
        store.value(QStringLiteral("window/resultsSplitter")).toByteArray());
    m_filters->restore(store);
    // The search runs once the model is loaded; the result selected last is selected again.
    m_keepSelection = store.value(QStringLiteral("window/selectedResult")).toString();
    m_query->setText(store.value(QStringLiteral("window/query")).toString());
}

void MainWindow::saveSession() {
    QSettings store;
    store.setValue(QStringLiteral("window/geometry"), saveGeometry());
    store.setValue(QStringLiteral("window/state"), saveState());
    store.setValue(QStringLiteral("window/resultsSplitter"), m_resultsSplitter->saveState());
    store.setValue(QStringLiteral("window/query"), m_query->text().trimmed());
    store.setValue(QStringLiteral("window/selectedResult"), currentPath());
    m_filters->save(store);
}

} // namespace semsearch::ui
