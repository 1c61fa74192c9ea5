#pragma once

// The store: one SQLite file that is the source of truth of a semsearch index. It holds the
// indexed documents, their passages with each passage's vector, the files that were skipped, and
// metadata (the model that made the vectors, the vector generation). Everything else, the FAISS
// vector index above all, is a cache rebuilt from it.
//
// Conventions
//  - Paths are absolute, as QFileInfo::absoluteFilePath() gives them ('/' separators, no
//    trailing '/'). The store compares them byte for byte (UTF-8); it never touches the files.
//  - Times are milliseconds since the Unix epoch (UTC).
//  - Vectors: a matrix is rows x dim float32 in row-major order, row i belonging to item i. dim
//    is the model identity's dimension. On disk each vector is a little-endian float32 blob of
//    dim * 4 bytes, so values round-trip bit for bit.
//  - Passage ids are assigned by the store, grow, and are never reused, even after the passage
//    with the largest id is deleted: they are the ids of the vector index.
//
// Transactions
//  Every mutating call is atomic on its own. Between begin() and commit() any number of calls
//  form one transaction (the indexer writes one batch of files per transaction): other
//  connections see all of it after commit() or, after rollback() or a crash, none of it. A call
//  that fails inside a transaction leaves no partial change behind, and the transaction stays
//  open for the caller to commit or roll back.
//
// Thread-safety and processes
//  A SqliteStore object is not thread-safe: use each from one thread at a time. Any number of
//  stores, in this process or others, may open the same file, but only one should write
//  (semsearch keeps a writer lock file beside the index). The database runs in WAL mode: readers
//  see the last committed state, never a writer's uncommitted changes, and do not wait for an
//  open write transaction. A writer that finds another write transaction open waits up to 5 s
//  (also the limit for the rare short locks WAL takes), then fails with Busy.
//
// Errors
//  Every message names the database file. NotFound: the file (or its folder) does not exist, or
//  an id names no row. Corrupt: not an SQLite database, or damaged. Unsupported: an SQLite file
//  that is not a semsearch index, or one of a newer schema version than this build knows.
//  Busy: see above. Io: the system refused a read or write (disk full, permissions).
//  InvalidArgument: the caller broke a documented precondition (wrong vector size, a write on a
//  read-only store, a relative path). Mismatch: a model identity that differs from the stored
//  vectors'.

#include "semsearch/error.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace semsearch {

// The model that made an index's vectors. Vectors of two models never mix in one store.
struct ModelIdentity {
    QString name;               // e.g. "bert-base-nli-max-tokens"
    int dimension = 0;          // floats per vector; must be > 0
    QString pooling;            // "max", "mean" or "cls" (see poolingName() in model.h)
    bool normalize = false;     // vectors have unit L2 norm
    QString weightsFingerprint; // see ModelInfo::weightsFingerprint; may be empty
};

struct DocumentRecord {
    std::int64_t id = 0;   // assigned by the store; ignored on input
    QString path;          // absolute, unique in the store
    std::int64_t size = 0; // bytes, as last indexed
    std::int64_t modifiedMs = 0;
    std::int64_t changedMs = 0;   // the file's status-change time (ctime); 0 = unknown
    QByteArray contentHash;       // of the file's bytes; identical content shares vectors
    QString encoding;             // the text encoding the file was decoded with, e.g. "UTF-8"
    std::int64_t indexedAtMs = 0; // when the content was read; 0 on input = now
    int passageCount = 0;         // set by the store
};

struct PassageRecord {
    std::int64_t id = 0;         // assigned by the store; ignored on input
    std::int64_t documentId = 0; // set by the store
    int ordinal = 0;             // 0-based position in its document, set by the store
    std::int64_t byteStart = 0;  // [byteStart, byteEnd) in the file's bytes
    std::int64_t byteEnd = 0;
    int line = 1; // 1-based line of byteStart
    QString text;
};

// A file the indexer looked at and left out, and why ("binary", "too large", "unreadable: ...").
struct SkippedRecord {
    QString path;
    QString reason;
    std::int64_t atMs = 0;
};

// A folder or file the user asked to index. Its documents are those documentsUnder(path).
struct SourceRecord {
    QString path;
    std::int64_t addedMs = 0;
    std::int64_t indexedMs = 0; // the end of the last complete indexing run; 0 = none yet
};

