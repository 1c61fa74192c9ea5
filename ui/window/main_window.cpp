#include "main_window.h"

#include "common/counts_text.h"
#include "dialogs/model_download_dialog.h"
#include "dialogs/model_folder_refusal.h"
#include "display_path.h"
#include "drop_overlay.h"
#include "empty_state.h"
#include "index_change_monitor.h"
#include "indexing_bar.h"
#include "indexing_outcome.h"
#include "like_query.h"
#include "machine_name.h"
#include "model_loader.h"
#include "preview/preview_pane.h"
#include "results/filter_bar.h"
#include "results/result_delegate.h"
#include "results/result_list_model.h"
#include "search_history_popup.h"
#include "search_session.h"
#include "settings/settings_dialog.h"
#include "sources/sources_panel.h"
#include "watch/folder_watcher.h"

#include "semsearch/printable_text.h"
#include "semsearch/shared_index_location.h"

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

constexpr int kPassagesPerDocument = 5;
constexpr const char* kHomepage = "https://github.com/semsearch/semsearch";

QStringList localPaths(const QMimeData* mime) {
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            paths << QDir::cleanPath(url.toLocalFile());
    return paths;
}

} // namespace

MainWindow::MainWindow(services::AppSettings settings, services::SessionOverrides overrides,
                       QWidget* parent)
    : QMainWindow(parent), m_settings(std::move(settings)), m_overrides(overrides),
      m_openUrl([](const QUrl& url) { return QDesktopServices::openUrl(url); }) {
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);

    m_loader = new services::ModelLoader(this);
    m_search = new services::SearchSession(this);
    m_indexing = new services::IndexingSession(this);
    m_watcher = new services::FolderWatcher(this);
    m_indexChanges = new services::IndexChangeMonitor(this);

    buildWidgets();
    buildMenus();
    restoreLayout();

    connect(m_loader, &services::ModelLoader::loaded, this,
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
    connect(m_loader, &services::ModelLoader::failed, this,
            [this](const QString&, const QString& message) {
                m_embedder.reset();
                m_modelProblem = message;
                m_search->setEmbedder(nullptr);
                m_statusModel->setText(tr("No model"));
                updatePage();
            });

    connect(m_search, &services::SearchSession::resultsReady, this, &MainWindow::showResults);
    connect(m_search, &services::SearchSession::emphasisReady, m_resultModel,
            &ResultListModel::setEmphasis);
    connect(m_search, &services::SearchSession::searchFailed, this, [this](const QString& message) {
        m_noMatchPage->setTitle(tr("The search failed"));
        m_noMatchPage->setText(message.toHtmlEscaped());
        m_resultModel->clear();
        m_resultCount->clear();
        showPage(Page::NoMatch);
        Q_EMIT resultsShown(0);
    });
    connect(m_search, &services::SearchSession::overviewReady, this, &MainWindow::showOverview);

    connect(m_indexing, &services::IndexingSession::busyChanged, this, [this](bool busy) {
        if (busy) {
            m_hideOutcome->stop();
            m_indexingBar->show();
        }
        updatePage();
        m_search->refreshOverview();
    });
    connect(m_indexing, &services::IndexingSession::jobStarted, this, [this] {
        m_search->refreshOverview(); // the sources panel shows "Indexing"
    });
    connect(m_indexing, &services::IndexingSession::progress, m_indexingBar,
            &IndexingBar::showProgress);
    connect(m_indexing, &services::IndexingSession::pausedChanged, m_indexingBar,
            &IndexingBar::setPaused);
    connect(m_indexing, &services::IndexingSession::committed, this, [this] {
        // A shared index's documents change when the working copy is published, which the
        // change monitor hears (connectIndexChanges); the working copy's commits change nothing
        // this window shows.
        if (!isSharedIndexLocation(m_settings.indexFolder) && !m_refresh->isActive())
            m_refresh->start();
    });
    connect(m_indexing, &services::IndexingSession::jobFinished, this, &MainWindow::jobFinished);
    connect(m_indexingBar, &IndexingBar::pauseRequested, m_indexing,
            &services::IndexingSession::pause);
    connect(m_indexingBar, &IndexingBar::resumeRequested, m_indexing,
            &services::IndexingSession::resume);
    connect(m_indexingBar, &IndexingBar::cancelRequested, m_indexing,
            &services::IndexingSession::cancel);

    connectIndexChanges();
    connect(m_watcher, &services::FolderWatcher::sourceChanged, this,
            [this](const QString& source) {
                if (m_settings.watchFolders && !m_indexing->pendingPaths().contains(source))
                    m_indexing->index({source});
            });
    connect(m_watcher, &services::FolderWatcher::watchLimited, this,
            [this](const QString& message) { statusBar()->showMessage(message, 15000); });

    applySettings(m_settings, true);
}

