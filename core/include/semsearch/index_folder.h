#pragma once

// An index on disk: one folder holding
//   index.sqlite    the truth: documents, passages, their vectors, skipped files, model identity
//   vectors.faiss   a compact cache of the vectors for fast search (8 bits per value, scanned
//                   whole or, above a size threshold, probed through inverted lists: see
//                   faiss_compact_index.h and vector_index_options.h), rebuilt from SQLite when
//                   missing, stale (its generation differs from the store's) or damaged. Search
//                   results are re-ranked with the full vectors from SQLite, so every score
//                   shown is the exact cosine (reranked_vector_index.h).
//   writer.lock     held by the one process that may change the index
//
// Any number of processes may read an index while one writes it: SQLite runs in WAL mode, and
// readers notice committed changes through the store's vector generation.
//
// Permissions: the index holds the text of every passage. A folder created here is 0700 and
// the files in it 0600, whatever the umask; in an existing folder the files take the
// permission bits of index.sqlite (so an index its owner shared on purpose stays shared).
// Readers need no write access: a folder that may only be read (a shared, packaged or backed-up
// index) is searched as it is, the vectors then held in memory (see SqliteStore::readsSnapshot).

#include "semsearch/abort_point.h"
#include "semsearch/error.h"
#include "semsearch/store.h"
#include "semsearch/vector_index.h"
#include "semsearch/vector_index_options.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QLockFile;

namespace semsearch {

class FaissCompactIndex;
class RerankedVectorIndex;
class SharedVectorCache;

// A source with what is indexed at or below it.
struct SourceOverview {
    SourceRecord source;
    StoreCounts counts; // documents, passages and skipped files at or below source.path
};

// What an index holds besides its passages, read in one consistent snapshot.
struct IndexOverview {
    std::optional<ModelIdentity> model; // none before the first vectors
    // As indexPrecision() (index_precision.h) gives it: none for an index without passages
    // and without a record.
    std::optional<Precision> precision;
    StoreCounts totals;
    std::vector<SourceOverview> sources; // sorted by path
    std::vector<SkippedRecord> skipped;  // sorted by path
    // The file name extensions of the indexed documents (the text after the last '.', lower
    // case, no dot), sorted, each once: what a filter by type can offer.
    QStringList extensions;
};

// A passage with the document it belongs to: what a search result shows.
struct LocatedPassage {
    PassageRecord passage;
    DocumentRecord document;
};

struct VerifyReport {
    QStringList problems; // empty = healthy; each a one-line description
    // Facts that need no repair, e.g. a vector cache left behind by an interrupted run (it is
    // rebuilt from SQLite on the next search).
    QStringList notes;
    // What a repair did, and what it could not keep, one line each.
    QStringList repairs;
    QStringList losses;
    bool vectorCacheRebuilt = false;
    bool ok() const { return problems.isEmpty(); }
};

class IndexFolder {
public:
    enum class Mode {
        Read,  // never changes anything on disk; a missing index is NotFound
        Write, // creates the folder if needed and takes the writer lock
    };

    // Errors: NotFound (Read on a folder without an index), Busy (another process holds the
    // writer lock: the message names the folder and that process's id), Io, Corrupt, and the
    // store's errors. Every message names the folder or file. A database that is missing or
    // empty (0 bytes, or never committed) beside a vector cache that holds vectors is Corrupt in
    // either mode, saying so: the database was lost or truncated, and a new one would quietly
    // start the index over. A database SQLite cannot read at all is Corrupt, saying that
    // nothing in it can be recovered. Unsupported, before anything is touched, for a `folder`
    // that names a shared index on PostgreSQL (shared_index_location.h) instead.
    static Result<std::unique_ptr<IndexFolder>> open(const QString& folder, Mode mode);
    ~IndexFolder();

    const QString& folder() const { return m_folder; }
    Mode mode() const { return m_mode; }
    QString databasePath() const;
    QString vectorIndexPath() const;
    // The database, for the core pipeline (the indexer, the checks, a re-embed) and tests;
    // front ends read through the calls below instead. A reference held across refresh(),
    // vectors() or a read below may be left dangling by them (a snapshot reader reopens it):
    // call store() again after those.
    SqliteStore& store() { return *m_store; }

    // --- Reads for front ends -----------------------------------------------------------------
    // Each picks up what a writer committed first (refresh()). Errors: the store's (store.h),
    // and those of refresh().

