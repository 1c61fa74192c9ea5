#pragma once

// The files of a shared index searcher's vector cache (shared_index_searcher.h): vectors.faiss
// (the compact cache of faiss_compact_index.h, as a local index folder keeps it), cache.json
// beside it, and a lock file that serialises saves and keeps a load from reading the two files
// of two different saves.
//
// cache.json: {"format": 2, "generation": N, "location": display location, "model": {name,
// dimension, pooling, normalize, fingerprint}, "vectorIndex": VectorIndexState::toText()}.
// Format 1 (a full float32 FaissVectorIndex in vectors.faiss) is not read: such a cache is
// refilled, and the save replaces its vectors.faiss. vectors.faiss is written first, cache.json
// second, so that after a crash between the two the vectors are at least as new as the
// generation cache.json names (the changes in between are then applied again, which the
// searcher does idempotently).

#include "semsearch/error.h"
#include "semsearch/faiss_compact_index.h"
#include "semsearch/store_records.h"
#include "semsearch/vector_index_options.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <optional>

namespace semsearch {

struct SearchCache {
    std::unique_ptr<FaissCompactIndex> vectors;
    VectorIndexState state; // how it was built and what the recall guard measured
    std::int64_t generation = 0;
};

// The cache in `folder` when both files are there, readable and of `model`; std::nullopt
// otherwise (missing, damaged, another model or format), with the reason in *why (for a
// log line; empty when there is simply no cache). Never an error: a cache can always be
// refilled.
std::optional<SearchCache> loadSearchCache(const QString& folder, const ModelIdentity& model,
                                           QString* why = nullptr);

// Saves `cache` into `folder` (created if missing), unless the cache there already reflects a
// later generation (another searcher on this machine saved it first). Io naming the folder
// when it cannot be created or written.
Result<void> saveSearchCache(const QString& folder, const SearchCache& cache,
                             const ModelIdentity& model, const QString& location);

} // namespace semsearch
