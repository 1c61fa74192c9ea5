#pragma once

// The GUI thread's handle on searching: owns the search thread and its SearchWorker, numbers
// queries so that a newer one supersedes an older one, and passes back only current answers.

#include "search_worker.h"

#include <QObject>
#include <QThread>

namespace semsearch::services {

class SearchSession : public QObject {
    Q_OBJECT

public:
    explicit SearchSession(QObject* parent = nullptr);
    ~SearchSession() override;

    // Opens (or re-opens) the index in `folder`; answers to earlier queries are dropped.
    void setIndexFolder(const QString& folder);
    void setEmbedder(std::shared_ptr<SharedEmbedder> shared);

    // Starts a search; any search still running is superseded.
    void search(const QString& query, const SearchOptions& options);
    // Drops the running search, if any (e.g. the query was cleared).
    void cancelSearch();
    void refreshOverview();

Q_SIGNALS:
    void resultsReady(const QString& query, const semsearch::services::DocumentHits& hits);
    void emphasisReady(qint64 passageId, const semsearch::services::TextRanges& ranges);
    void searchFailed(const QString& message);
    void overviewReady(const semsearch::services::IndexOverview& overview);

private:
    void startWorker();
    void stopWorker();

    QString m_folder;
    QThread m_thread;
    SearchWorker* m_worker = nullptr; // lives on m_thread
    std::shared_ptr<std::atomic<quint64>> m_latest = std::make_shared<std::atomic<quint64>>(0);
    std::shared_ptr<SharedEmbedder> m_embedder;
};

} // namespace semsearch::services
