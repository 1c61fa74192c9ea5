#include "main_window.h"

#include "display_path.h"
#include "drop_overlay.h"
#include "empty_state.h"
#include "filter_bar.h"
#include "folder_watcher.h"
#include "indexing_bar.h"
#include "like_query.h"
#include "model_download_dialog.h"
#include "model_loader.h"
#include "preview_pane.h"
#include "result_delegate.h"
#include "result_list_model.h"
#include "search_session.h"
#include "settings_dialog.h"
#include "sources_panel.h"

#include "semsearch/printable_text.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace semsearch::ui {

namespace {

// Typing pauses shorter than this do not start a search: about the gap between keystrokes of a
// quick typist, so a query runs once the user stops, not once per letter.
constexpr int kDebounceMs = 150;
// After a writer commits, results are refreshed at most this often, so a long indexing run does
// not keep resetting the list under the user's eyes.
constexpr int kRefreshMs = 1500;
constexpr int kPassagesPerDocument = 5;

QStringList localPaths(const QMimeData* mime) {
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            paths << QDir::cleanPath(url.toLocalFile());
    return paths;
}

QString modelDescription(const ModelIdentity& model) {
    return MainWindow::tr("%1 (%2 dimensions, %3 pooling)")
        .arg(model.name)
        .arg(model.dimension)
        .arg(model.pooling);
}

} // namespace

