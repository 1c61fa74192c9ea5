#include "shared_search/search_cache_updates.h"

#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_reads.h"

#include <algorithm>
#include <iterator>

namespace semsearch {

namespace {

// Vectors handed to the index at once during a fill: few enough to keep the copy small
// (4,096 x 768 floats = 12 MB), many enough that the per-call cost does not show.
constexpr std::size_t kFillBatch = 4096;

// Changes read per round trip while catching up.
constexpr int kChangesPerRead = 100;

} // namespace

Result<SearchCache> fillSearchCache(PgConnection& connection, int dimension) {
    auto created = FaissVectorIndex::create(dimension);
    if (!created)
        return created.error();
    SearchCache cache{std::move(created).value(), 0};
    std::vector<std::int64_t> ids;
    std::vector<float> vectors;
    Result<void> added;
    const auto flush = [&] {
        added = cache.vectors->add(ids, vectors.data());
        ids.clear();
        vectors.clear();
        return added.ok();
    };
    auto generation = exportPassages(
        connection,
        [&](const SharedPassage& passage, const float* vector) {
            ids.push_back(passage.passage.id);
            vectors.insert(vectors.end(), vector, vector + dimension);
            return ids.size() < kFillBatch || flush();
        },
        1024);
    if (!generation)
        return generation.error();
    if (!added || !flush())
        return added.error();
    cache.generation = *generation;
    return cache;
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
