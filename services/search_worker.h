#pragma once

// The search side of the window, on its own thread: holds the index open for reading, answers
// queries and reads the overview (sources, counts, skipped files). Reading never blocks the
// writer, and each search first brings the vectors up to date with what the writer committed.
//
// A shared index on PostgreSQL (shared_index_location.h) is searched through a
// SharedIndexSearcher (its vector cache on this machine), which catches up from the change log
// before each search, in any of the three modes (a keyword search needs no model); "more like
// this" is refused in one line.
//
// Lives in a worker QThread; the GUI talks to it only through queued calls and signals. A
// query carries a ticket; the SearchSession publishes the newest ticket in `latest`, and work
// for an older ticket is dropped at each step, so a fast typist never waits for stale queries.

#include "index_overview.h"
#include "snippet_text.h"

#include "semsearch/searcher.h"
#include "semsearch/shared_embedder.h"
#include "semsearch/shared_index_searcher.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace semsearch::services {

using DocumentHits = std::vector<DocumentHit>;

class SearchWorker : public QObject {
    Q_OBJECT

public:
    SearchWorker(QString indexFolder, std::shared_ptr<std::atomic<quint64>> latest);
    ~SearchWorker() override;

    // Called on the worker's thread (through QMetaObject::invokeMethod).
    void setEmbedder(std::shared_ptr<SharedEmbedder> shared);
    void search(quint64 ticket, const QString& query, const semsearch::SearchOptions& options);
    void readOverview();

Q_SIGNALS:
    void resultsReady(quint64 ticket, const QString& query,
                      const semsearch::services::DocumentHits& hits);
    // The sentences of a passage that match the query best, in the passage text's coordinates.
    void emphasisReady(quint64 ticket, qint64 passageId,
                       const semsearch::services::TextRanges& ranges);
    void searchFailed(quint64 ticket, const QString& message);
    void overviewReady(const semsearch::services::IndexOverview& overview);

private:
    bool isCurrent(quint64 ticket) const { return ticket == m_latest->load(); }
    // The index open for reading, or null: then `problem` holds why, unless nothing is indexed
    // yet (a state, not a problem).
    IndexFolder* index(std::optional<Error>& problem);
    void emphasise(quint64 ticket, const std::vector<float>& query, const DocumentHits& hits);
    // The results, then the sentences that match best by meaning.
    void answer(quint64 ticket, const QString& query, const DocumentHits& hits);
    void searchShared(quint64 ticket, const QString& query, const SearchOptions& options);

    QString m_folder;
    std::shared_ptr<std::atomic<quint64>> m_latest;
    std::unique_ptr<IndexFolder> m_index;
    std::unique_ptr<Embedder> m_embedder;          // a query client of the shared model
    std::unique_ptr<SharedIndexSearcher> m_shared; // a shared index's, opened at the first search
};

} // namespace semsearch::services

Q_DECLARE_METATYPE(semsearch::services::DocumentHits)
Q_DECLARE_METATYPE(semsearch::services::TextRanges)