MainWindow::MainWindow(AppSettings settings, SessionOverrides overrides, QWidget* parent)
    : QMainWindow(parent), m_settings(std::move(settings)), m_overrides(overrides),
      m_openUrl([](const QUrl& url) { return QDesktopServices::openUrl(url); }) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("semsearch"));
    setAcceptDrops(true);

    m_loader = new ModelLoader(this);
    m_search = new SearchSession(this);
    m_indexing = new IndexingSession(this);
    m_watcher = new FolderWatcher(this);

    buildWidgets();
    buildMenus();
    restoreLayout();

    connect(m_loader, &ModelLoader::loaded, this,
            [this](const QString&, std::shared_ptr<SharedEmbedder> embedder) {
                m_embedder = std::move(embedder);
                m_modelProblem.clear();
                statusBar()->clearMessage();
                m_search->setEmbedder(m_embedder);
                m_indexing->setEmbedder(m_embedder);
                const ModelInfo& model = m_embedder->model().model();
                m_statusModel->setText(tr("Model: %1").arg(model.name));
                m_statusModel->setToolTip(QDir::toNativeSeparators(m_settings.modelFolder));
                updatePage();
                if (!m_query->text().trimmed().isEmpty())
                    searchNow();
                Q_EMIT modelReady();
            });
    connect(m_loader, &ModelLoader::failed, this, [this](const QString&, const QString& message) {
        m_embedder.reset();
        m_modelProblem = message;
        m_search->setEmbedder(nullptr);
        m_statusModel->setText(tr("No model"));
        updatePage();
    });

    connect(m_search, &SearchSession::resultsReady, this, &MainWindow::showResults);
    connect(m_search, &SearchSession::emphasisReady, m_resultModel, &ResultListModel::setEmphasis);
    connect(m_search, &SearchSession::searchFailed, this, [this](const QString& message) {
        m_noMatchPage->setTitle(tr("The search failed"));
        m_noMatchPage->setText(message.toHtmlEscaped());
        m_resultModel->clear();
        showPage(Page::NoMatch);
        Q_EMIT resultsShown(0);
    });
    connect(m_search, &SearchSession::overviewReady, this, &MainWindow::showOverview);

    connect(m_indexing, &IndexingSession::busyChanged, this, [this](bool busy) {
        if (busy) {
            m_hideOutcome->stop();
            m_indexingBar->show();
        }
        updatePage();
        m_search->refreshOverview();
    });
    connect(m_indexing, &IndexingSession::jobStarted, this, [this] {
        m_search->refreshOverview(); // the sources panel shows "Indexing"
    });
    connect(m_indexing, &IndexingSession::progress, m_indexingBar, &IndexingBar::showProgress);
    connect(m_indexing, &IndexingSession::pausedChanged, m_indexingBar, &IndexingBar::setPaused);
    connect(m_indexing, &IndexingSession::committed, this, [this] {
        if (!m_refresh->isActive())
            m_refresh->start();
    });
    connect(m_indexing, &IndexingSession::jobFinished, this, &MainWindow::jobFinished);
    connect(m_indexingBar, &IndexingBar::pauseRequested, m_indexing, &IndexingSession::pause);
    connect(m_indexingBar, &IndexingBar::resumeRequested, m_indexing, &IndexingSession::resume);
    connect(m_indexingBar, &IndexingBar::cancelRequested, m_indexing, &IndexingSession::cancel);

    connect(m_watcher, &FolderWatcher::sourceChanged, this, [this](const QString& source) {
        if (m_settings.watchFolders && !m_indexing->pendingPaths().contains(source))
            m_indexing->index({source});
    });
    connect(m_watcher, &FolderWatcher::watchLimited, this,
            [this](const QString& message) { statusBar()->showMessage(message, 15000); });

    applySettings(m_settings, true);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildWidgets() {
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);

    auto* searchRow = new QHBoxLayout;
    m_query = new QLineEdit(central);
    m_query->setObjectName(QStringLiteral("query"));
    m_query->setPlaceholderText(tr("Describe what you are looking for…"));
    m_query->setAccessibleName(tr("Search by meaning"));
    m_query->setClearButtonEnabled(true);
    QFont queryFont = m_query->font();
    queryFont.setPointSizeF(queryFont.pointSizeF() * 1.2);
    m_query->setFont(queryFont);
    m_query->installEventFilter(this);
    m_mode = new QComboBox(central);
    m_mode->setObjectName(QStringLiteral("searchMode"));
    m_mode->setAccessibleName(tr("Search by"));
    m_mode->setToolTip(tr("Match by meaning and by the words typed (\"a phrase\", -word to leave "
                          "out), by meaning only, or by the words only"));
    m_mode->addItem(tr("Meaning + words"), int(SearchMode::Hybrid));
    m_mode->addItem(tr("Meaning"), int(SearchMode::Semantic));
    m_mode->addItem(tr("Words"), int(SearchMode::Keyword));
    m_mode->setCurrentIndex(
        std::max(0, m_mode->findData(QSettings().value(QStringLiteral("search/mode"), 0).toInt())));
    m_filters = new FilterBar(central);
    searchRow->addWidget(m_query, 3);
    searchRow->addWidget(m_mode);
    searchRow->addWidget(m_filters, 2);
    layout->addLayout(searchRow);

    m_pages = new QStackedWidget(central);
    m_loadingPage = new EmptyState(m_pages);
    m_loadingPage->setTitle(tr("Loading the model…"));
    m_noModelPage = new EmptyState(m_pages);
    m_noModelPage->setObjectName(QStringLiteral("noModelPage"));
    m_noModelPage->setTitle(tr("No model is ready"));
    connect(m_noModelPage->addButton(tr("Download Model…"), QStringLiteral("downloadModel")),
            &QPushButton::clicked, this, &MainWindow::downloadModel);
    connect(m_noModelPage->addButton(tr("Choose Model Folder…"), QStringLiteral("chooseModel")),
            &QPushButton::clicked, this, [this] {
                const QString folder = QFileDialog::getExistingDirectory(
                    this, tr("Choose a Model Folder"), m_settings.modelFolder);
                if (!folder.isEmpty())
                    useModel(folder);
            });
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

    m_resultsSplitter = new QSplitter(Qt::Horizontal, m_pages);
    m_resultsSplitter->setObjectName(QStringLiteral("resultsSplitter"));
    m_resultModel = new ResultListModel(this);
    m_results = new QTreeView(m_resultsSplitter);
    m_results->setObjectName(QStringLiteral("results"));
    m_results->setAccessibleName(tr("Results"));
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
    m_resultsSplitter->setStretchFactor(0, 2);
    m_resultsSplitter->setStretchFactor(1, 3);

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

    m_sources = new SourcesPanel(this);
    auto* dock = new QDockWidget(tr("Sources"), this);
    dock->setObjectName(QStringLiteral("sourcesDock"));
    dock->setWidget(m_sources);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_statusModel = new QLabel(this);
    m_statusModel->setObjectName(QStringLiteral("modelStatus"));
    m_statusModel->setTextFormat(Qt::PlainText); // the model folder's name, whatever it holds
    m_statusCounts = new QLabel(this);
    m_statusCounts->setObjectName(QStringLiteral("countsStatus"));
    statusBar()->addPermanentWidget(m_statusCounts);
    statusBar()->addPermanentWidget(m_statusModel);

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
    m_hideOutcome->setInterval(10000);
    connect(m_hideOutcome, &QTimer::timeout, m_indexingBar, &QWidget::hide);

    connect(m_query, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (text.trimmed().isEmpty()) {
            m_debounce->stop();
            m_search->cancelSearch();
            m_resultModel->clear();
            m_preview->clear();
            m_shownQuery.clear();
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
    connect(m_preview, &PreviewPane::openRequested, this,
            [this](const QString& path) { m_openUrl(QUrl::fromLocalFile(path)); });

    connect(m_sources, &SourcesPanel::addFolderRequested, this, &MainWindow::chooseFolderToAdd);
    connect(m_sources, &SourcesPanel::addFilesRequested, this, &MainWindow::chooseFilesToAdd);
    connect(m_sources, &SourcesPanel::reindexRequested, this,
            [this](const QStringList& sources) { addPaths(sources); });
    connect(m_sources, &SourcesPanel::removeRequested, this, &MainWindow::removeSources);

    setTabOrder(m_query, m_filters->folderBox());
    setTabOrder(m_filters->folderBox(), m_filters->typeBox());
    setTabOrder(m_filters->typeBox(), m_filters->modifiedBox());
    setTabOrder(m_filters->modifiedBox(), m_results);
    setTabOrder(m_results, m_preview);
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
        resizeDocks({dock}, {fontMetrics().averageCharWidth() * 52}, Qt::Horizontal);
    }
    m_resultsSplitter->restoreState(
        store.value(QStringLiteral("window/resultsSplitter")).toByteArray());
}