struct StoreCounts {
    std::int64_t documents = 0;
    std::int64_t passages = 0;
    std::int64_t skipped = 0;
};

// What SqliteStore::salvage() copied out of a damaged database, and what it had to leave.
struct SalvageReport {
    // Kept: documents whole (every passage with its vector), their passages, sources and
    // skipped-file records.
    std::int64_t documents = 0;
    std::int64_t passages = 0;
    std::int64_t sources = 0;
    std::int64_t skipped = 0;
    // Found but not whole (a passage or vector unreadable or inconsistent), so left out: their
    // paths, sorted. Indexing their files again restores them.
    QStringList droppedDocuments;
    // Documents whose own row was unreadable: how many there were (as told by their surviving
    // passages) and those passages, left out. Their paths are unknown.
    std::int64_t unreadableDocuments = 0;
    std::int64_t orphanedPassages = 0;
    // One line per stretch of rows that could not be read, e.g. "passages: rows with ids 40 to
    // 71" (rows of a stretch may have been fewer than its ids).
    QStringList unreadable;
    // The model identity could not be read, so no vector could be kept (every document is in
    // droppedDocuments) and the next indexing run records the model afresh.
    bool modelIdentityLost = false;

    bool lostAnything() const {
        return !droppedDocuments.isEmpty() || unreadableDocuments > 0 || !unreadable.isEmpty();
    }
};

enum class StoreMode {
    ReadWrite, // creates the file if missing (0600, private to its owner whatever the umask;
               // SQLite gives its "-wal" and "-shm" files the same permissions) and upgrades an
               // older schema
    ReadOnly,  // never creates, upgrades or changes the database. (Like every WAL reader, it
               // may create the "-wal" and "-shm" files beside it if no other connection has;
               // where it may not, it reads a snapshot: see readsSnapshot().)
};

class SqliteStore {
public:
    // Opens the database at `path`. ReadWrite creates it when missing (its folder must exist),
    // switches it to WAL and brings it to the current schema (see core/src/store/schema.h for
    // the history); a file that is being created or upgraded by another process is waited for.
    // ReadOnly requires an existing index at exactly the current schema version: a missing file
    // gives NotFound (nothing is created), an older schema Unsupported asking to open it for
    // writing once; it works in a folder it may not write (see readsSnapshot()). Either mode:
    // Corrupt for a file that is not an SQLite database, Unsupported for a newer schema or an
    // SQLite file of another application. Damage deeper in the file is not looked for here (that
    // takes a full read: see check()); it surfaces as Corrupt from the call that meets it.
    static Result<std::unique_ptr<SqliteStore>> open(const QString& path,
                                                     StoreMode mode = StoreMode::ReadWrite);
    // Rolls back a transaction left open.
    ~SqliteStore();
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    const QString& path() const; // the database file, made absolute
    StoreMode mode() const;
    // True for a ReadOnly store that SQLite could not open the usual way, for want of write
    // access (a WAL reader must create "-shm" when no other connection has, which a folder it
    // may only read does not allow): it is then opened as an immutable file (SQLite's
    // immutable=1), which takes no locks and reads no "-wal". That is exact while nobody writes
    // the index (a packaged or backed-up index, or a shared one whose writer is not running);
    // once the file changes, reopen it (IndexFolder::refresh does).
    bool readsSnapshot() const;

    // --- Transactions -------------------------------------------------------------------------
    // begin() opens a transaction; calling it while one is open is a bug (asserts; release
    // builds get InvalidArgument). On a ReadWrite store it takes the write lock at once (waiting
    // as described above), so the transaction cannot fail later for want of it. On a ReadOnly
    // store it pins one consistent snapshot for all reads until commit() or rollback().
    Result<void> begin();
    // Makes the transaction's changes durable and visible. On failure the transaction is rolled
    // back. Without an open transaction: a bug (asserts; InvalidArgument).
    Result<void> commit();
    // Discards the transaction's changes. Without an open transaction it does nothing.
    Result<void> rollback();
    bool inTransaction() const;

    // --- Metadata -----------------------------------------------------------------------------
    // std::nullopt until setModelIdentity() was called.
    Result<std::optional<ModelIdentity>> modelIdentity();
    // Records the model. While the store holds passages the identity cannot change (Mismatch):
    // remove the documents first. A new identity counts as a change of the vectors (see
    // vectorGeneration()). InvalidArgument for an empty name or a dimension <= 0.
    Result<void> setModelIdentity(const ModelIdentity& model);

