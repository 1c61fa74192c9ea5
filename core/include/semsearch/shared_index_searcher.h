#pragma once

// Searching a shared index on PostgreSQL (shared_index_location.h) by meaning, from a vector
// cache on this machine that catches up from the index's change log instead of reloading
// every vector. Answers with the local Searcher's PassageHit and DocumentHit (searcher.h), each
// naming the machine that indexed its document, so that front ends print both kinds alike.
//
// The vector cache: a folder (by default defaultCacheFolder()/shared/
// <sharedIndexFolderName(location)>/search) holding vectors.faiss and cache.json (the
// generation of the change log the vectors reflect, the model identity, the display location,
// how the vectors are searched, a format version). vectors.faiss is the same compact cache a
// local index folder keeps (faiss_compact_index.h: 8 bits per value, ids = the database's
// passage ids), built by the same code with the same VectorIndexOptions: a scan of every code
// below approximateFrom passages, inverted lists from it, measured by the same recall guard
// (vector_index_options.h). open() loads it when it is of the index's model, else fills it from
// every passage on the server; then it applies the changes after its generation until none is
// left (adding and removing codes; the lists are not retrained), rebuilds it when the local
// index's rule says so (the threshold crossed, or lists grown or shrunk by more than
// regrowthFraction since measured), and saves it when anything changed (catchUp() saves less
// often: see there). A cache file that cannot be read (damaged, of another model, or of the
// earlier format that held float32 vectors) is discarded and refilled, never an error. Several
// searchers on one machine may share the folder: saves are atomic and serialised by a lock
// file, and a save never replaces a newer cache with an older one. Applying a change is
// idempotent, so a cache whose cache.json lags its vectors.faiss (a crash between the two
// writes) only replays a few changes.
//
// Exact scores: the best candidates of the compact cache (VectorIndexState::candidates, 200
// unless the guard raised it) are re-ranked with their float32 vectors read from the server in
// one query per search (`WHERE id = ANY(...)`, reranked_vector_index.h): the database is the
// truth, as the store is for a local index, and a read-only role may read it. So the scan's
// results are the exact cosine order and scores of whatever is among the candidates, and the
// searcher holds about a third of the float32 cache's memory, at the price of one round trip
// per search. Measured at 110,240 x 768 on the README's 2-core machine with a loopback server,
// under load (README.md, "Shared index: a searcher's figures"): 86 MB on disk and 107 MB held
// against 340 and 344 MB; reopen 0.37 s against 3.89 s; the re-ranking's read p50 16.7 ms of
// a search's 28.8 ms. A float32 side file in the cache folder would save most of that read but
// keep a second copy of every vector to hold in step with the change log; it was not built.
//
// Modes: all three of the local Searcher's. Semantic ranks by the cache's cosine (scores in
// [-1, 1], equal scores in ascending passage id order); Keyword runs on the server
// (PostgreSQL's full-text search, scores ts_rank_cd); Hybrid fuses the two by reciprocal rank;
// excluded terms (-word) leave out whole documents in every mode. How these differ from the
// local index is in core/src/shared_search/shared_rankings.h. Keyword mode needs no model.
// Filters (SearchFilter) are applied on the server: the passages of the documents that match,
// as the local index selects them. DocumentHit::duplicates stays empty, and no keyword matches
// are reported (PassageHit::keywordMatches).
//
// Reads need only SELECT: a read-only role can search. Errors: PgConnection's (one line naming
// the location without its password; see pg_connection.h), NotFound when the database holds
// no shared index yet, Mismatch when the embedder's model is not the index's, Io when the cache
// folder cannot be created or written, the embedder's, InvalidArgument for an empty query.
// Searches by meaning make one more query each (the re-ranked candidates' vectors), so the
// connection's errors can come from them too.
//
// Threading: one object is used by one thread at a time (it owns one connection).

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/searcher.h"
#include "semsearch/store_records.h"
#include "semsearch/vector_index_options.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace semsearch {