void MainWindow::applySettings(const AppSettings& settings, bool reopen) {
    const bool indexChanged = settings.indexFolder != m_settings.indexFolder;
    // The model follows the index's precision (ModelLoader), so a new index reopens it too.
    const bool modelChanged = settings.modelFolder != m_settings.modelFolder ||
                              settings.batchSize != m_settings.batchSize ||
                              settings.threads != m_settings.threads ||
                              settings.precision != m_settings.precision || indexChanged;
    m_settings = settings;
    m_indexing->setOptions(indexOptionsFrom(m_settings));
    m_watcher->setWalkOptions(indexOptionsFrom(m_settings).walk);
    m_watcher->setEnabled(m_settings.watchFolders);
    if (reopen || indexChanged) {
        if (indexChanged)
            m_indexing->cancel();
        m_indexing->setIndexFolder(m_settings.indexFolder);
        m_search->setIndexFolder(m_settings.indexFolder);
        m_overviewKnown = false;
        m_caughtUp = false;
        m_openedAtMs = QDateTime::currentMSecsSinceEpoch();
        m_sourceErrors.clear();
        m_search->refreshOverview();
    }
    if (reopen || modelChanged)
        loadModel();
    else if (indexChanged && !m_query->text().trimmed().isEmpty())
        searchNow();
    setWindowTitle(tr("semsearch — %1").arg(displayPath(m_settings.indexFolder)));
}

void MainWindow::loadModel() {
    m_embedder.reset();
    m_search->setEmbedder(nullptr);
    m_modelProblem.clear();
    m_statusModel->setText(tr("Loading the model…"));
    m_loader->load(m_settings.modelFolder, embedderOptionsFrom(m_settings), m_settings.indexFolder);
    updatePage();
}

void MainWindow::showPage(Page page) {
    m_pages->setCurrentIndex(int(page));
}

