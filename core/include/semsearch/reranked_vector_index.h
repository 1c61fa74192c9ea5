#pragma once

// Exact scores over an approximate candidate index: a VectorIndex (vector_index.h) that asks
// `candidates` (e.g. the compact 8-bit cache of faiss_compact_index.h) for the best
// candidatesPerQuery() vectors, reads those candidates' full-precision vectors (from the store,
// the truth) and orders them by their true cosine with the query, computed in double precision.
// So every score it returns is the exact cosine of the stored vector, up to float rounding, and
// the order is the exact order of what was found; what can differ from an exact scan is only
// which vectors were found: one the candidate index ranks below candidatesPerQuery() others is
// missed. The recall guard (vector_index_build.h) measures how often that happens.
//
// It does not own `candidates` and holds no vectors itself. add() and remove() are passed on to
// `candidates` (the store already holds the full vectors). Threading: as vector_index.h, and
// `fullVectors` must be safe to call from several threads at once if searches run concurrently.

#include "semsearch/error.h"
#include "semsearch/vector_index.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace semsearch {

class RerankedVectorIndex : public VectorIndex {
public:
    // Reads the full vectors of `ids`: drops from `ids` those that no longer exist (a writer
    // removed them since they were found) and fills `rows` (ids.size() x dimension) for the rest,
    // in the order of `ids`. Its Errors are passed on by search().
    using FullVectors =
        std::function<Result<void>(std::vector<std::int64_t>& ids, std::vector<float>& rows)>;

    // Candidates re-ranked per query when the caller sets none: enough that an 8-bit score's
    // error (about 0.01) almost never pushes one of the true top 10 out (bench_search measures).
    static constexpr int kDefaultCandidates = 200;

    RerankedVectorIndex(VectorIndex& candidates, FullVectors fullVectors,
                        int candidatesPerQuery = kDefaultCandidates);

    int dimension() const override { return m_candidates.dimension(); }
    std::int64_t size() const override { return m_candidates.size(); }
    bool contains(std::int64_t id) const override { return m_candidates.contains(id); }
    std::vector<std::int64_t> ids() const override { return m_candidates.ids(); }
    Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) override {
        return m_candidates.add(ids, vectors);
    }
    Result<void> remove(const std::vector<std::int64_t>& ids) override {
        return m_candidates.remove(ids);
    }
    // As vector_index.h: the best max(k, candidatesPerQuery()) candidates re-scored exactly,
    // the k best of them returned. Errors: those of the candidate index and of `fullVectors`.
    Result<std::vector<ScoredId>>
    search(const float* query, int k,
           const std::vector<std::int64_t>* allowed = nullptr) const override;

    int candidatesPerQuery() const { return m_candidatesPerQuery; }
    // At least 1. Not thread-safe against a running search().
    void setCandidatesPerQuery(int candidates);

private:
    VectorIndex& m_candidates;
    FullVectors m_fullVectors;
    int m_candidatesPerQuery;
};

// The exact cosine of two vectors of `d` values, in double precision; 0 if either is all zero.
double exactCosine(const float* a, const float* b, std::size_t d);

} // namespace semsearch
