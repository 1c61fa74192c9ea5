#include "semsearch/shared_index_searcher.h"

#include "pipeline/search_query.h"
#include "semsearch/locations.h"
#include "semsearch/model_identity.h"
#include "semsearch/reranked_vector_index.h"
#include "semsearch/shared_index_location.h"
#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"
#include "shared_search/search_cache_files.h"
#include "shared_search/search_cache_updates.h"
#include "shared_search/server_vectors.h"
#include "shared_search/shared_hits.h"
#include "shared_search/shared_rankings.h"

#include <algorithm>
#include <optional>

namespace semsearch {

class SharedIndexSearcher::Impl {
public:
    Impl(PgConnection connection, Embedder* embedder, QString folder, VectorIndexOptions options)
        : m_connection(std::move(connection)), m_embedder(embedder), m_folder(std::move(folder)),
          m_options(options) {}

    Result<void> open();
    Result<int> catchUp();
    Result<std::vector<float>> embedQuery(const SearchQuery& query);
    // The query embedded unless a keyword search needs no vector (then empty, no error).
    Result<std::vector<float>> prepareQuery(const SearchQuery& query, const QString& text,
                                            const SearchOptions& options);
    Result<std::vector<ScoredId>> nearest(const float* query, std::int64_t k,
                                          const SearchOptions& options,
                                          const QStringList& excluded = {});
    // The passages of the mode's ranking (shared_rankings.h); `vector` is the query's
    // embedding, null in Keyword mode.
    Result<std::vector<ScoredId>> ranking(const SearchQuery& query, const float* vector,
                                          std::int64_t k, const SearchOptions& options);
    Result<std::vector<DocumentHit>> documents(const SearchQuery& query, const float* vector,
                                               const SearchOptions& options);

    PgConnection m_connection;
    Embedder* m_embedder;
    QString m_folder;
    VectorIndexOptions m_options;
    std::optional<ModelIdentity> m_model; // the index's; none before its first batch
    SearchCache m_cache;                  // no vectors while the index has no model
    // Over m_cache.vectors: exact scores from the server's vectors of the best candidates.
    std::unique_ptr<RerankedVectorIndex> m_reranked;
    Opening m_opening = Opening::UpToDate;
    int m_appliedAtOpen = 0;
    std::int64_t m_unsaved = 0; // passages changed by catchUp() since the cache was saved

