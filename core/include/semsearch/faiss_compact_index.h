#pragma once

// The compact vector cache: every passage's vector in 8 bits per value (FAISS's scalar quantizer,
// a quarter of float32), searched either by a scan of every code or, above a size threshold, by
// an inverted-list index (IVF) that scans only the lists nearest the query. A VectorIndex
// (vector_index.h: ids, threading, errors as stated there) whose results are APPROXIMATE:
//  - scores are the cosine of the decoded 8-bit vectors, within about 0.01 of the true cosine
//    (the quantizer's step per value is 1/255 of that value's range over the training sample);
//  - with lists, a vector whose list is not among the probed ones is not found at all.
// Callers that show scores re-rank the candidates with the full-precision vectors (see
// reranked_vector_index.h); the recall guard (vector_index_build.h) measures how many of the
// exact top 10 the candidates hold.
//
// What is kept where, and why: the store keeps every vector in float32 (the truth, never
// rounded); this cache keeps 1 byte per value in memory and in its file, so a million
// 768-value passages take about 0.8 GB instead of 3.1 GB; exact scores come from re-reading
// the few hundred best candidates' float32 vectors from the store per query.
//
// The quantizer's range per value is trained on a sample (widened by a tenth on each side so
// that vectors added later rarely fall outside it; those that do are clamped, which only makes
// their approximate score less exact). With fewer than kMinTrainingRows sample rows the range is
// [-1, 1], which holds every value of a unit vector.
//
// Threading: const calls may run at the same time from several threads, as long as no
// non-const call (add, remove, setProbes, setSearchThreads) runs concurrently.

#include "semsearch/error.h"
#include "semsearch/vector_index.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace semsearch {

class FaissCompactIndex : public VectorIndex {
public:
    // Sample rows below which the quantizer takes the fixed range [-1, 1].
    static constexpr std::int64_t kMinTrainingRows = 1000;

    // A scan of every code: no vector is ever missed, only its score is approximate.
    // `sample` (sampleRows x dimension, any length; may be null when sampleRows is 0) trains
    // the quantizer. InvalidArgument for dimension < 1, Internal when FAISS fails.
    static Result<std::unique_ptr<FaissCompactIndex>> createScan(int dimension, const float* sample,
                                                                 std::int64_t sampleRows);

    // Inverted lists: `lists` centroids trained by k-means on `sample` (at least `lists` rows,
    // ideally 40 or more per list), searched by probing the `probes` nearest lists.
    // InvalidArgument for dimension < 1, lists < 1, sampleRows < lists, or a sample holding
    // NaN or infinity; Internal when FAISS fails (out of memory).
    static Result<std::unique_ptr<FaissCompactIndex>>
    createLists(int dimension, int lists, int probes, const float* sample, std::int64_t sampleRows);

    // Reads a file written by save(). Every error message starts with "<path>: ". Errors:
    //   NotFound   no file at `path`;  Io  it cannot be read
    //   Mismatch   it holds vectors of another dimension
    //   Corrupt    anything else: not a compact cache, truncated, or its checksum does not
    //              match (any damaged byte), checked before FAISS reads any of it, so damage
    //              can neither crash the process nor make it allocate more than the file holds
    static Result<std::unique_ptr<FaissCompactIndex>> load(const QString& path, int dimension);

    // How many vectors the file at `path` holds, from its header (the data is not checked), or,
    // for the full-precision cache of earlier versions (faiss_vector_index.h), from its layout.
    // Errors as load()'s (no Mismatch).
    static Result<std::int64_t> countIn(const QString& path);

    ~FaissCompactIndex() override;
    FaissCompactIndex(const FaissCompactIndex&) = delete;
    FaissCompactIndex& operator=(const FaissCompactIndex&) = delete;

    int dimension() const override;
    std::int64_t size() const override;
    bool contains(std::int64_t id) const override;
    std::vector<std::int64_t> ids() const override;
    // As vector_index.h; vectors are scaled to unit length before they are encoded. With lists,
    // a new vector goes to the list of its nearest centroid (no retraining).
    Result<void> add(const std::vector<std::int64_t>& ids, const float* vectors) override;
    Result<void> remove(const std::vector<std::int64_t>& ids) override;
    // As vector_index.h with the approximations above. With `allowed`, the allowed vectors'
    // codes are scanned, lists or not, so a filtered search never misses a vector.
    Result<std::vector<ScoredId>>
    search(const float* query, int k,
           const std::vector<std::int64_t>* allowed = nullptr) const override;

    // Whether this is the inverted-list kind, its number of lists (0 for a scan) and the lists
    // a search probes (clamped to [1, lists()]).
    bool usesLists() const;
    int lists() const;
    int probes() const;
    void setProbes(int probes);
    // Threads a scan of codes may use (0 = one per hardware thread). Not thread-safe against a
    // running search().
    void setSearchThreads(int threads);

    // Writes the index to `path` atomically, exactly as FaissVectorIndex::save does (temporary
    // file, fsync, rename, fsync of the folder; permission bits `fileMode`; `beforeRename`
    // called when the temporary file is complete). Errors: Io naming `path`.
    Result<void> save(const QString& path, int fileMode = 0600,
                      const std::function<void()>& beforeRename = {}) const;

private:
    class Impl;
    explicit FaissCompactIndex(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace semsearch