    // A counter, 0 in a new store, that grows with every committed transaction (or stand-alone
    // call) that changed the set of vectors: putDocument, putDocumentCopy, removeDocument of a
    // document with passages, setModelIdentity with a new identity. It is the value of the last
    // commit, also inside a transaction that has pending changes. The vector index cache records
    // the generation it holds, so a reader can tell whether its cache is current.
    Result<std::int64_t> vectorGeneration();
    // The generation of the saved vector index file, written after that file was saved;
    // std::nullopt if none was ever saved.
    Result<std::optional<std::int64_t>> savedIndexGeneration();
    Result<void> setSavedIndexGeneration(std::int64_t generation);

    // Free-form settings for other parts of semsearch. The keys the store uses itself
    // ("vector_generation", "saved_index_generation", "model_*") can be read here but not set
    // (InvalidArgument).
    Result<std::optional<QString>> meta(const QString& key);
    Result<void> setMeta(const QString& key, const QString& value);

    // --- Documents ----------------------------------------------------------------------------
    // std::nullopt when no document has that path.
    Result<std::optional<DocumentRecord>> findDocument(const QString& path);
    // The documents with that content hash, sorted by path; an empty hash matches nothing.
    Result<std::vector<DocumentRecord>> findDocumentsByHash(const QByteArray& contentHash);
    // The documents whose path equals `prefix` or lies in the folder `prefix` at any depth
    // ("/a/b" covers "/a/b" and "/a/b/c/d.txt", never "/a/bc"). A trailing '/' is ignored; an
    // empty prefix or "/" gives every document. Sorted by path (UTF-8 byte order).
    Result<std::vector<DocumentRecord>> documentsUnder(const QString& prefix);
    // In the order of `ids`; unknown ids are left out.
    Result<std::vector<DocumentRecord>> documentsByIds(const std::vector<std::int64_t>& ids);

    // Stores `document` with its passages and their vectors (passages.size() x dim, row i =
    // passages[i]). A document already stored at that path is replaced: it keeps its id, and its
    // old passages and vectors are deleted (their ids are never used again). Returns the
    // document id and writes the store's values back into `passages` (id, documentId, ordinal =
    // index in the vector). Needs a model identity. InvalidArgument: no model identity,
    // vectors.size() != passages.size() * dim, an empty or relative path.
    Result<std::int64_t> putDocument(DocumentRecord document, std::vector<PassageRecord>& passages,
                                     const std::vector<float>& vectors);
    // Stores `document` (replacing as putDocument does) with copies of the passages and vectors
    // of document `sourceId`: a renamed or copied file reuses its vectors without embedding them
    // again. The copies get new passage ids. `sourceId` may be the replaced document itself.
    // Returns the document id. NotFound when `sourceId` names no document.
    Result<std::int64_t> putDocumentCopy(DocumentRecord document, std::int64_t sourceId);
    // Updates only the size, the times (modifiedMs, changedMs) and indexedAtMs (when the
    // unchanged content was confirmed; 0 = now) to those of `stat`: the content is unchanged,
    // e.g. a touched file. Not a change of the vectors. NotFound for an unknown id.
    Result<void> updateDocumentStat(std::int64_t id, const DocumentRecord& stat);
    // Deletes the document with its passages and vectors and returns the deleted passage ids in
    // ascending order (to remove from the vector index). NotFound for an unknown id.
    Result<std::vector<std::int64_t>> removeDocument(std::int64_t id);

    // --- Passages and vectors -----------------------------------------------------------------
    // In the order of `ids`; unknown ids are left out.
    Result<std::vector<PassageRecord>> passages(const std::vector<std::int64_t>& ids);
    // The document's passages by ordinal; empty for an unknown id.
    Result<std::vector<PassageRecord>> passagesOfDocument(std::int64_t documentId);
    // The vectors of `passageIds` as an ids.size() x dim matrix, row i = passageIds[i]. NotFound
    // when an id names no passage.
    Result<std::vector<float>> vectorsOf(const std::vector<std::int64_t>& passageIds);
    // Calls `visit` with every passage id and its vector (dim floats, valid during the call
    // only), in ascending id order, reading one row at a time so memory stays flat however large
    // the store. Stops early, successfully, when `visit` returns false. The scan is a single
    // statement and so sees one consistent snapshot; to see the same snapshot as other reads
    // (vectorGeneration() above all), call it inside begin()/commit(). `visit` must not call
    // this store's mutating methods. Corrupt when a stored vector has the wrong size.
    Result<void>
    forEachVector(const std::function<bool(std::int64_t passageId, const float* vector)>& visit);