    Result<void> save();
    // After applying changes from `before`: when a commit since replaced every vector (a
    // re-embed), the ids applied may have fetched vectors of both sides of it, so the cache is
    // filled afresh, under the index's model as it is now. True when it refilled.
    Result<bool> refillIfReplaced(std::int64_t before);

private:
    Result<void> requireModel() const;
    void adopt(SearchCache cache);
    Result<void> refill();
};

void SharedIndexSearcher::Impl::adopt(SearchCache cache) {
    m_reranked.reset();
    m_cache = std::move(cache);
    const int candidates =
        m_cache.state.candidates > 0 ? m_cache.state.candidates : m_options.candidates;
    if (m_cache.state.kind == VectorIndexState::Kind::Lists)
        m_cache.vectors->setProbes(m_cache.state.probes);
    const int dimension = m_model->dimension;
    m_reranked = std::make_unique<RerankedVectorIndex>(
        *m_cache.vectors,
        [this, dimension](std::vector<std::int64_t>& ids, std::vector<float>& rows) {
            return readServerVectors(m_connection, dimension, ids, rows);
        },
        candidates);
}

Result<void> SharedIndexSearcher::Impl::refill() {
    m_reranked.reset();
    m_cache = SearchCache(); // first: memory holds one cache at a time, even while building
    auto filled = fillSearchCache(m_connection, m_model->dimension, m_options);
    if (!filled)
        return filled.error();
    adopt(std::move(filled).value());
    return {};
}

Result<void> SharedIndexSearcher::Impl::open() {
    if (auto current = requireCurrentSharedIndex(m_connection); !current)
        return current.error();
    auto model = sharedModel(m_connection);
    if (!model)
        return model.error();
    m_model = *model;
    if (!m_model)
        return {}; // nothing written yet: nothing to cache, every search finds nothing
    if (m_embedder)
        if (auto same = requireModel(); !same)
            return same.error();
    auto last = m_connection.query("SELECT coalesce(max(generation), 0) FROM changes");
    if (!last)
        return last.error();
    // A cache ahead of the change log is of a database made again since: start over.
    if (auto loaded = loadSearchCache(m_folder, *m_model);
        loaded && loaded->generation <= last->integer(0, 0)) {
        adopt(std::move(*loaded));
        m_opening = Opening::UpToDate;
    } else {
        if (auto filled = refill(); !filled)
            return filled.error();
        m_opening = Opening::Filled;
    }
    const std::int64_t before = m_cache.generation;
    auto applied = applyChanges(m_connection, m_cache);
    if (!applied)
        return applied.error();
    auto refilled = refillIfReplaced(before);
    if (!refilled)
        return refilled.error();
    if (*refilled)
        return save();
    m_appliedAtOpen = applied->changes;
    if (m_opening == Opening::UpToDate && applied->changes > 0)
        m_opening = Opening::CaughtUp;
    // Grown past the threshold or far from the recall's measurement: built again, as a local
    // index folder's cache would be.
    if (wantsRefill(m_cache, m_options)) {
        if (auto filled = refill(); !filled)
            return filled.error();
        m_opening = Opening::Filled;
    }
    return m_opening == Opening::UpToDate ? Result<void>() : save();
}

Result<bool> SharedIndexSearcher::Impl::refillIfReplaced(std::int64_t before) {
    auto replaced = lastEveryVectorChange(m_connection);
    if (!replaced)
        return replaced.error();
    if (*replaced <= before)
        return false;
    auto model = sharedModel(m_connection);
    if (!model)
        return model.error();
    m_model = *model;
    m_reranked.reset();
    m_cache = SearchCache();
    if (!m_model)
        return true;
    // A query of the old model must never be ranked against the new model's vectors.
    if (m_embedder)
        if (auto same = requireModel(); !same)
            return same.error();
    if (auto filled = refill(); !filled)
        return filled.error();
    m_opening = Opening::Filled;
    m_unsaved = 0;
    return true;
}

Result<void> SharedIndexSearcher::Impl::requireModel() const {
    if (!m_embedder)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection.location() + QStringLiteral(": no model is loaded"));
    const ModelIdentity mine = modelIdentity(m_embedder->model());
    if (m_model && !sameVectors(*m_model, mine))
        return makeError(ErrorCode::Mismatch,
                         m_connection.location() +
                             QStringLiteral(": this shared index was built with the model %1 "
                                            "and cannot be searched with %2; search with the "
                                            "model that built it")
                                 .arg(describeModel(*m_model), describeModel(mine)));
    return {};
}

Result<void> SharedIndexSearcher::Impl::save() {
    if (!m_model || !m_cache.vectors)
        return {};
    auto saved = saveSearchCache(m_folder, m_cache, *m_model, m_connection.location());
    if (saved)
        m_unsaved = 0;
    return saved;
}

Result<int> SharedIndexSearcher::Impl::catchUp() {
    if (!m_cache.vectors) {
        // The index had no model at open(): it may have one now.
        const std::int64_t before = m_cache.generation;
        if (auto reopened = open(); !reopened)
            return reopened.error();
        return int(m_cache.generation - before);
    }
    const std::int64_t before = m_cache.generation;
    auto applied = applyChanges(m_connection, m_cache);
    if (!applied)
        return applied.error();
    auto refilled = refillIfReplaced(before);
    if (!refilled)
        return refilled.error();
    if (*refilled) {
        if (auto saved = save(); !saved)
            return saved.error();
        return int(m_cache.generation - before);
    }
    // A save writes every vector's code (80 MB at 100,000 x 768); a later open()
    // replays what was not saved, fetching only those passages' vectors. So a long-lived
    // searcher saves once the unsaved changes reach a tenth of the cache (the replay then costs
    // about a tenth of a cold start) and when it closes, not after every writer's commit.
    m_unsaved += applied->passages;
    if (wantsRefill(m_cache, m_options)) {
        if (auto filled = refill(); !filled)
            return filled.error();
        m_unsaved = m_cache.vectors->size(); // saved below: a refill is worth keeping
    }
    if (m_unsaved > 0 && m_unsaved * 10 >= m_cache.vectors->size())
        if (auto saved = save(); !saved)
            return saved.error();
    return applied->changes;
}