    // The model, precision, totals, sources with their counts, and skipped files, all from one
    // snapshot, so that they agree with each other.
    Result<IndexOverview> overview();
    // The model that made the vectors; std::nullopt before the first.
    Result<std::optional<ModelIdentity>> model();
    // The sources, sorted by path.
    Result<std::vector<SourceRecord>> sources();
    // The passages with these ids and their documents, in the order of `ids`; ids that name no
    // passage (removed by a writer since they were found) are left out.
    Result<std::vector<LocatedPassage>> locatePassages(const std::vector<std::int64_t>& ids);
    // The documents with these ids, in the order of `ids`; unknown ids are left out.
    Result<std::vector<DocumentRecord>> documents(const std::vector<std::int64_t>& ids);
    // The ids of the passages `filter` selects, ascending (to restrict a search to them).
    Result<std::vector<std::int64_t>> passagesMatching(const PassageFilter& filter);
    // Calls `visit` with every passage and its vector (dimension floats, valid during the call
    // only), document by document in path order and each document's passages in order, all
    // from one snapshot (an export). Stops early, successfully, when `visit` returns false.
    Result<void> exportPassages(
        const std::function<bool(const DocumentRecord& document, const PassageRecord& passage,
                                 const float* vector, int dimension)>& visit);

    // For a reader that lives long (the window): picks up what a writer did since. A reader in
    // a folder it may not write reads a snapshot of the database (SqliteStore::readsSnapshot),
    // which this reopens when the file has changed; any other store sees commits by itself,
    // and this costs nothing. vectors() does it first. Errors: those of opening the store.
    Result<void> refresh();

    // How the vector index is built and guarded (vector_index_options.h); set before the first
    // vectors() call (later, it applies from the next rebuild).
    void setVectorIndexOptions(const VectorIndexOptions& options) { m_options = options; }
    const VectorIndexOptions& vectorIndexOptions() const { return m_options; }

    // What the writer last built and measured (vector_index_options.h), as recorded in the
    // store when it saved the cache; std::nullopt before the first save. Errors: the store's.
    Result<std::optional<VectorIndexState>> vectorIndexState();

    // The exact top k passages for `query` (dimension floats) over every stored vector, or the
    // `allowed` ones, computed in double precision from the full vectors in the store, no cache
    // involved (search --exact). Best first, ties by ascending id. Reads every vector: about a
    // second per 100,000 passages. Empty while nothing is indexed. Errors: the store's.
    Result<std::vector<ScoredId>> searchExactly(const float* query, int k,
                                                const std::vector<std::int64_t>* allowed);

    // The vector index, brought up to date with the store: loaded from vectors.faiss when that
    // holds the store's current generation, else rebuilt from the stored vectors (and, in Write
    // mode, saved, after the recall guard measured it). Its search() re-ranks with vectors read
    // from this folder's store, so it is used on the thread that uses this folder. Cheap when
    // nothing changed since the last call; call it before each search so a reader sees what a
    // writer has committed: a reader that already holds the vectors applies only the passages added
    // and removed since (no rebuild). `rebuilt` tells whether a full rebuild happened. Null while
    // nothing is indexed (no model identity yet). The pointer stays valid as long as the folder.
    // Folders of one process open on the same database share one cache (the window's writer
    // and reader: no second copy in memory), so a reader may find it already current.
    Result<VectorIndex*> vectors(bool* rebuilt = nullptr);

    // For the writer, after committing changes to the store: applies them to the in-memory
    // vector index as well, so that it stays at the store's generation without a rebuild. When
    // the index thereby crosses VectorIndexOptions::approximateFrom (lists below half of it), or
    // lists have grown or shrunk by more than regrowthFraction since their recall was measured,
    // it is dropped instead, and the next vectors() or saveVectors() rebuilds and measures it.
    Result<void> applyCommitted(const std::vector<std::int64_t>& addedIds,
                                const float* addedVectors,
                                const std::vector<std::int64_t>& removedIds);

    // For a writer, before its first write: SQLite's quick check of the database (see
    // SqliteStore::quickCheck), once per IndexFolder. Corrupt when the database is damaged,
    // with a message saying that nothing was written and how to repair it.
    Result<void> checkBeforeWriting();

    // Writes vectors.faiss atomically and records its generation (Write mode). `abortAt`:
    // test-only, the cache points of abort_point.h.
    Result<void> saveVectors(AbortPoint abortAt = AbortPoint::None);