void MainWindow::updatePage() {
    const QString query = m_query->text().trimmed();
    if (!m_embedder && m_loader->isLoading()) {
        showPage(Page::Loading);
        return;
    }
    if (!m_embedder) {
        m_noModelPage->setText(
            tr("semsearch reads your documents with the sentence-transformers model "
               "<b>bert-base-nli-max-tokens</b> (about 440 MB). Get it once with "
               "<code>semsearch-cli model download</code>, or choose a folder that holds a "
               "sentence-transformers model.<br><br><small>%1</small>")
                .arg(printableText(m_modelProblem).toHtmlEscaped()));
        showPage(Page::NoModel);
        return;
    }
    if (const auto other = otherModel()) {
        // Vectors of two models cannot be compared: searching would give nonsense.
        const bool reembedding = m_indexing->isBusy();
        m_otherModelPage->setText(
            reembedding
                ? tr("Re-embedding every document with %1. The old index stays in place until "
                     "the new one is complete.")
                      .arg(describeModel(modelIdentity(m_embedder->model().model())))
                      .toHtmlEscaped()
                : tr("This index was built with %1; the model loaded now is %2. Re-embed "
                     "everything with the new model (the old index stays until the new one is "
                     "complete), or choose the model that built it.")
                      .arg(describeModel(*other),
                           describeModel(modelIdentity(m_embedder->model().model())))
                      .toHtmlEscaped());
        showPage(Page::OtherModel);
        return;
    }
    const bool empty = m_overviewKnown && (!m_overview.exists || m_overview.counts.documents == 0);
    if (empty && query.isEmpty()) {
        if (!m_overview.problem.isEmpty()) {
            m_nothingIndexedPage->setTitle(tr("The index cannot be read"));
            m_nothingIndexedPage->setText(m_overview.problem.toHtmlEscaped());
        } else if (m_indexing->isBusy()) {
            m_nothingIndexedPage->setTitle(tr("Indexing your first documents…"));
            m_nothingIndexedPage->setText(
                tr("You can search as soon as the first files are done."));
        } else {
            m_nothingIndexedPage->setTitle(tr("Drop folders here"));
            m_nothingIndexedPage->setText(
                tr("Drag folders or files with your notes, documents or code onto this "
                   "window, and semsearch reads them so you can find passages by what they "
                   "mean."));
        }
        showPage(Page::NothingIndexed);
        return;
    }
    if (query.isEmpty()) {
        const QLocale locale;
        m_readyPage->setText(
            tr("Type what you remember, in your own words: %1 passages in %2 documents are "
               "ready.<br>Press <b>Enter</b> to open a result, <b>Ctrl+L</b> or <b>/</b> to "
               "come back here, <b>Esc</b> to clear.")
                .arg(locale.toString(m_overview.counts.passages),
                     locale.toString(m_overview.counts.documents)));
        showPage(Page::Ready);
        return;
    }
    if (m_shownQuery == query && m_resultModel->rowCount() == 0) {
        m_noMatchPage->setTitle(tr("No good match"));
        m_noMatchPage->setText(
            tr("Nothing indexed matches “%1” with these filters. Try other words, widen the "
               "filters, or add the folder that holds it.")
                .arg(query.toHtmlEscaped()));
        showPage(Page::NoMatch);
        return;
    }
    if (m_shownQuery.isEmpty())
        return; // keep the page until the first results arrive
    showPage(Page::Results);
}

std::optional<ModelIdentity> MainWindow::otherModel() const {
    if (!m_embedder || !m_overviewKnown || !m_overview.model)
        return std::nullopt;
    if (sameVectors(*m_overview.model, modelIdentity(m_embedder->model().model())))
        return std::nullopt;
    return m_overview.model;
}

void MainWindow::reembedEverything() {
    m_indexing->reembed();
    updatePage();
}

void MainWindow::searchNow() {
    m_debounce->stop();
    const QString query = m_query->text().trimmed();
    if (query.isEmpty() || !m_embedder)
        return;
    SearchOptions options;
    options.limit = m_settings.searchResultLimit;
    options.passagesPerDocument = kPassagesPerDocument;
    options.filter = m_filters->filter(QDateTime::currentMSecsSinceEpoch());
    options.mode = SearchMode(m_mode->currentData().toInt());
    m_search->search(query, options);
}