MainWindow::~MainWindow() = default;

void MainWindow::connectIndexChanges() {
    // What another process committed (semsearch-cli index, remove), or any machine to a
    // shared index: read everything shown again. While this window writes a local index, its
    // own commits refresh it (m_refresh), and no other process can write. While it writes a
    // shared index, the announcements (its own batches among them) are gathered by the same
    // throttle; those of its last commit are marked seen when the job ends (jobFinished), so
    // they do not read everything a second time.
    connect(m_indexChanges, &services::IndexChangeMonitor::changed, this, [this] {
        if (!m_indexing->isBusy())
            refreshAfterCommit();
        else if (isSharedIndexLocation(m_settings.indexFolder) && !m_refresh->isActive())
            m_refresh->start();
    });
    // Once per loss, in the status bar: a server that is down must not become a dialog a
    // minute. The monitor tries again by itself.
    connect(m_indexChanges, &services::IndexChangeMonitor::listeningLost, this,
            [this](const QString& message) {
                statusBar()->showMessage(
                    tr("%1. New documents from other machines show once it is back (trying "
                       "every 30 seconds).")
                        .arg(message));
            });
    connect(m_indexChanges, &services::IndexChangeMonitor::listeningRestored, this, [this] {
        statusBar()->showMessage(
            tr("Connected to %1 again.").arg(displayLocation(m_settings.indexFolder)), 10000);
    });
}

void MainWindow::applySettings(const services::AppSettings& settings, bool reopen) {
    const bool indexChanged = settings.indexFolder != m_settings.indexFolder;
    // The model follows the index's precision (ModelLoader), so a new index reopens it too.
    const bool modelChanged = settings.modelFolder != m_settings.modelFolder ||
                              settings.batchSize != m_settings.batchSize ||
                              settings.threads != m_settings.threads ||
                              settings.precision != m_settings.precision || indexChanged;
    m_settings = settings;
    m_indexing->setOptions(services::indexOptionsFrom(m_settings));
    m_watcher->setWalkOptions(services::indexOptionsFrom(m_settings).walk);
    m_watcher->setEnabled(m_settings.watchFolders);
    if (reopen || indexChanged) {
        if (indexChanged)
            m_indexing->cancel();
        m_indexing->setIndexFolder(m_settings.indexFolder);
        m_search->setIndexFolder(m_settings.indexFolder);
        m_indexChanges->setIndexFolder(m_settings.indexFolder);
        m_overviewKnown = false;
        m_caughtUp = false;
        m_upgradeAsked = false;
        m_openedAtMs = QDateTime::currentMSecsSinceEpoch();
        m_sourceErrors.clear();
        m_indexedHere.clear();
        m_search->refreshOverview();
    }
    if (reopen || modelChanged)
        loadModel();
    else if (indexChanged && !m_query->text().trimmed().isEmpty())
        searchNow();
    // Qt adds the application's display name ("… — semsearch"): the title names the index.
    setWindowTitle(services::displayPath(m_settings.indexFolder));
}

