#pragma once

// Bringing a shared index searcher's vector cache (search_cache_files.h) up to the index:
// filling an empty one from every passage on the server, and applying the change log's changes
// after its generation. Errors are the reads' (shared_index_reads.h) and the vector index's.

#include "shared_search/search_cache_files.h"

#include "semsearch/error.h"
#include "semsearch/vector_index_options.h"

#include <cstdint>

namespace semsearch {

class PgConnection;

// A compact cache of every passage's vector built as a local index folder builds its own
// (pipeline/vector_index_build.h: a scan below options.approximateFrom, lists from it with the
// recall guard measuring through re-ranking with the server's vectors), all read in one
// snapshot, at that snapshot's generation.
Result<SearchCache> fillSearchCache(PgConnection& connection, int dimension,
                                    const VectorIndexOptions& options);

// Whether `cache`, at its size now, is to be built again: the local index's rule
// (needsRebuild, needsMeasuring), so that a few passages more or less are only patched in.
bool wantsRefill(const SearchCache& cache, const VectorIndexOptions& options);

struct AppliedChanges {
    int changes = 0;
    std::int64_t passages = 0; // passage ids the changes added or removed
};

// Applies the changes after cache.generation, oldest first, until none is left. Each change is
// applied as "remove every id it added or removed, then add the ids it added", so applying one
// that the vectors already reflect changes nothing.
Result<AppliedChanges> applyChanges(PgConnection& connection, SearchCache& cache);

} // namespace semsearch