void MainWindow::showResults(const QString& query, const DocumentHits& hits) {
    if (query != m_query->text().trimmed())
        return; // the field changed since; a newer search is on its way
    const QString keep = m_keepSelection;
    m_keepSelection.clear();
    m_resultModel->setResults(query, hits);
    m_shownQuery = query;
    int row = 0;
    for (int i = 0; i < m_resultModel->rowCount() && !keep.isEmpty(); ++i)
        if (m_resultModel->index(i, 0).data(ResultListModel::PathRole).toString() == keep)
            row = i;
    if (m_resultModel->rowCount() > 0)
        m_results->setCurrentIndex(m_resultModel->index(row, 0));
    else
        m_preview->clear();
    updatePage();
    Q_EMIT resultsShown(int(hits.size()));
}

void MainWindow::showOverview(const IndexOverview& overview) {
    m_overview = overview;
    m_overviewKnown = true;
    m_sources->setOverview(overview, m_indexing->pendingPaths(), m_sourceErrors);
    QStringList folders;
    for (const SourceStatus& status : overview.sources)
        folders << status.source.path;
    m_filters->setFolders(folders);
    m_watcher->setSources(folders);
    // The watcher reports changes from now on; what changed while semsearch was not running
    // is found by one incremental pass (it reads only files whose size or time changed).
    if (!m_caughtUp && m_settings.watchFolders && !folders.isEmpty()) {
        m_caughtUp = true;
        QStringList stale; // sources not indexed since the index was opened here
        for (const SourceStatus& status : overview.sources)
            if (status.source.indexedMs < m_openedAtMs &&
                !m_indexing->pendingPaths().contains(status.source.path))
                stale << status.source.path;
        m_indexing->index(stale);
    }
    const QLocale locale;
    m_statusCounts->setText(overview.exists ? tr("%1 passages in %2 documents")
                                                  .arg(locale.toString(overview.counts.passages),
                                                       locale.toString(overview.counts.documents))
                                            : tr("Nothing indexed yet"));
    updatePage();
    Q_EMIT overviewShown();
}

void MainWindow::showCurrentInPreview() {
    const QModelIndex current = m_results->currentIndex();
    const DocumentHit* document = m_resultModel->documentAt(current);
    if (!document) {
        m_preview->clear();
        return;
    }
    const PassageHit* passage = m_resultModel->passageAt(current);
    m_preview->showDocument(document->path, document->passages, passage ? passage->passageId : 0);
}

void MainWindow::addPaths(const QStringList& paths) {
    QStringList existing;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.exists())
            existing << info.absoluteFilePath();
        else
            statusBar()->showMessage(tr("%1: no such file or folder").arg(path), 10000);
    }
    if (existing.isEmpty())
        return;
    for (const QString& path : existing)
        m_sourceErrors.remove(path);
    m_indexing->index(existing);
    if (!m_embedder)
        statusBar()->showMessage(tr("Indexing starts when the model is ready."), 10000);
}

void MainWindow::chooseFolderToAdd() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Add a Folder to the Index"), QDir::homePath());
    if (!folder.isEmpty())
        addPaths({folder});
}

void MainWindow::chooseFilesToAdd() {
    const QStringList files =
        QFileDialog::getOpenFileNames(this, tr("Add Files to the Index"), QDir::homePath());
    addPaths(files);
}

void MainWindow::removeSources(const QStringList& sources) {
    if (sources.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Remove from the Index"),
        tr("Remove %n source(s) and their passages from the index? The files themselves are "
           "not touched.",
           nullptr, int(sources.size())),
        QMessageBox::Ok | QMessageBox::Cancel);
    if (answer == QMessageBox::Ok)
        m_indexing->remove(sources);
}

void MainWindow::refreshAfterCommit() {
    m_search->refreshOverview();
    if (!m_query->text().trimmed().isEmpty()) {
        m_keepSelection = currentPath();
        searchNow();
    }
}

