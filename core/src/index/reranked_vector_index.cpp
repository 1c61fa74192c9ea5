#include "semsearch/reranked_vector_index.h"

#include "index/scan_support.h"

#include <algorithm>
#include <cmath>

namespace semsearch {

double exactCosine(const float* a, const float* b, std::size_t d) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < d; ++i) {
        ab += double(a[i]) * double(b[i]);
        aa += double(a[i]) * double(a[i]);
        bb += double(b[i]) * double(b[i]);
    }
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

RerankedVectorIndex::RerankedVectorIndex(VectorIndex& candidates, FullVectors fullVectors,
                                         int candidatesPerQuery)
    : m_candidates(candidates), m_fullVectors(std::move(fullVectors)),
      m_candidatesPerQuery(std::max(1, candidatesPerQuery)) {}

void RerankedVectorIndex::setCandidatesPerQuery(int candidates) {
    m_candidatesPerQuery = std::max(1, candidates);
}

Result<std::vector<ScoredId>>
RerankedVectorIndex::search(const float* query, int k,
                            const std::vector<std::int64_t>* allowed) const {
    // A negative k goes through as it is, for the candidate index to refuse.
    auto found = m_candidates.search(query, k < 0 ? k : std::max(k, m_candidatesPerQuery), allowed);
    if (!found || k == 0 || found->empty())
        return found.ok() && k == 0 ? std::vector<ScoredId>() : found;
    std::vector<std::int64_t> ids;
    ids.reserve(found->size());
    for (const ScoredId& hit : *found)
        ids.push_back(hit.id);
    std::vector<float> rows;
    if (auto read = m_fullVectors(ids, rows); !read)
        return read.error();
    const std::size_t d = std::size_t(dimension());
    std::vector<ScoredId> exact;
    exact.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        exact.push_back({ids[i], float(exactCosine(query, rows.data() + i * d, d))});
    std::sort(exact.begin(), exact.end(), betterScored);
    exact.resize(std::min(exact.size(), std::size_t(k)));
    return exact;
}

} // namespace semsearch
