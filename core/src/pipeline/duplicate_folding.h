#pragma once

// Identical documents in several places (a file copied into two folders, a backup beside the
// original) would fill a result list with the same text. They are folded into one result that
// names the others.
//
// What counts as identical: the same content hash (SHA-256 of the file's bytes), nothing
// looser. Near-identical files (an edited copy) stay separate results.

#include "semsearch/searcher.h"
#include "semsearch/store.h"

#include <vector>

namespace semsearch {

// Keeps the first (best ranked) of each set of identical documents in `ranked` and puts the
// paths of its copies into its `duplicates`: those further down `ranked` and every other copy
// in the store. Returns at most `limit` results, in their order. Store errors only.
Result<std::vector<DocumentHit>> foldDuplicates(SqliteStore& store, std::vector<DocumentHit> ranked,
                                                int limit);

} // namespace semsearch