void MainWindow::jobFinished(const IndexJobResult& result) {
    if (result.ok && result.job.kind == IndexJob::Kind::Reembed)
        m_search->setIndexFolder(m_settings.indexFolder); // the folder was exchanged: reopen
    // The work is over: show its last commit now rather than after the throttling delay.
    m_refresh->stop();
    refreshAfterCommit();
    m_hideOutcome->start();
    const QLocale locale;
    if (!result.ok) {
        for (const QString& path : result.job.paths)
            m_sourceErrors.insert(path, result.error);
        m_indexingBar->showOutcome(result.error, true);
        if (result.errorCode == ErrorCode::Mismatch)
            offerModelChoice(result.error);
        Q_EMIT indexingFinished(false);
        return;
    }
    if (result.job.kind == IndexJob::Kind::Remove) {
        m_indexingBar->showOutcome(
            tr("Removed %n document(s) from the index.", nullptr, int(result.removed)), false);
    } else {
        const IndexStats& stats = result.stats;
        const qint64 changed = stats.filesAdded + stats.filesUpdated + stats.filesReused;
        QString text =
            stats.cancelled
                ? tr("Indexing cancelled; %n file(s) done are kept.", nullptr, int(changed))
                : tr("Indexed %n new or changed file(s)", nullptr, int(changed));
        if (!stats.cancelled && changed == 0 && stats.filesRemoved == 0) {
            text = tr("Everything is up to date (%n file(s) unchanged).", nullptr,
                      int(stats.filesUnchanged));
        } else if (!stats.cancelled) {
            QStringList details;
            details << tr("%1 passages").arg(locale.toString(stats.passagesEmbedded));
            if (stats.filesUnchanged > 0)
                details << tr("%1 unchanged").arg(locale.toString(stats.filesUnchanged));
            if (stats.filesRemoved > 0)
                details << tr("%1 removed").arg(locale.toString(stats.filesRemoved));
            if (stats.filesSkipped > 0)
                details << tr("%1 skipped").arg(locale.toString(stats.filesSkipped));
            text += QStringLiteral(" (%1).").arg(details.join(QStringLiteral(", ")));
        }
        m_indexingBar->showOutcome(text, false);
    }
    Q_EMIT indexingFinished(true);
}

void MainWindow::offerModelChoice(const QString& message) {
    QMessageBox box(QMessageBox::Warning, tr("Another Model Built This Index"), message,
                    QMessageBox::NoButton, this);
    box.setInformativeText(
        tr("Vectors of two models cannot be mixed. Re-embed everything with the loaded model "
           "(the old index stays until the new one is complete), or choose the model that "
           "built the index."));
    QPushButton* reembed = box.addButton(tr("Re-embed Everything"), QMessageBox::AcceptRole);
    QPushButton* choose = box.addButton(tr("Choose Model…"), QMessageBox::ActionRole);
    box.addButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() == reembed)
        reembedEverything();
    else if (box.clickedButton() == choose)
        openSettings();
}

void MainWindow::useModel(const QString& folder) {
    // Chosen by the user now: it replaces a folder given on the command line, and is saved.
    m_overrides.modelOrigin.clear();
    m_overrides.modelFolder.clear();
    QSettings store;
    AppSettings saved = loadSettings(store);
    saved.modelFolder = folder;
    saveSettings(store, saved);
    AppSettings changed = m_settings;
    changed.modelFolder = folder;
    applySettings(changed, false);
}

void MainWindow::downloadModel() {
    ModelDownloadOptions options;
    applyHubEnvironment(options);
    auto* dialog = new ModelDownloadDialog(options, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelDownloadDialog::modelDownloaded, this, &MainWindow::useModel);
    dialog->open();
}

void MainWindow::openSettings() {
    // The dialog edits the saved settings; folders given for this session only are shown
    // read-only and stay out of what is saved.
    QSettings store;
    SettingsDialog dialog(loadSettings(store), this);
    dialog.setOverridden(m_overrides);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const AppSettings saved = dialog.settings();
    saveSettings(store, saved);
    AppSettings session = saved;
    if (m_overrides.modelOverridden())
        session.modelFolder = m_overrides.modelFolder;
    if (m_overrides.indexOverridden())
        session.indexFolder = m_overrides.indexFolder;
    applySettings(session, false);
}

QString MainWindow::currentPath() const {
    const DocumentHit* document = m_resultModel->documentAt(m_results->currentIndex());
    return document ? document->path : QString();
}

void MainWindow::openCurrent() {
    const QString path = currentPath();
    if (!path.isEmpty() && !m_openUrl(QUrl::fromLocalFile(path)))
        statusBar()->showMessage(tr("%1: no application to open it").arg(path), 10000);
}

