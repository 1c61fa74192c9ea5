#include "search_worker.h"

#include "like_query.h"
#include "shared_overview.h"

#include "semsearch/shared_index_location.h"

namespace semsearch::services {

namespace {

// How many results get their matching sentences worked out: about what the list shows at
// once. Each costs its sentences' embeddings (a few ms each with bert-base).
constexpr std::size_t kEmphasisedDocuments = 8;

} // namespace

SearchWorker::SearchWorker(QString indexFolder, std::shared_ptr<std::atomic<quint64>> latest)
    : m_folder(std::move(indexFolder)), m_latest(std::move(latest)) {}

SearchWorker::~SearchWorker() = default;

void SearchWorker::setEmbedder(std::shared_ptr<SharedEmbedder> shared) {
    m_shared.reset(); // it holds the embedder it was opened with
    m_embedder = shared ? shared->client(SharedEmbedder::Priority::Query) : nullptr;
}

IndexFolder* SearchWorker::index(std::optional<Error>& problem) {
    if (m_index)
        return m_index.get();
    // Read only, always: an index of an older schema fails here (Unsupported) until the one
    // writer has upgraded it (IndexingSession::upgrade, which the window asks for).
    auto opened = IndexFolder::open(m_folder, IndexFolder::Mode::Read);
    if (!opened) {
        // Nothing indexed yet is a state, not a problem.
        if (opened.error().code != ErrorCode::NotFound)
            problem = opened.error();
        return nullptr;
    }
    m_index = std::move(opened).value();
    return m_index.get();
}

void SearchWorker::search(quint64 ticket, const QString& query, const SearchOptions& options) {
    if (!isCurrent(ticket))
        return;
    if (isSharedIndexLocation(m_folder)) {
        searchShared(ticket, query, options);
        return;
    }
    // A keyword search reads only the database: it runs while the model is still loading.
    const bool needsModel = options.mode != SearchMode::Keyword || likedFile(query);
    if (!m_embedder && needsModel) {
        Q_EMIT searchFailed(ticket, tr("The model is not loaded."));
        return;
    }
    std::optional<Error> problem;
    IndexFolder* folder = index(problem);
    if (!folder) {
        if (problem)
            Q_EMIT searchFailed(ticket, problem->message);
        else
            Q_EMIT resultsReady(ticket, query, {});
        return;
    }
    Searcher searcher = m_embedder ? Searcher(*folder, *m_embedder) : Searcher(*folder);
    if (const auto file = likedFile(query)) {
        auto like = searcher.similarDocuments(*file, options);
        if (!like)
            Q_EMIT searchFailed(ticket, like.error().message);
        else
            Q_EMIT resultsReady(ticket, query, *like);
        return;
    }
    auto hits = searcher.searchDocuments(query, options);
    if (!hits) {
        Q_EMIT searchFailed(ticket, hits.error().message);
        return;
    }
    answer(ticket, query, *hits);
}

void SearchWorker::answer(quint64 ticket, const QString& query, const DocumentHits& hits) {
    Q_EMIT resultsReady(ticket, query, hits);
    if (!m_embedder || !isCurrent(ticket))
        return;
    // The sentences that match best by meaning, whatever the mode ranked by.
    auto embedded = m_embedder->embed({query});
    if (embedded && isCurrent(ticket))
        emphasise(ticket, embedded->values, hits);
}

void SearchWorker::searchShared(quint64 ticket, const QString& query,
                                const SearchOptions& options) {
    if (!m_embedder && options.mode != SearchMode::Keyword) {
        Q_EMIT searchFailed(ticket, tr("The model is not loaded."));
        return;
    }
    if (likedFile(query)) {
        Q_EMIT searchFailed(ticket, tr("“More like this” does not work on a shared index yet."));
        return;
    }
    if (!m_shared) {
        auto opened = SharedIndexSearcher::open(m_folder, m_embedder.get());
        if (!opened) {
            // Nothing indexed yet is a state, not a problem (the overview says so).
            if (opened.error().code == ErrorCode::NotFound)
                Q_EMIT resultsReady(ticket, query, {});
            else
                Q_EMIT searchFailed(ticket, opened.error().message);
            return;
        }
        m_shared = std::move(opened).value();
    }
    // What any machine committed since the last search is in this one: one round trip when
    // nothing changed. A searcher that lost its connection is opened again next time.
    if (auto caughtUp = m_shared->catchUp(); !caughtUp) {
        m_shared.reset();
        Q_EMIT searchFailed(ticket, caughtUp.error().message);
        return;
    }
    if (!isCurrent(ticket))
        return;
    auto hits = m_shared->searchDocuments(query, options);
    if (!hits) {
        Q_EMIT searchFailed(ticket, hits.error().message);
        return;
    }
    answer(ticket, query, *hits);
}

void SearchWorker::emphasise(quint64 ticket, const std::vector<float>& query,
                             const DocumentHits& hits) {
    std::vector<qint64> passageIds;
    QStringList texts;
    for (std::size_t i = 0; i < hits.size() && i < kEmphasisedDocuments; ++i) {
        if (hits[i].passages.empty())
            continue;
        passageIds.push_back(hits[i].passages.front().passageId);
        texts << hits[i].passages.front().text;
    }
    if (texts.isEmpty() || !isCurrent(ticket))
        return;
    auto sentences = bestSentences(*m_embedder, query.data(), texts);
    if (!sentences || !isCurrent(ticket))
        return; // emphasis is a help, not a result: the results stand without it
    for (std::size_t i = 0; i < passageIds.size(); ++i) {
        TextRanges ranges;
        for (const SentenceMatch& match : (*sentences)[i])
            ranges.append({int(match.start), int(match.end)});
        Q_EMIT emphasisReady(ticket, passageIds[i], ranges);
    }
}

void SearchWorker::readOverview() {
    if (isSharedIndexLocation(m_folder)) {
        Q_EMIT overviewReady(sharedIndexOverview(m_folder));
        return;
    }
    IndexOverview overview;
    std::optional<Error> problem;
    IndexFolder* folder = index(problem);
    if (!folder) {
        if (problem) {
            overview.problem = problem->message;
            overview.needsUpgrade = problem->code == ErrorCode::Unsupported;
        }
        Q_EMIT overviewReady(overview);
        return;
    }
    overview.exists = true;
    // One snapshot, so that the counts agree with each other.
    auto read = folder->overview();
    if (read) {
        overview.model = read->model;
        overview.counts = read->totals;
        for (const SourceOverview& source : read->sources)
            overview.sources.push_back({source.source, QString(), source.counts});
        overview.skipped = std::move(read->skipped);
        overview.extensions = std::move(read->extensions);
    } else {
        overview.problem = read.error().message;
    }
    Q_EMIT overviewReady(overview);
}

} // namespace semsearch::services
