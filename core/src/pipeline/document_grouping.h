#pragma once

// Passages into documents, for the searches that rank passages and show documents (the local
// Searcher's keyword search, a shared index's search by meaning).

#include "semsearch/searcher.h"

#include <vector>

namespace semsearch {

// Passages (best first) grouped into their documents in the order of each document's best one:
// at most `count` documents, each with at most `perDocument` passages, its score its best
// passage's, its path and machine the passages'. modifiedMs and duplicates are left empty.
std::vector<DocumentHit> groupByDocument(std::vector<PassageHit> passages, int count,
                                         int perDocument);

} // namespace semsearch
