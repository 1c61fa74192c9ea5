#pragma once

// A VectorIndex (vector_index.h) held in memory and searched by brute force in double
// precision: the plainest implementation of the contract, for tests (of the contract itself,
// and as a reference the FAISS cache is compared with) and for anything small enough that a
// plain scan is all it needs. Nothing is saved; memory is about 8 bytes x dimension per
// vector. Search time grows linearly with the vectors scanned. Threading and errors as stated
// in vector_index.h; it starts no threads.

#include "semsearch/error.h"
#include "semsearch/vector_index.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace semsearch {

class ExactVectorIndex : public VectorIndex {
public:
    // An empty index for vectors of `dimension` values (>= 1; else InvalidArgument).
    static Result<std::unique_ptr<ExactVectorIndex>> create(int dimension);

    int dimension() const override { return m_dimension; }
    std::int64_t size() const override { return std::int64_t(m_ids.size()); }
    bool contains(std::int64_t id) const override { return m_rows.count(id) != 0; }
    std::vector<std::int64_t> ids() const override;
    Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) override;
    Result<void> remove(const std::vector<std::int64_t>& ids) override;
    Result<std::vector<ScoredId>>
    search(const float* query, int k,
           const std::vector<std::int64_t>* allowed = nullptr) const override;

private:
    explicit ExactVectorIndex(int dimension) : m_dimension(dimension) {}

    int m_dimension;
    std::vector<std::int64_t> m_ids;                      // row i's id
    std::vector<double> m_unitRows;                       // rows x dimension, each of unit length
    std::unordered_map<std::int64_t, std::size_t> m_rows; // id -> row
};

} // namespace semsearch
