#pragma once

// The semsearch window: a search field that answers by meaning while you type, the results with
// a preview of each hit in context, the sources panel, and indexing of whatever is dropped on
// the window, with progress that can be paused and cancelled.
//
// The window itself only arranges and forwards: the model loads in ModelLoader, searches run in
// SearchSession, indexing in IndexingSession, each on its own thread.

#include "app_settings.h"
#include "index_overview.h"
#include "indexing_session.h"
#include "search_worker.h"

#include <QHash>
#include <QMainWindow>
#include <QSet>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QComboBox;
class QLayout;
class QLineEdit;
class QSplitter;
class QStackedWidget;
class QTimer;
class QTreeView;

namespace semsearch::services {
class FolderWatcher;
class IndexChangeMonitor;
class ModelLoader;
class SearchSession;
} // namespace semsearch::services

namespace semsearch::ui {

class DropOverlay;
class EmptyState;
class FilterBar;
class IndexingBar;
class PreviewPane;
class ResultListModel;
class SearchHistoryPopup;
class SourcesPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // `settings` as this session uses them (overrides applied); `overrides` says which folders
    // came from --model/--index or the environment, so that they are not saved.
    explicit MainWindow(services::AppSettings settings, services::SessionOverrides overrides = {},
                        QWidget* parent = nullptr);
    ~MainWindow() override;

    // Indexes files and folders (queued behind any indexing under way).
    void addPaths(const QStringList& paths);
    // Asks for a folder and indexes it.
    void chooseFolderToAdd();
    // How files and folders are opened; tests replace it. Default: QDesktopServices::openUrl.
    void setUrlOpener(std::function<bool(const QUrl&)> opener);
    const services::AppSettings& settings() const { return m_settings; }

Q_SIGNALS:
    void modelReady();
    void resultsShown(int documents);
    void overviewShown();
    void indexingFinished(bool ok);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
    // A file dropped on the search field: "more like this" (like_query.h), not indexing.
    bool dropOnSearchField(QEvent* event);

private:
    enum class Page { Loading, NoModel, NothingIndexed, Ready, NoMatch, Results, OtherModel };

    // Widgets, menus and the saved layout (main_window_layout.cpp).
    void buildWidgets();
    QLayout* buildSearchRow(QWidget* parent);
    void buildEmptyPages();
    void buildResultsPage();
    void buildSourcesDock();
    void buildStatusBar();
    void connectWidgets();
    // Commits by other processes or machines, and a shared index's lost connection.
    void connectIndexChanges();
    void buildMenus();
    // The layout, the last query, its filters and selected result, as the last session left
    // them (saved by saveSession on close).
    void restoreLayout();
    void saveSession();
    void applySettings(const services::AppSettings& settings, bool reopen);
    void loadModel();
    void showPage(Page page);
    void updatePage();
    void describeEmptyIndex();
    void searchNow();
    void showResults(const QString& query, const services::DocumentHits& hits);
    void showOverview(const services::IndexOverview& overview);
    void showCurrentInPreview();
    void jobFinished(const services::IndexJobResult& result);
    // Re-reads the overview and re-runs the search, keeping the selected file selected.
    void refreshAfterCommit();
    void offerModelChoice(const QString& message);
    void reembedEverything();
    // The model that built the index, when it is not the loaded one.
    std::optional<ModelIdentity> otherModel() const;
    void openSettings();
    void downloadModel();
    // Asks for a model folder; refuses one without a readable model, else uses it.
    void chooseModelFolder();
    // Switches to the model in `folder` and saves it as the model setting.
    void useModel(const QString& folder);
    void openCurrent();
    void openCurrentFolder();
    void copyCurrentPath();
    void copyPath(const QString& path);
    // Opening `path` failed: says `message` and offers to copy the path.
    void reportOpenFailure(const QString& path, const QString& message);
    // "More like this" for the selected result (like_query.h).
    void findSimilarToCurrent();
    // The mode chosen beside the search field.
    SearchMode searchMode() const;
    QString currentPath() const;
    void chooseFilesToAdd();
    void removeSources(const QStringList& sources);
    void showAbout();

    services::AppSettings m_settings;
    services::SessionOverrides m_overrides;
    std::function<bool(const QUrl&)> m_openUrl;

    services::ModelLoader* m_loader;
    services::SearchSession* m_search;
    services::IndexingSession* m_indexing;
    services::FolderWatcher* m_watcher;
    services::IndexChangeMonitor* m_indexChanges; // commits by other processes
    std::shared_ptr<SharedEmbedder> m_embedder;
    QString m_modelProblem;
    services::IndexOverview m_overview;
    bool m_overviewKnown = false;
    bool m_caughtUp = false;     // the sources were re-indexed once since this index was opened
    bool m_upgradeAsked = false; // the writer was asked to upgrade this index's schema
    qint64 m_openedAtMs = 0;     // when this index was opened here
    QHash<QString, QString> m_sourceErrors; // source path -> last indexing error
    // Paths this window indexed since the index was opened: up to date, whatever time their
    // source records (a shared index's, by the clock of the machine that wrote it, or none
    // from a writer before indexed_ms was kept).
    QSet<QString> m_indexedHere;

    QLineEdit* m_query;
    SearchHistoryPopup* m_history;
    QTimer* m_recordSearch; // results looked at this long count as a search made
    QComboBox* m_mode;      // hybrid, meaning or keywords: SearchMode in the item data
    FilterBar* m_filters;
    QStackedWidget* m_pages;
    EmptyState* m_loadingPage;
    EmptyState* m_noModelPage;
    EmptyState* m_nothingIndexedPage;
    EmptyState* m_readyPage;
    EmptyState* m_noMatchPage;
    EmptyState* m_otherModelPage; // the index was built with another model
    QSplitter* m_resultsSplitter;
    QTreeView* m_results;
    ResultListModel* m_resultModel;
    PreviewPane* m_preview;
    SourcesPanel* m_sources;
    IndexingBar* m_indexingBar;
    DropOverlay* m_dropOverlay;
    QLabel* m_statusModel;
    QLabel* m_statusCounts;
    QLabel* m_resultCount; // how many files the shown results hold
    QTimer* m_debounce;
    QTimer* m_refresh;       // re-runs the search and re-reads the overview after commits
    QTimer* m_hideOutcome;   // hides the indexing bar a while after the work ended
    QString m_shownQuery;    // the query whose results are shown
    QString m_keepSelection; // path to select again when refreshed results arrive
};

} // namespace semsearch::ui
