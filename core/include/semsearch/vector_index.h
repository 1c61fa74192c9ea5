#pragma once

// The vector index: every passage's vector, searchable by cosine similarity. This header is the
// contract every implementation keeps, so that the one IndexFolder uses can change (today the
// FAISS cache of faiss_vector_index.h; ExactVectorIndex in exact_vector_index.h, in memory, for
// tests; later an approximate or a remote one) without its callers changing.
//
// Role: a cache. The store (store.h) holds every vector as the truth; an index is built from
// it, patched as passages come and go (IndexFolder keeps it at the store's vector generation),
// and thrown away and rebuilt whenever it cannot be trusted. An implementation never needs to
// be the only copy of anything.
//
// Ids and rows: vectors are float32, dimension() values each; a matrix is rows x dimension() in
// row-major order and row i belongs to ids[i]. Ids are passage ids: any int64 value, unique in
// the index, never reused by the store for another passage. The index keeps no row order of
// its own that callers may rely on: ids() is ascending, search results are best first.
//
// Scores: cosine similarity in [-1, 1], up to float rounding (a vector scores 1 +- 1e-6 against
// itself). Only a vector's direction counts: vectors and queries are taken as scaled to unit
// length; an all-zero vector scores 0 against everything. Equal scores come in ascending id
// order, so results are deterministic. An exact implementation compares every vector; an
// approximate one must say in its header how far its results may differ from an exact one's.
//
// Threading: const calls may run at the same time from several threads, as long as no
// non-const call runs concurrently; callers serialise writers (the one-writer rule of
// DESIGN.md). An implementation may use threads inside a call but joins them before returning.
//
// Errors are values: an implementation catches its library's exceptions and returns Errors.
// InvalidArgument marks a caller's bug (a duplicate id, NaN or infinity in a vector, k < 0, a
// null query); a failed add() or remove() leaves the index as it was. Internal: the library
// failed (out of memory). A remote implementation adds Io and Busy for its connection.

#include "semsearch/error.h"

#include <cstdint>
#include <vector>

namespace semsearch {

struct ScoredId {
    std::int64_t id = 0; // passage id
    float score = 0;     // cosine similarity to the query
};

class VectorIndex {
public:
    virtual ~VectorIndex() = default;

    // Values per vector (>= 1), fixed when the index is made.
    virtual int dimension() const = 0;
    // Number of vectors.
    virtual std::int64_t size() const = 0;
    virtual bool contains(std::int64_t id) const = 0;
    // All ids, ascending (to compare with the store).
    virtual std::vector<std::int64_t> ids() const = 0;

    // Adds ids.size() vectors (rows x dimension(), see above). The index does not keep
    // `vectors`. Adding an id that is already present (or twice in one call), or a vector
    // holding NaN or infinity, is InvalidArgument naming the id; all checks run before anything
    // is added, so a failed add() leaves the index as it was. No ids: nothing happens.
    virtual Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) = 0;

    // Removes the vectors of these ids; ids that are not present are ignored.
    virtual Result<void> remove(const std::vector<std::int64_t>& ids) = 0;

    // The k vectors most similar to `query` (dimension() values; its length does not matter),
    // best first, equal scores in ascending id order. Fewer than k results if fewer vectors
    // qualify; k = 0 gives none; k < 0, a null query or a query holding NaN or infinity gives
    // InvalidArgument. With `allowed`, only vectors whose id is in *allowed are considered (order
    // and duplicates do not matter; ids that are not in the index are ignored; an empty list
    // gives no results).
    virtual Result<std::vector<ScoredId>>
    search(const float* query, int k, const std::vector<std::int64_t>* allowed = nullptr) const = 0;
};

} // namespace semsearch
