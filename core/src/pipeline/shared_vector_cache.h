#pragma once

// The vector cache of one index, shared by every IndexFolder of this process that has that
// index open. Why: the window opens its index twice, a writer on the indexing thread and a
// reader on the search thread (each needs a SQLite connection of its own), and at a million
// passages each copy of the compact cache is 0.8 GB; the searcher is to stay under 1 GB.
//
// What it holds: the compact index (faiss_compact_index.h), how it was built and tuned, and
// the store's vector generation it reflects. Each IndexFolder keeps its own re-ranker over it,
// which reads the full vectors through that folder's connection.
//
// Locking: lock() guards everything here. Searches (the VectorIndex calls below) take it shared,
// one call at a time; whoever changes the cache (a writer applying its commit, a reader
// catching up with a writer of another process, a rebuild) holds it exclusively for the whole
// change, so a search never sees half of one, and a rebuild frees the old cache before it
// builds the new one (memory stays at one copy; searches wait for the rebuild). The cache
// only moves forward: its generation is the newest one any of its folders applied, and a
// folder that finds it there already (another thread caught up first) has nothing to do.

#include "semsearch/faiss_compact_index.h"
#include "semsearch/vector_index.h"
#include "semsearch/vector_index_options.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <shared_mutex>

namespace semsearch {

class SharedVectorCache : public VectorIndex {
public:
    // The cache of the database at `databasePath` as it is now (its device and inode decide,
    // so a database replaced by another file, as a re-embed does, gets a cache of its own).
    // The cache lives as long as a folder holds it.
    static std::shared_ptr<SharedVectorCache> of(const QString& databasePath);

    std::shared_mutex& lock() const { return m_lock; }

    // --- With lock() held (exclusively to change anything) ----------------------------------
    FaissCompactIndex* compact() const { return m_compact.get(); }
    const VectorIndexState& state() const { return m_state; }
    std::int64_t generation() const { return m_generation; }
    // The writer saw the size move far enough that the cache should be rebuilt and measured
    // (vector_index_build.h); until it is, the patched cache stays in use.
    bool rebuildWanted() const { return m_rebuildWanted; }
    void setGeneration(std::int64_t generation) { m_generation = generation; }
    void setRebuildWanted(bool wanted) { m_rebuildWanted = wanted; }
    void adopt(std::unique_ptr<FaissCompactIndex> index, const VectorIndexState& state,
               std::int64_t generation);
    void drop();

    // --- VectorIndex, each call taking lock() itself -----------------------------------------
    // With no cache (dropped by a rebuild that failed on another thread), size() is 0 and
    // search() says so in an Internal error; a folder's vectors() builds it again.
    int dimension() const override;
    std::int64_t size() const override;
    bool contains(std::int64_t id) const override;
    std::vector<std::int64_t> ids() const override;
    Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) override;
    Result<void> remove(const std::vector<std::int64_t>& ids) override;
    Result<std::vector<ScoredId>>
    search(const float* query, int k,
           const std::vector<std::int64_t>* allowed = nullptr) const override;

private:
    mutable std::shared_mutex m_lock;
    std::unique_ptr<FaissCompactIndex> m_compact;
    VectorIndexState m_state;
    std::int64_t m_generation = -1;
    bool m_rebuildWanted = false;
};

} // namespace semsearch
