#pragma once

// From the vector cache's nearest ids to the results a front end shows, for a shared index:
// the passages' text and documents read from the server, grouped into documents as the local
// Searcher groups them, and the passages a filter allows. Errors are PgConnection's.

#include "semsearch/error.h"
#include "semsearch/searcher.h"
#include "semsearch/vector_index.h"

#include <QHash>

#include <cstdint>
#include <vector>

namespace semsearch {

class PgConnection;

// The ids of the passages whose documents `filter` keeps (SearchFilter, as the local index
// reads it: a path prefix as a file or a folder, extensions ignoring ASCII case, modifiedMs in
// [after, before)), ascending.
Result<std::vector<std::int64_t>> filteredPassageIds(PgConnection& connection,
                                                     const SearchFilter& filter);

// The hits of `scored`, in its order; passages removed from the index since the cache read
// their vectors are left out. With `modifiedMs`, each hit's document's modification time is
// recorded there by document id.
Result<std::vector<PassageHit>>
resolveHits(PgConnection& connection, const std::vector<ScoredId>& scored,
            QHash<std::int64_t, std::int64_t>* modifiedMs = nullptr);

// Passages (best first) grouped by document as the local Searcher groups them
// (pipeline/document_grouping.h), each document's modifiedMs from `modifiedMs` (resolveHits).
std::vector<DocumentHit> documentsOf(std::vector<PassageHit> hits, int limit, int perDocument,
                                     const QHash<std::int64_t, std::int64_t>& modifiedMs);

} // namespace semsearch