Result<std::vector<float>> SharedIndexSearcher::Impl::embedQuery(const SearchQuery& query) {
    if (auto model = requireModel(); !model)
        return model.error();
    auto vectors = m_embedder->embed({query.semanticText});
    if (!vectors)
        return vectors.error();
    return std::move(vectors->values);
}

Result<std::vector<ScoredId>> SharedIndexSearcher::Impl::nearest(const float* query, std::int64_t k,
                                                                 const SearchOptions& options,
                                                                 const QStringList& excluded) {
    if (!m_cache.vectors || k <= 0)
        return std::vector<ScoredId>();
    k = std::min(k, m_cache.vectors->size());
    auto allowed = allowedPassages(m_connection, *m_cache.vectors, options.filter, excluded);
    if (!allowed)
        return allowed.error();
    return m_reranked->search(query, int(k), *allowed ? &**allowed : nullptr);
}

Result<std::vector<ScoredId>> SharedIndexSearcher::Impl::ranking(const SearchQuery& query,
                                                                 const float* vector,
                                                                 std::int64_t k,
                                                                 const SearchOptions& options) {
    // As many candidates from each side as the local hybrid search takes, and never fewer
    // than asked for.
    const std::int64_t candidates =
        options.mode == SearchMode::Hybrid ? std::max<std::int64_t>(k, 100) : k;
    std::vector<ScoredId> byMeaning;
    if (options.mode != SearchMode::Keyword) {
        auto nearestIds = nearest(vector, candidates, options, query.excluded);
        if (!nearestIds)
            return nearestIds.error();
        byMeaning = std::move(nearestIds).value();
        if (options.mode == SearchMode::Semantic)
            return byMeaning;
    }
    auto byWords = keywordRanking(m_connection, query, options.filter,
                                  int(std::min<std::int64_t>(candidates, 1 << 20)));
    if (!byWords || options.mode == SearchMode::Keyword)
        return byWords;
    return fusedRanking(byMeaning, *byWords, int(k));
}

Result<std::vector<DocumentHit>>
SharedIndexSearcher::Impl::documents(const SearchQuery& query, const float* vector,
                                     const SearchOptions& options) {
    if (options.limit <= 0 || (!m_cache.vectors && options.mode != SearchMode::Keyword))
        return std::vector<DocumentHit>();
    const std::int64_t total = m_cache.vectors ? m_cache.vectors->size() : 0;
    const int perDocument = std::max(1, options.passagesPerDocument);
    // Documents rank by their best passage: fetch generously and widen the net until enough
    // distinct documents turn up, as the local Searcher does.
    std::int64_t k = std::max<std::int64_t>(64, std::int64_t(options.limit) * perDocument * 4);
    for (;;) {
        k = std::min(k, std::max<std::int64_t>(total, 1));
        auto scored = ranking(query, vector, k, options);
        if (!scored)
            return scored.error();
        QHash<std::int64_t, std::int64_t> modifiedMs;
        auto hits = resolveHits(m_connection, *scored, &modifiedMs);
        if (!hits)
            return hits.error();
        auto grouped = documentsOf(std::move(*hits), options.limit, perDocument, modifiedMs);
        if (int(grouped.size()) >= options.limit || k >= total || std::int64_t(scored->size()) < k)
            return grouped;
        k *= 4;
    }
}

SharedIndexSearcher::SharedIndexSearcher(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SharedIndexSearcher::~SharedIndexSearcher() {
    // What catchUp() applied and did not save yet. A failure here costs only a replay of those
    // changes at the next open(): the cache is never the only copy of anything.
    if (m_impl->m_unsaved > 0)
        (void)m_impl->save();
}

Result<std::unique_ptr<SharedIndexSearcher>>
SharedIndexSearcher::open(const QString& location, Embedder* embedder, const QString& cacheFolder,
                          const VectorIndexOptions& options) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error();
    auto impl = std::make_unique<Impl>(
        std::move(connection).value(), embedder,
        cacheFolder.isEmpty() ? defaultSharedSearchFolder(location) : cacheFolder, options);
    if (auto opened = impl->open(); !opened)
        return opened.error();
    return std::unique_ptr<SharedIndexSearcher>(new SharedIndexSearcher(std::move(impl)));
}

