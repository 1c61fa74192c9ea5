#pragma once

// Building the compact vector cache (faiss_compact_index.h) from the store, of the kind
// VectorIndexOptions call for at the store's size, with the recall guard run on lists.

#include "pipeline/stored_vectors.h"
#include "semsearch/error.h"
#include "semsearch/faiss_compact_index.h"
#include "semsearch/reranked_vector_index.h"
#include "semsearch/vector_index_options.h"

#include <cstdint>
#include <memory>

namespace semsearch {

struct CompactVectors {
    std::unique_ptr<FaissCompactIndex> index;
    VectorIndexState state;
};

// Every vector of `store` (of `dimension`; the local store or a shared index's passages) in a new
// compact cache: lists from options.approximateFrom passages on, else a scan. With `guard`, lists
// are measured and retuned (recall_guard.h) through a re-ranker reading `fullVectors`; lists that
// fall back are replaced by a scan here. Without it, lists take `previous`'s probes and candidates
// when it describes lists (a reader rebuilding what its writer tuned). Errors: `store`'s, the
// index's.
Result<CompactVectors> buildCompactVectors(StoredVectors& store, int dimension,
                                           const VectorIndexOptions& options, bool guard,
                                           const RerankedVectorIndex::FullVectors& fullVectors,
                                           const std::optional<VectorIndexState>& previous);

// Whether `state`, at `passages` passages, calls for a rebuild (the size crossed the threshold
// either way) or a new measurement (lists, or a fallback, whose size moved by more than
// options.regrowthFraction since measured).
bool needsRebuild(const VectorIndexState& state, std::int64_t passages,
                  const VectorIndexOptions& options);
bool needsMeasuring(const VectorIndexState& state, std::int64_t passages,
                    const VectorIndexOptions& options);

// The exact top k of `query` over every stored vector (or the `allowed` ones), in double
// precision: what `search --exact` shows. Reads every vector (about a second per 100,000).
Result<std::vector<ScoredId>> scanStoreExactly(StoredVectors& store, int dimension,
                                               const float* query, int k,
                                               const std::vector<std::int64_t>* allowed);

} // namespace semsearch
