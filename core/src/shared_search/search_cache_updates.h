#pragma once

// Bringing a shared index searcher's vector cache (search_cache_files.h) up to the index:
// filling an empty one from an export of every passage, and applying the change log's changes
// after its generation. Errors are the reads' (shared_index_reads.h) and the vector index's.

#include "shared_search/search_cache_files.h"

#include "semsearch/error.h"

#include <cstdint>

namespace semsearch {

class PgConnection;

// A cache of every passage's vector, at the generation of the snapshot the export read.
Result<SearchCache> fillSearchCache(PgConnection& connection, int dimension);

struct AppliedChanges {
    int changes = 0;
    std::int64_t passages = 0; // passage ids the changes added or removed
};

// Applies the changes after cache.generation, oldest first, until none is left. Each change is
// applied as "remove every id it added or removed, then add the ids it added", so applying one
// that the vectors already reflect changes nothing.
Result<AppliedChanges> applyChanges(PgConnection& connection, SearchCache& cache);

} // namespace semsearch
