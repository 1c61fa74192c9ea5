#pragma once

// What every scan of a vector cache does around its kernel: split the rows over threads when
// there are enough values to pay for them, and keep the k best scores.

#include "semsearch/error.h"
#include "semsearch/vector_index.h"

#include <cstddef>
#include <functional>
#include <vector>

namespace semsearch {

// Calls scan(begin, end) on consecutive ranges covering [0, count), on up to `threads` threads
// (0 = one per hardware thread) but only as many as have about 2 million values each to scan
// (8 MB, ~0.7 ms: starting a thread costs ~30 us). Joins them before returning; if no thread
// can be started, the calling thread does that share.
void scanInParallel(std::size_t count, std::size_t valuesPerRow, int threads,
                    const std::function<void(std::size_t begin, std::size_t end)>& scan);

// The checks every VectorIndex::search makes on its arguments: a query of `dimension` finite
// values, and k >= 0. InvalidArgument naming the problem ("vector index: ...").
Result<void> checkSearchArguments(const float* query, int k, int dimension);

// Best first: higher score, then smaller id (the order vector_index.h promises).
inline bool betterScored(const ScoredId& a, const ScoredId& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
}

// The k best of candidate(0) .. candidate(count - 1), best first.
std::vector<ScoredId> bestScored(std::size_t count, std::size_t k,
                                 const std::function<ScoredId(std::size_t)>& candidate);

} // namespace semsearch
