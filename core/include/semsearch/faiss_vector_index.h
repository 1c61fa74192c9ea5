#pragma once

// The vector cache of an index folder: a VectorIndex (vector_index.h: ids, rows, scores,
// threading and errors as stated there) held in memory and saved as a file beside the store
// (vectors.faiss), which is thrown away (and rebuilt from the store) whenever it is missing,
// damaged, of another dimension or older than the store.
//
// Search is exact (every vector is compared; no approximation, no training), so results never
// depend on tuning. Its time grows linearly with the vectors scanned (all of them, or the allowed
// subset). Measured with bench/bench_search on the 2-core AVX-512 machine of README.md, 768
// dimensions, one query: 100,000 vectors in 23 ms on one core and 11 ms on two; 10,000 in
// 0.7 ms. Memory and file size: about 4 bytes x dimension + 50 per vector (100,000 x 768:
// 308 MB).
//
// Threading: const calls (search, contains, ids, size, dimension, save) may run at the same time
// from several threads, as long as no non-const call (add, remove, setSearchThreads) runs
// concurrently; callers serialise writers (the one-writer rule of DESIGN.md). The index never
// starts threads of its own except inside search(), where it joins them before returning.
//
// Implemented with FAISS (an IndexIDMap2 over an IndexFlatIP) as the storage and file format;
// FAISS exceptions are caught inside and come out as Errors.

#include "semsearch/error.h"
#include "semsearch/vector_index.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace semsearch {

class FaissVectorIndex : public VectorIndex {
public:
    // An empty index for vectors of `dimension` values (>= 1; else InvalidArgument).
    static Result<std::unique_ptr<FaissVectorIndex>> create(int dimension);

    // Reads a file written by save(). The file must hold an index of exactly this kind for
    // `dimension`; every error message starts with "<path>: ". Errors:
    //   NotFound        no file at `path`
    //   Io              the file cannot be opened or read
    //   Mismatch        the file holds vectors of another dimension
    //   Corrupt         anything else: empty, truncated, not a FAISS file, another FAISS index
    //                   type or metric, duplicate ids, a stored vector that is not unit length or
    //                   zero (which a damaged byte in the data usually makes)
    //   InvalidArgument dimension < 1
    // The file's structure is checked against its size before anything is allocated, so a
    // damaged file can neither crash the process nor make it allocate more than the file holds.
    static Result<std::unique_ptr<FaissVectorIndex>> load(const QString& path, int dimension);

    // How many vectors the file written by save() at `path` holds, of whatever dimension, from
    // its header after the same checks of its layout as load() (the vectors are not read).
    // Errors as load()'s (no Mismatch).
    static Result<std::int64_t> countIn(const QString& path);

    ~FaissVectorIndex() override;
    FaissVectorIndex(const FaissVectorIndex&) = delete;
    FaissVectorIndex& operator=(const FaissVectorIndex&) = delete;

    int dimension() const override;
    std::int64_t size() const override;

    // Adds ids.size() vectors (rows x dimension(), see above). Each is scaled to unit length on
    // the way in, so only its direction counts; an all-zero vector stays zero and scores 0
    // against every query. The index does not keep `vectors`.
    // Adding an id that is already present (or twice in one call) is a bug in the caller: the
    // index stays unchanged and the call returns InvalidArgument naming the id. A vector holding
    // NaN or infinity gives InvalidArgument as well. All checks run before anything is added,
    // so a failed add() leaves the index as it was.
    Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) override;

    // Removes the vectors of these ids; ids that are not present are ignored. Takes time
    // proportional to size() (the flat storage is compacted), so pass many ids at once.
    Result<void> remove(const std::vector<std::int64_t>& ids) override;

    bool contains(std::int64_t id) const override;

    // All ids, ascending (to compare with the store).
    std::vector<std::int64_t> ids() const override;

    // The k vectors most similar to `query` (dimension() values; scaled to unit length first, so
    // its length does not matter; an all-zero query scores 0 everywhere), best first; equal
    // scores come in ascending id order. Fewer than k results if fewer vectors qualify; k = 0
    // gives none; k < 0, a null query or a query holding NaN or infinity gives InvalidArgument.
    // With `allowed`, only vectors whose id is in *allowed are considered (order and duplicates
    // do not matter; ids that are not in the index are ignored; an empty list gives no results).
    // Thread-safe as described at the top. Uses up to searchThreads() threads when the scan is
    // big enough to pay for them (about 2 million values, e.g. 2,700 vectors of 768 per thread).
    Result<std::vector<ScoredId>>
    search(const float* query, int k,
           const std::vector<std::int64_t>* allowed = nullptr) const override;

    // Threads one search() may use; 0 (the default) = one per hardware thread. A scan of many
    // vectors is limited by how fast one core computes dot products, so a second core nearly
    // halves the time (bench/bench_search). Not thread-safe against a running search().
    void setSearchThreads(int threads);
    int searchThreads() const;

    // Writes the index to `path` atomically: to "<path>.tmp", fsync, rename over `path`, fsync
    // the folder. On any failure (folder missing or read-only, disk full) the file at `path`,
    // if any, is left as it was, "<path>.tmp" is removed, and the error (Io) names `path` and
    // says what the system reported. Two save()s to the same path must not overlap (they would
    // share the temporary file). The file gets the permission bits `fileMode` whatever the
    // umask (default 0600: the vectors are derived from the user's text). `beforeRename`, if
    // set, is called once the temporary file is complete and synced, just before it replaces
    // `path` (crash tests stop the process there).
    Result<void> save(const QString& path, int fileMode = 0600,
                      const std::function<void()>& beforeRename = {}) const;

private:
    class Impl;
    explicit FaissVectorIndex(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace semsearch