SharedIndexSearcher::Opening SharedIndexSearcher::opening() const {
    return m_impl->m_opening;
}
int SharedIndexSearcher::changesAppliedAtOpen() const {
    return m_impl->m_appliedAtOpen;
}
Result<int> SharedIndexSearcher::catchUp() {
    return m_impl->catchUp();
}
std::int64_t SharedIndexSearcher::generation() const {
    return m_impl->m_cache.generation;
}
std::int64_t SharedIndexSearcher::size() const {
    return m_impl->m_cache.vectors ? m_impl->m_cache.vectors->size() : 0;
}
VectorIndexState SharedIndexSearcher::vectorIndexState() const {
    return m_impl->m_cache.state;
}
const QString& SharedIndexSearcher::cacheFolder() const {
    return m_impl->m_folder;
}

Result<std::vector<PassageHit>>
SharedIndexSearcher::searchPassagesByVector(const float* query, const SearchOptions& options) {
    auto scored = m_impl->nearest(query, options.limit, options);
    if (!scored)
        return scored.error();
    return resolveHits(m_impl->m_connection, *scored);
}

Result<std::vector<DocumentHit>>
SharedIndexSearcher::searchDocumentsByVector(const float* query, const SearchOptions& options) {
    return m_impl->documents(SearchQuery{}, query, options);
}

Result<std::vector<DocumentHit>>
SharedIndexSearcher::similarToPassage(const QString& path, int ordinal,
                                      const SearchOptions& options) {
    const auto missing = [&] {
        return m_impl->m_connection.error(
            ErrorCode::NotFound,
            QStringLiteral("no passage %1#%2 in the index").arg(path).arg(ordinal));
    };
    if (!m_impl->m_model)
        return missing();
    auto liked =
        storedPassageVector(m_impl->m_connection, m_impl->m_model->dimension, path, ordinal);
    if (!liked)
        return liked.error();
    if (!*liked)
        return missing();
    // One document more than asked for, since the liked one itself is dropped.
    SearchOptions wider = options;
    wider.mode = SearchMode::Semantic;
    wider.limit = options.limit + 1;
    auto hits = m_impl->documents(SearchQuery{}, (*liked)->vector.data(), wider);
    if (!hits)
        return hits.error();
    hits->erase(std::remove_if(
                    hits->begin(), hits->end(),
                    [&](const DocumentHit& hit) { return hit.documentId == (*liked)->documentId; }),
                hits->end());
    if (int(hits->size()) > std::max(0, options.limit))
        hits->resize(std::size_t(std::max(0, options.limit)));
    return hits;
}

Result<std::vector<float>> SharedIndexSearcher::Impl::prepareQuery(const SearchQuery& query,
                                                                   const QString& text,
                                                                   const SearchOptions& options) {
    if (text.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("the query is empty"));
    if (options.mode == SearchMode::Keyword)
        return std::vector<float>();
    return embedQuery(query);
}

Result<std::vector<PassageHit>> SharedIndexSearcher::searchPassages(const QString& text,
                                                                    const SearchOptions& options) {
    const SearchQuery query = parseSearchQuery(text);
    auto vector = m_impl->prepareQuery(query, text, options);
    if (!vector)
        return vector.error();
    auto scored =
        m_impl->ranking(query, vector->empty() ? nullptr : vector->data(), options.limit, options);
    if (!scored)
        return scored.error();
    return resolveHits(m_impl->m_connection, *scored);
}

Result<std::vector<DocumentHit>>
SharedIndexSearcher::searchDocuments(const QString& text, const SearchOptions& options) {
    const SearchQuery query = parseSearchQuery(text);
    auto vector = m_impl->prepareQuery(query, text, options);
    if (!vector)
        return vector.error();
    return m_impl->documents(query, vector->empty() ? nullptr : vector->data(), options);
}

QString defaultSharedSearchFolder(const QString& location) {
    return defaultCacheFolder() + QStringLiteral("/shared/") + sharedIndexFolderName(location) +
           QStringLiteral("/search");
}

} // namespace semsearch
