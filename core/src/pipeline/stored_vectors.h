#pragma once

// Where the compact cache's builder (vector_index_build.h) and the recall guard
// (recall_guard.h) read the full-precision vectors they train, fill and measure with: the
// truth an index keeps, the local store (StoreVectors below) or a shared index's passages on
// PostgreSQL (shared_search/server_vectors.h). Vectors are float32 rows of the index's
// dimension, as vector_index.h describes; ids are passage ids.
//
// Errors: the source's own (the store's, the connection's). Threading: one thread at a time.

#include "semsearch/error.h"
#include "semsearch/store.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace semsearch {

class StoredVectors {
public:
    virtual ~StoredVectors() = default;

    // How many passages hold a vector.
    virtual Result<std::int64_t> count() = 0;
    // Every passage id, in any order.
    virtual Result<std::vector<std::int64_t>> passageIds() = 0;
    // The vectors of `ids`, row i = ids[i]. NotFound when one of them does not exist.
    virtual Result<std::vector<float>> vectorsOf(const std::vector<std::int64_t>& ids) = 0;
    // Every vector once, in any order; stops early, successfully, when `visit` returns false.
    virtual Result<void>
    forEachVector(const std::function<bool(std::int64_t id, const float* vector)>& visit) = 0;
};

// The local store's vectors (store_documents.h).
class StoreVectors : public StoredVectors {
public:
    explicit StoreVectors(SqliteStore& store) : m_store(store) {}

    Result<std::int64_t> count() override {
        auto counts = m_store.counts();
        if (!counts)
            return counts.error();
        return counts->passages;
    }
    Result<std::vector<std::int64_t>> passageIds() override {
        return m_store.documents().passageIds({});
    }
    Result<std::vector<float>> vectorsOf(const std::vector<std::int64_t>& ids) override {
        return m_store.documents().vectorsOf(ids);
    }
    Result<void>
    forEachVector(const std::function<bool(std::int64_t, const float*)>& visit) override {
        return m_store.documents().forEachVector(visit);
    }

private:
    SqliteStore& m_store;
};

} // namespace semsearch