    // SQLite integrity, the store's invariants, and the vector cache against the store (the
    // same ids, the same count, the file's generation). With `repair` (Write mode):
    //  - a bad vector cache is rebuilt from the database and saved;
    //  - a damaged database (SQLite's integrity check or the store's invariants fail) is
    //    replaced by a new one holding every row that can still be read and is whole
    //    (SqliteStore::salvage): documents with all their passages and vectors, sources,
    //    skipped-file records, the model identity. The damaged file is kept beside it as
    //    index.sqlite.damaged (then .damaged.2 ...), never deleted. `repairs` says what was done,
    //    `losses` what could not be kept (the documents by path, where known); indexing the
    //    sources again restores the lost documents. Other processes that had the index open
    //    keep reading the damaged file until they open the folder again. A database that
    //    cannot be read at all fails to open in the first place (see open());
    //  - documents holding a vector with NaN or infinity (bytes damaged inside a vector, which
    //    SQLite cannot see; no vector cache can take them) are removed and listed in `losses`;
    //  - a vector cache older than the database is rebuilt too.
    // SQLite keeps no checksums: a damaged byte inside a text or a vector that still reads as
    // a finite number is found by neither check.
    Result<VerifyReport> verify(bool repair);

    // Bytes on disk of the database (with its WAL) and the vector cache.
    std::int64_t sizeOnDisk() const;

    // Puts the complete index `replacement` in place of `index` on disk, for a switch of model
    // (see reembedIndex). Both must be open for writing and live on the same file system. Both
    // databases are closed first, then the folders are exchanged with moveFolderIntoPlace while
    // both writer locks are still held, so no other writer can slip in between; the old index
    // is deleted and both locks released. Read-only connections of other processes keep
    // reading the old files until they reopen the folder. Errors: those of
    // moveFolderIntoPlace, which leaves `index` where it was.
    static Result<void> replace(std::unique_ptr<IndexFolder> index,
                                std::unique_ptr<IndexFolder> replacement);

private:
    IndexFolder() = default;
    // (Re)opens m_store on the database, in the folder's mode, noting the file's state.
    Result<void> openStore();
    // The vector cache's changes, each with m_cache's lock held exclusively:
    // every stored vector read into a new cache (the old one freed first);
    Result<void> rebuildVectors();
    // `index`, tuned as `state` says and reflecting `generation`, put in place as the cache;
    void adoptVectors(std::unique_ptr<FaissCompactIndex> index, VectorIndexState state,
                      std::int64_t generation);
    // the cache brought to `generation` by whatever costs least (loaded, caught up, rebuilt);
    Result<void> bringVectorsUpTo(std::int64_t generation, bool* rebuilt);
    // (with the lock held either way) whether the cache can be searched at `generation` as it is.
    bool vectorsAreCurrent(std::int64_t generation) const;
    // The full vectors of `ids` for the re-ranker (RerankedVectorIndex::FullVectors).
    Result<void> readFullVectors(std::vector<std::int64_t>& ids, std::vector<float>& rows);
    void dropVectors();
    // The cache check of verify(), for a healthy database.
    Result<void> verifyVectorCache(VerifyReport& report, bool repair);
    // Replaces the damaged database by what can be salvaged from it (see verify()).
    Result<void> repairDatabase(VerifyReport& report);
    // Vectors holding NaN or infinity (see verify()).
    Result<void> checkVectorValues(VerifyReport& report, bool repair);
    // The keyword index against the passages (see verify()): a problem line per disagreement,
    // or with `repair` on a writable folder, rebuilt from the passages (nothing is lost: the
    // passages hold all its text) and a line in report.repairs instead.
    Result<void> verifyKeywordIndex(VerifyReport& report, bool repair);
    // After refresh(), runs `read` (called with the store) inside one read snapshot of the
    // store: a transaction that is rolled back.
    template <typename Read>
    auto inSnapshot(Read&& read) -> decltype(read(std::declval<SqliteStore&>()));
    // Brings the cache to the store's generation by adding and removing the changed passages
    // (lock held exclusively); false when a rebuild is the better way (another model, mostly
    // new vectors).
    Result<bool> catchUpVectors();

    QString m_folder;
    Mode m_mode = Mode::Read;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<SqliteStore> m_store;
    // The compact cache vectors() keeps current, shared with the other folders of this
    // process open on the same database (shared_vector_cache.h says why and how it is locked).
    std::shared_ptr<SharedVectorCache> m_cache;
    std::unique_ptr<RerankedVectorIndex> m_reranked; // over m_cache: what vectors() gives
    VectorIndexOptions m_options;
    QString m_databaseState; // the database's size and time when m_store was opened
    bool m_checkedForWriting = false;
};

} // namespace semsearch
