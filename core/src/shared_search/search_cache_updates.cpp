#include "shared_search/search_cache_updates.h"

#include "pipeline/vector_index_build.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_snapshot.h"
#include "shared_index/shared_index_reads.h"
#include "shared_search/server_vectors.h"

#include <algorithm>
#include <iterator>

namespace semsearch {

namespace {

// Changes read per round trip while catching up.
constexpr int kChangesPerRead = 100;

} // namespace

Result<SearchCache> fillSearchCache(PgConnection& connection, int dimension,
                                    const VectorIndexOptions& options) {
    return inSnapshot<SearchCache>(connection, [&]() -> Result<SearchCache> {
        auto generation = connection.query("SELECT coalesce(max(generation), 0) FROM changes");
        if (!generation)
            return generation.error();
        ServerVectors stored(connection, dimension);
        auto built = buildCompactVectors(
            stored, dimension, options, true,
            [&](std::vector<std::int64_t>& ids, std::vector<float>& rows) {
                return readServerVectors(connection, dimension, ids, rows);
            },
            std::nullopt);
        if (!built)
            return built.error();
        return SearchCache{std::move(built->index), built->state, generation->integer(0, 0)};
    });
}

bool wantsRefill(const SearchCache& cache, const VectorIndexOptions& options) {
    const std::int64_t passages = cache.vectors->size();
    return needsRebuild(cache.state, passages, options) ||
           needsMeasuring(cache.state, passages, options);
}

Result<AppliedChanges> applyChanges(PgConnection& connection, SearchCache& cache) {
    AppliedChanges applied;
    for (;;) {
        auto changes = changesSinceWithVectors(connection, cache.generation, kChangesPerRead);
        if (!changes)
            return changes.error();
        // A page of changes at once: remove() compacts the whole index, so once per page, not
        // per change. The same end state as one change after the other, since a passage's id
        // is added at most once and `added` holds only passages that still exist.
        std::vector<std::int64_t> gone;
        std::vector<std::int64_t> added;
        std::vector<float> vectors;
        for (const VectorChange& change : *changes) {
            for (const auto* ids : {&change.removed, &change.added})
                std::copy_if(ids->begin(), ids->end(), std::back_inserter(gone),
                             [&](std::int64_t id) { return cache.vectors->contains(id); });
            added.insert(added.end(), change.added.begin(), change.added.end());
            applied.passages += std::int64_t(change.added.size() + change.removed.size());
            vectors.insert(vectors.end(), change.vectors.begin(), change.vectors.end());
        }
        if (!gone.empty())
            if (auto removed = cache.vectors->remove(gone); !removed)
                return removed.error();
        if (auto put = cache.vectors->add(added, vectors.data()); !put)
            return put.error();
        if (!changes->empty())
            cache.generation = changes->back().generation;
        applied.changes += int(changes->size());
        if (int(changes->size()) < kChangesPerRead)
            return applied;
    }
}

} // namespace semsearch