    // Selects passages by their document, for filtered search. An empty or zero field filters
    // nothing; the fields combine with AND.
    struct PassageFilter {
        QString pathPrefix;     // as documentsUnder()
        QStringList extensions; // without the dot, e.g. {"md", "txt"}: the text after the last
                                // '.' of the file name, compared ignoring ASCII case
        std::int64_t modifiedAfterMs = 0;  // keeps modifiedMs >= modifiedAfterMs
        std::int64_t modifiedBeforeMs = 0; // keeps modifiedMs < modifiedBeforeMs
    };
    // The matching passage ids in ascending order.
    Result<std::vector<std::int64_t>> passageIds(const PassageFilter& filter);

    // --- Skipped files ------------------------------------------------------------------------
    // Records (or replaces the record for) `path`, dated now. InvalidArgument for an empty or
    // relative path.
    Result<void> recordSkipped(const QString& path, const QString& reason);
    // Forgets the record of `path` and those below it as a folder (documentsUnder() semantics;
    // "/" clears all), so clearing a removed folder clears its files. Clearing what is not
    // recorded is no error. InvalidArgument for an empty or relative path.
    Result<void> clearSkipped(const QString& path);
    // Sorted by path.
    Result<std::vector<SkippedRecord>> skippedFiles();

    Result<StoreCounts> counts();
    // Documents and passages at or below `prefix` (documentsUnder() semantics); skipped files
    // likewise.
    Result<StoreCounts> countsUnder(const QString& prefix);

    // --- Sources ------------------------------------------------------------------------------
    // Records `path` as a source, dated now. Sources never nest: a path at or below an existing
    // source is covered by it and changes nothing; sources below `path` are replaced by it.
    // InvalidArgument for an empty or relative path.
    Result<void> addSource(const QString& path);
    // Sets the time of the last complete indexing run of the source at exactly `path`; NotFound
    // when there is none.
    Result<void> markSourceIndexed(const QString& path, std::int64_t atMs);
    // Forgets the sources at or below `path` (documentsUnder() semantics). Their documents stay:
    // removing them is the indexer's job (Indexer::removeFrom does both).
    Result<void> removeSources(const QString& path);
    // Sorted by path.
    Result<std::vector<SourceRecord>> sources();

    // Copies every row that can still be read from the damaged database at `damagedPath`
    // (opened read-only and never changed) into a new store at `newPath` (must not exist), then
    // keeps only what is whole: documents with all their passages and vectors, the sources,
    // skipped-file records and metadata. Passage ids are kept, and ids continue past the
    // largest the old database gave out (or, where that cannot be read, far past the largest
    // found), so they are still never reused; the vector generation moves on and no saved cache
    // is recorded, so every vector cache is rebuilt. The report says what was kept and lost.
    // Errors: NotFound (no file at damagedPath), InvalidArgument (newPath exists), Corrupt
    // (nothing can be read: the file is not a database, or its schema is unreadable), and the
    // errors of writing the new file. Reads the whole file.
    static Result<SalvageReport> salvage(const QString& damagedPath, const QString& newPath);

    // SQLite's quick_check: the structure of every page, without the cross-checks of check().
    // Returns SQLite's first complaint (one line, without the file name), empty when it found
    // none. Reads the whole file (see bench/bench_store_check for its cost).
    Result<QString> quickCheck();

    // A full health check: SQLite's integrity_check and foreign-key check, then the store's own
    // invariants: every vector is a blob of dim * 4 bytes, every document's passage_count matches
    // its passages, their ordinals are 0..n-1, byte ranges are ordered, passages have a model
    // identity, the metadata parses. Returns one line per problem (at most 100, then a line
    // saying how many more), empty when healthy. Reads the whole file: seconds for a large
    // index. Errors only when the check itself cannot run.
    Result<QStringList> check();

private:
    friend class KeywordStore; // the keyword index, over this store's connection
    struct Impl;
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace semsearch
