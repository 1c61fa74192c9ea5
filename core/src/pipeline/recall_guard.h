#pragma once

// The recall guard (vector_index_options.h): how many of the exact top 10 an index finds,
// measured with a sample of the store's own passages as queries, and the retuning that follows
// a low measurement. The exact neighbours come from one pass over every stored vector.

#include "pipeline/stored_vectors.h"
#include "semsearch/error.h"
#include "semsearch/faiss_compact_index.h"
#include "semsearch/reranked_vector_index.h"
#include "semsearch/vector_index_options.h"

#include <cstdint>
#include <vector>

namespace semsearch {

// The exact k nearest stored passages of each query (unit-length rows of `dimension`), by
// cosine, best first, query i's own passage queryIds[i] left out; all in one pass over the
// store's vectors. Errors: the store's.
Result<std::vector<std::vector<std::int64_t>>>
exactNeighbours(StoredVectors& store, int dimension, const std::vector<float>& queries,
                const std::vector<std::int64_t>& queryIds, int k);

// A sample of the store's passages with their exact top 10, measured once and then used for
// every retuning step.
class RecallSample {
public:
    // Up to `queries` passages chosen at random (a fixed seed: the same store gives the same
    // sample). Errors: the store's.
    static Result<RecallSample> draw(StoredVectors& store, int dimension, int queries);
    // recall@10 of `index`: the share of the exact top 10 (own passage left out) it returns in
    // its top 10. 1 for an empty sample. Errors: the index's.
    Result<double> measure(const VectorIndex& index) const;

private:
    int m_dimension = 0;
    std::vector<std::int64_t> m_ids;
    std::vector<float> m_queries;
    std::vector<std::vector<std::int64_t>> m_truth;
};

// Measures `reranked` (over `lists`) with `sample` and retunes until recall@10 reaches
// options.minimumRecall: each step doubles the lists probed (up to a quarter of them) and the
// candidates re-ranked (up to 800). Records every measurement in `state`; sets state.fellBack
// when the last step still misses (the caller then scans instead).
Result<void> guardRecall(const RecallSample& sample, FaissCompactIndex& lists,
                         RerankedVectorIndex& reranked, const VectorIndexOptions& options,
                         VectorIndexState& state);

} // namespace semsearch