void MainWindow::loadModel() {
    m_embedder.reset();
    m_search->setEmbedder(nullptr);
    m_modelProblem.clear();
    m_statusModel->setText(tr("Loading the model…"));
    m_loader->load(m_settings.modelFolder, services::embedderOptionsFrom(m_settings),
                   m_settings.indexFolder);
    updatePage();
}

void MainWindow::showPage(Page page) {
    m_pages->setCurrentIndex(int(page));
}

void MainWindow::updatePage() {
    const QString query = m_query->text().trimmed();
    // Words alone are looked up in the database: that needs no model, loaded or not.
    const bool wordsOnly =
        !query.isEmpty() && searchMode() == SearchMode::Keyword && !services::likedFile(query);
    if (!m_embedder && !wordsOnly && m_loader->isLoading()) {
        showPage(Page::Loading);
        return;
    }
    if (!m_embedder && !wordsOnly) {
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
    // With nothing indexed, a query cannot match: say so rather than "no good match".
    if (empty) {
        describeEmptyIndex();
        showPage(Page::NothingIndexed);
        return;
    }
    if (query.isEmpty()) {
        m_readyPage->setText(
            tr("Type what you remember, in your own words: %1 are ready.<br>Press "
               "<b>Enter</b> to open a result, <b>Ctrl+L</b> or <b>/</b> to come back here, "
               "<b>Esc</b> to clear, <b>Up</b> for recent searches.")
                .arg(countsText(m_overview.counts.passages, m_overview.counts.documents)));
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

// Why nothing can be searched yet, on the page that says so.
void MainWindow::describeEmptyIndex() {
    if (m_overview.needsUpgrade && m_indexing->isBusy()) {
        m_nothingIndexedPage->setTitle(tr("Upgrading the index…"));
        m_nothingIndexedPage->setText(
            tr("An older version of semsearch made this index. It is brought up to date "
               "once; you can search as soon as that is done."));
    } else if (!m_overview.problem.isEmpty()) {
        m_nothingIndexedPage->setTitle(tr("The index cannot be read"));
        m_nothingIndexedPage->setText(m_overview.problem.toHtmlEscaped());
    } else if (m_indexing->isBusy()) {
        m_nothingIndexedPage->setTitle(tr("Indexing your first documents…"));
        m_nothingIndexedPage->setText(tr("You can search as soon as the first files are done."));
    } else if (!m_query->text().trimmed().isEmpty()) {
        m_nothingIndexedPage->setTitle(tr("Nothing is indexed yet"));
        m_nothingIndexedPage->setText(
            tr("There is nothing to search in yet. Add the folders that hold your notes, "
               "documents or code (drop them on this window, or choose <b>Add Folder…</b>), "
               "and search again once they are read."));
    } else {
        m_nothingIndexedPage->setTitle(tr("Drop folders here"));
        m_nothingIndexedPage->setText(
            tr("Drag folders or files with your notes, documents or code onto this "
               "window, and semsearch reads them so you can find passages by what they "
               "mean."));
    }
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
    if (query.isEmpty() ||
        (!m_embedder && (searchMode() != SearchMode::Keyword || services::likedFile(query))))
        return;
    SearchOptions options;
    options.limit = m_settings.searchResultLimit;
    options.passagesPerDocument = kPassagesPerDocument;
    options.filter = m_filters->filter(QDateTime::currentMSecsSinceEpoch());
    options.mode = searchMode();
    m_search->search(query, options);
}

SearchMode MainWindow::searchMode() const {
    return SearchMode(m_mode->currentData().toInt());
}

void MainWindow::showResults(const QString& query, const services::DocumentHits& hits) {
    if (query != m_query->text().trimmed())
        return; // the field changed since; a newer search is on its way
    const QString keep = m_keepSelection;
    m_keepSelection.clear();
    m_resultModel->setResults(query, hits);
    m_shownQuery = query;
    m_resultCount->setText(tr("%Ln results", nullptr, int(hits.size())));
    if (!hits.empty())
        m_recordSearch->start();
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

void MainWindow::showOverview(const services::IndexOverview& overview) {
    m_overview = overview;
    m_overviewKnown = true;
    // An index of an older schema: the one writer upgrades it (readers never write), once per
    // index opened here; what it cannot upgrade, it says why in the indexing bar.
    if (overview.needsUpgrade && !m_upgradeAsked) {
        m_upgradeAsked = true;
        m_indexing->upgrade();
    }
    m_sources->setOverview(overview, m_indexing->pendingPaths(), m_sourceErrors);
    QStringList folders;
    for (const services::SourceStatus& status : overview.sources)
        folders << status.source.path;
    m_filters->setFolders(folders);
    m_filters->setExtensions(overview.extensions);
    // A shared index's sources are each indexed by the machine that holds their files: this
    // window watches (and catches up with) only this machine's.
    if (isSharedIndexLocation(m_settings.indexFolder)) {
        folders.clear();
        for (const services::SourceStatus& status : overview.sources)
            if (!services::isAnotherMachine(status.machine))
                folders << status.source.path;
    }
    m_watcher->setSources(folders);
    // The watcher reports changes from now on; what changed while semsearch was not running
    // is found by one incremental pass (it reads only files whose size or time changed).
    if (!m_caughtUp && m_settings.watchFolders && overview.exists) {
        m_caughtUp = true;
        QStringList stale; // sources not indexed since the index was opened here
        for (const services::SourceStatus& status : overview.sources)
            if (folders.contains(status.source.path) && status.source.indexedMs < m_openedAtMs &&
                !m_indexedHere.contains(status.source.path) &&
                !m_indexing->pendingPaths().contains(status.source.path))
                stale << status.source.path;
        m_indexing->index(stale);
    }
    m_statusCounts->setText(overview.exists
                                ? countsText(overview.counts.passages, overview.counts.documents)
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
    // A copy's row shows the copy: the same text, so the passages' places hold in it too.
    const PassageHit* passage = m_resultModel->passageAt(current);
    const QString path = current.data(ResultListModel::PathRole).toString();
    // A shared index's document from another machine, or one whose file is gone: what the
    // index holds of it, with where the file is for reference.
    if (services::isAnotherMachine(document->machine) ||
        (!document->machine.isEmpty() && !QFileInfo::exists(path))) {
        m_preview->showStoredPassages(
            m_settings.indexFolder, path,
            services::isAnotherMachine(document->machine) ? document->machine : QString(),
            document->passages, passage ? passage->passageId : 0);
        return;
    }
    m_preview->showDocument(path, document->passages, passage ? passage->passageId : 0);
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
    QStringList shown;
    for (const QString& source : sources)
        shown << services::displayPath(source);
    QMessageBox box(QMessageBox::Question, tr("Remove from the Index"),
                    sources.size() == 1
                        ? tr("Remove %1 and its passages from the index?").arg(shown.first())
                        : tr("Remove these %Ln sources and their passages from the index?", nullptr,
                             int(sources.size())),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("removeSourcesQuestion"));
    box.setTextFormat(Qt::PlainText); // folder names, whatever they hold
    QString details = tr("The files themselves are not touched.");
    if (sources.size() > 1)
        details = shown.join(QLatin1Char('\n')) + QStringLiteral("\n\n") + details;
    box.setInformativeText(details);
    QPushButton* remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() == remove)
        m_indexing->remove(sources);
}

void MainWindow::refreshAfterCommit() {
    m_search->refreshOverview();
    if (!m_query->text().trimmed().isEmpty()) {
        m_keepSelection = currentPath();
        searchNow();
    }
}

void MainWindow::jobFinished(const services::IndexJobResult& result) {
    if (result.ok && result.job.kind == services::IndexJob::Kind::Reembed)
        m_search->setIndexFolder(m_settings.indexFolder); // the folder was exchanged: reopen
    // The work is over: show its last commit now rather than after the throttling delay.
    m_refresh->stop();
    m_indexChanges->markSeen(result.generation);
    refreshAfterCommit();
    m_hideOutcome->start();
    if (!result.ok) {
        for (const QString& path : result.job.paths)
            m_sourceErrors.insert(path, result.error);
        m_indexingBar->showOutcome(result.error, IndexingBar::Outcome::Failed);
        if (result.errorCode == ErrorCode::Mismatch)
            offerModelChoice(result.error);
        Q_EMIT indexingFinished(false);
        return;
    }
    if (result.job.kind == services::IndexJob::Kind::Index)
        for (const QString& path : result.job.paths)
            m_indexedHere.insert(path);
    if (result.job.kind == services::IndexJob::Kind::Upgrade) {
        m_indexingBar->showOutcome(tr("The index was upgraded to this version of semsearch."),
                                   IndexingBar::Outcome::Done);
    } else if (result.job.kind == services::IndexJob::Kind::Remove) {
        m_indexingBar->showOutcome(
            result.location.isEmpty()
                ? tr("Removed %Ln documents from the index.", nullptr, int(result.removed))
                : tr("Removed %Ln documents from %1.", nullptr, int(result.removed))
                      .arg(result.location),
            IndexingBar::Outcome::Done);
    } else if (result.job.kind == services::IndexJob::Kind::Reembed && !result.location.isEmpty()) {
        // A shared index's stored passages, not files, are embedded again.
        m_indexingBar->showOutcome(
            result.stats.cancelled
                ? tr("Re-embedding cancelled; %1 keeps its old vectors until it is run again.")
                      .arg(result.location)
                : tr("Re-embedded %Ln passages of %1.", nullptr, int(result.stats.passagesEmbedded))
                      .arg(result.location),
            result.stats.cancelled ? IndexingBar::Outcome::Cancelled : IndexingBar::Outcome::Done);
    } else {
        QString outcome = describeOutcome(result.stats);
        if (!result.location.isEmpty())
            outcome += QLatin1Char(' ') +
                       describePublication(result.published, result.removed, result.location);
        m_indexingBar->showOutcome(outcome, result.stats.cancelled ? IndexingBar::Outcome::Cancelled
                                                                   : IndexingBar::Outcome::Done);
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

void MainWindow::chooseModelFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose a Model Folder"),
                                                             m_settings.modelFolder);
    if (folder.isEmpty())
        return;
    if (const Result<ModelInfo> info = readModelInfo(folder); !info.ok()) {
        refuseModelFolder(this, folder, info.error().message);
        return;
    }
    useModel(folder);
}

void MainWindow::useModel(const QString& folder) {
    // Chosen by the user now: it replaces a folder given on the command line, and is saved.
    m_overrides.modelOrigin.clear();
    m_overrides.modelFolder.clear();
    QSettings store;
    services::AppSettings saved = services::loadSettings(store);
    saved.modelFolder = folder;
    services::saveSettings(store, saved);
    services::AppSettings changed = m_settings;
    changed.modelFolder = folder;
    applySettings(changed, false);
}

void MainWindow::downloadModel() {
    auto* dialog = new ModelDownloadDialog(downloadOptionsFrom(m_settings), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelDownloadDialog::modelDownloaded, this, &MainWindow::useModel);
    dialog->open();
}

void MainWindow::openSettings() {
    // The dialog edits the saved settings; folders given for this session only are shown
    // read-only and stay out of what is saved.
    QSettings store;
    SettingsDialog dialog(services::loadSettings(store), this);
    dialog.setOverridden(m_overrides);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const services::AppSettings saved = dialog.settings();
    services::saveSettings(store, saved);
    services::AppSettings session = saved;
    if (m_overrides.modelOverridden())
        session.modelFolder = m_overrides.modelFolder;
    if (m_overrides.indexOverridden())
        session.indexFolder = m_overrides.indexFolder;
    applySettings(session, false);
}

// The selected document's path, or the copy's on a copy's row.
QString MainWindow::currentPath() const {
    return m_results->currentIndex().data(ResultListModel::PathRole).toString();
}

void MainWindow::openCurrent() {
    m_history->record(m_shownQuery);
    const QString path = currentPath();
    if (!path.isEmpty() && !m_openUrl(QUrl::fromLocalFile(path)))
        reportOpenFailure(
            path, tr("No application is set up to open %1.").arg(services::displayFileName(path)));
}

void MainWindow::openCurrentFolder() {
    const QString path = currentPath();
    if (path.isEmpty())
        return;
    const QString folder = QFileInfo(path).absolutePath();
    if (!m_openUrl(QUrl::fromLocalFile(folder)))
        reportOpenFailure(folder, tr("The folder %1 could not be opened: no file manager is "
                                     "set up to open folders.")
                                      .arg(services::displayPath(folder)));
}

// Said in the status bar (replacing whatever it said before) and in a message that offers
// the path to paste elsewhere; not modal, so the window stays usable.
void MainWindow::reportOpenFailure(const QString& path, const QString& message) {
    statusBar()->showMessage(message);
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Open"), message,
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("openFailure"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::PlainText);
    box->setInformativeText(tr("You can copy the path and open it another way."));
    QPushButton* copy = box->addButton(tr("Copy Path"), QMessageBox::AcceptRole);
    copy->setObjectName(QStringLiteral("copyPath"));
    box->addButton(QMessageBox::Close);
    connect(copy, &QPushButton::clicked, this, [this, path] { copyPath(path); });
    box->open();
}

void MainWindow::findSimilarToCurrent() {
    const QString path = currentPath();
    if (path.isEmpty())
        return;
    m_query->setText(services::likeQuery(path));
    searchNow();
}

void MainWindow::copyCurrentPath() {
    copyPath(currentPath());
}

void MainWindow::copyPath(const QString& path) {
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
    auto* box = new QMessageBox(this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(tr("About semsearch"));
    box->setIconPixmap(windowIcon().pixmap(64));
    box->setTextFormat(Qt::RichText);
    box->setText(
        tr("<h3>semsearch %1</h3><p>Finds passages in your documents by meaning.</p>"
           "<p>Model: %2<br>Index: %3</p><p>Built with Qt %4, LibTorch, FAISS and SQLite.</p>"
           "<p>Free software under the MIT License.<br><a href=\"%5\">%5</a></p>")
            .arg(QStringLiteral(SEMSEARCH_VERSION), printableText(model).toHtmlEscaped(),
                 services::displayPath(m_settings.indexFolder).toHtmlEscaped(),
                 QString::fromLatin1(qVersion()), QString::fromLatin1(kHomepage)));
    box->setTextInteractionFlags(Qt::TextBrowserInteraction);
    box->addButton(QMessageBox::Close);
    box->open();
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
        m_query->setText(services::likeQuery(paths.first()));
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
            m_history->record(m_shownQuery);
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            // Enter searches at once; once the results for this text are shown, it opens the
            // selected one.
            if (m_debounce->isActive() || m_shownQuery != m_query->text().trimmed())
                searchNow();
            else
                openCurrent();
            m_history->record(m_query->text());
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

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    // A dock keeps its width when the window narrows, squeezing the results to a few letters
    // at 800 px: the sources panel gives way down to a third of the window.
    auto* dock = findChild<QDockWidget*>(QStringLiteral("sourcesDock"));
    const int most = width() / 3;
    if (dock && dock->isVisible() && !dock->isFloating() && dock->width() > most)
        resizeDocks({dock}, {most}, Qt::Horizontal);
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
    saveSession();
    m_history->record(m_shownQuery);
    // What is committed stays; the running batch finishes before the window goes.
    m_indexing->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace semsearch::ui