void MainWindow::openCurrentFolder() {
    const QString path = currentPath();
    if (!path.isEmpty())
        m_openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath()));
}

void MainWindow::findSimilarToCurrent() {
    const QString path = currentPath();
    if (path.isEmpty())
        return;
    m_query->setText(likeQuery(path));
    searchNow();
}

void MainWindow::copyCurrentPath() {
    const QString path = currentPath();
    if (path.isEmpty())
        return;
    QApplication::clipboard()->setText(QDir::toNativeSeparators(path));
    statusBar()->showMessage(tr("Copied %1").arg(QDir::toNativeSeparators(path)), 4000);
}

void MainWindow::setUrlOpener(std::function<bool(const QUrl&)> opener) {
    m_openUrl = std::move(opener);
}

void MainWindow::showAbout() {
    QString model = tr("not loaded");
    if (m_embedder)
        model = m_embedder->model().model().name;
    QMessageBox::about(
        this, tr("About semsearch"),
        tr("<h3>semsearch %1</h3><p>Finds passages in your documents by meaning.</p>"
           "<p>Model: %2<br>Index: %3</p><p>Built with Qt %4, LibTorch, FAISS and SQLite.</p>")
            .arg(QStringLiteral(SEMSEARCH_VERSION), model.toHtmlEscaped(),
                 displayPath(m_settings.indexFolder).toHtmlEscaped(),
                 QString::fromLatin1(qVersion())));
}

bool MainWindow::dropOnSearchField(QEvent* event) {
    auto* drag = static_cast<QDropEvent*>(event);
    const QStringList paths = localPaths(drag->mimeData());
    if (paths.size() != 1 || !QFileInfo(paths.first()).isFile()) {
        drag->ignore(); // folders, several files, text: on to the window, to be indexed
        return true;
    }
    drag->acceptProposedAction();
    if (event->type() == QEvent::Drop) {
        m_query->setText(likeQuery(paths.first()));
        searchNow();
    }
    return true;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_query && (event->type() == QEvent::DragEnter ||
                               event->type() == QEvent::DragMove || event->type() == QEvent::Drop))
        if (dropOnSearchField(event))
            return true;
    if (event->type() != QEvent::KeyPress)
        return QMainWindow::eventFilter(watched, event);
    auto* key = static_cast<QKeyEvent*>(event);
    if (watched == m_query) {
        switch (key->key()) {
        case Qt::Key_Down:
        case Qt::Key_PageDown:
            if (m_resultModel->rowCount() == 0)
                break;
            m_results->setFocus(Qt::TabFocusReason);
            if (!m_results->currentIndex().isValid())
                m_results->setCurrentIndex(m_resultModel->index(0, 0));
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            // Enter searches at once; once the results for this text are shown, it opens the
            // selected one.
            if (m_debounce->isActive() || m_shownQuery != m_query->text().trimmed())
                searchNow();
            else
                openCurrent();
            return true;
        case Qt::Key_Escape:
            if (m_query->text().isEmpty())
                break;
            m_query->clear();
            return true;
        default:
            break;
        }
    } else if (watched == m_results) {
        const QModelIndex current = m_results->currentIndex();
        if (key->key() == Qt::Key_Up && current.isValid() && !current.parent().isValid() &&
            current.row() == 0) {
            m_query->setFocus(Qt::TabFocusReason);
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            m_query->setFocus(Qt::ShortcutFocusReason);
            m_query->clear();
            return true;
        }
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            openCurrent();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (localPaths(event->mimeData()).isEmpty())
        return;
    event->acceptProposedAction();
    m_dropOverlay->show();
    m_dropOverlay->raise();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event) {
    if (!localPaths(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent* event) {
    m_dropOverlay->hide();
    QMainWindow::dragLeaveEvent(event);
}

void MainWindow::dropEvent(QDropEvent* event) {
    m_dropOverlay->hide();
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    addPaths(paths);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings store;
    store.setValue(QStringLiteral("window/geometry"), saveGeometry());
    store.setValue(QStringLiteral("window/state"), saveState());
    store.setValue(QStringLiteral("window/resultsSplitter"), m_resultsSplitter->saveState());
    // What is committed stays; the running batch finishes before the window goes.
    m_indexing->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace semsearch::ui