class SharedIndexSearcher {
public:
    // How open() found the cache: Filled from an export of the whole index (no usable cache
    // was there), CaughtUp by applying changes from the change log, or UpToDate.
    enum class Opening { Filled, CaughtUp, UpToDate };

    // Connects to `location`, checks the index, and brings the cache up to date (see above).
    // `embedder` may be null (benchmarks, tools with vectors of their own): searches by text
    // then fail with InvalidArgument, searches by vector work. With an embedder, its model must be
    // the index's (Mismatch), unless the index has no model yet (nothing written). `cacheFolder`
    // empty = the default folder. `options`: as a local index folder's (tests force the lists
    // on a small index with a low approximateFrom).
    static Result<std::unique_ptr<SharedIndexSearcher>>
    open(const QString& location, Embedder* embedder, const QString& cacheFolder = QString(),
         const VectorIndexOptions& options = {});

    ~SharedIndexSearcher();
    SharedIndexSearcher(const SharedIndexSearcher&) = delete;
    SharedIndexSearcher& operator=(const SharedIndexSearcher&) = delete;

    Opening opening() const;
    // The changes open() applied (Filled: those after the export's snapshot).
    int changesAppliedAtOpen() const;

    // Applies the changes committed since the cache's generation; returns how many. The cache
    // is saved once the passages changed since its last save reach a tenth of it, and when the
    // searcher is destroyed (a save writes every vector; open() replays what was not saved).
    Result<int> catchUp();

    // The generation of the change log the cache reflects; 0 for an empty index.
    std::int64_t generation() const;
    // Vectors in the cache.
    std::int64_t size() const;
    // How the cache is searched (scan or lists) and what the recall guard measured.
    VectorIndexState vectorIndexState() const;
    const QString& cacheFolder() const;

    // As Searcher::searchDocuments and searchPassages in Semantic mode (see above). They do
    // not catch up first: call catchUp() when fresher results matter more than a round trip.
    Result<std::vector<DocumentHit>> searchDocuments(const QString& query,
                                                     const SearchOptions& options = {});
    Result<std::vector<PassageHit>> searchPassages(const QString& query,
                                                   const SearchOptions& options = {});
    // The same with a query vector (the index's dimension, as Embedder::embed gives it; no
    // model needed).
    Result<std::vector<PassageHit>> searchPassagesByVector(const float* query,
                                                           const SearchOptions& options);
    Result<std::vector<DocumentHit>> searchDocumentsByVector(const float* query,
                                                             const SearchOptions& options);

    // "More like this" from a passage the index holds: the documents closest in meaning to the
    // stored vector of passage `ordinal` (0-based) of the document at `path` (as the index
    // records it, whichever machine indexed it), ranked as searchDocumentsByVector ranks them,
    // that document itself left out. Needs no model. options.mode is ignored. NotFound naming
    // "path#ordinal" when the index holds no such passage; else searchDocumentsByVector's.
    Result<std::vector<DocumentHit>> similarToPassage(const QString& path, int ordinal,
                                                      const SearchOptions& options);

private:
    class Impl;
    explicit SharedIndexSearcher(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The default cache folder of a searcher of `location`:
// defaultCacheFolder()/shared/<sharedIndexFolderName(location)>/search.
QString defaultSharedSearchFolder(const QString& location);

// Every passage of the shared index at `location` with its document, the machine that indexed
// it and its vector (`dimension` floats, valid during the call only), ordered by document path
// and ordinal, in one snapshot; stops early, successfully, when `visit` returns false. Errors as
// open()'s (without the cache's and the model's).
Result<void> exportSharedIndex(
    const QString& location,
    const std::function<bool(const DocumentRecord& document, const PassageRecord& passage,
                             const QString& machine, const float* vector, int dimension)>& visit);

} // namespace semsearch
