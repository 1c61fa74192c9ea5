#pragma once

// The store: one SQLite file that is the source of truth of a semsearch index. Everything else,
// the vector index above all, is a cache rebuilt from it. A SqliteStore owns the connection and
// the transaction; what it holds is reached through one small part per concept, all over that
// one connection and inside the same transaction:
//   documents()   documents, their passages and each passage's vector   (store_documents.h)
//   sources()     the folders and files the user asked to index         (store_sources.h)
//   skipped()     the files the indexer left out, and why               (store_skipped_files.h)
//   metadata()    model, precision, vector generation, schema version   (store_metadata.h)
//   keywords()    the keyword index (FTS5) over the passages' text       (store_keywords.h)
// The records they take and give are in store_records.h.
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
#include "semsearch/store_documents.h"
#include "semsearch/store_keywords.h"
#include "semsearch/store_metadata.h"
#include "semsearch/store_records.h"
#include "semsearch/store_skipped_files.h"
#include "semsearch/store_sources.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace semsearch {

struct StoreConnection;

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

    // --- What the store holds ------------------------------------------------------------------
    // The parts live as long as the store; each call on them follows the transaction rules above.
    SqliteDocuments& documents() { return m_documents; }
    SqliteSources& sources() { return m_sources; }
    SqliteSkippedFiles& skipped() { return m_skipped; }
    SqliteIndexMetadata& metadata() { return m_metadata; }
    SqliteKeywords& keywords() { return m_keywords; }

    // Totals over the whole store, in one statement (so they agree with each other).
    Result<StoreCounts> counts();
    // Documents and passages at or below `prefix` (SqliteDocuments::under() semantics); skipped
    // files likewise.
    Result<StoreCounts> countsUnder(const QString& prefix);

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
    explicit SqliteStore(std::unique_ptr<StoreConnection> connection);
    std::unique_ptr<StoreConnection> m_connection; // before the parts, which refer to it
    SqliteDocuments m_documents;
    SqliteSources m_sources;
    SqliteSkippedFiles m_skipped;
    SqliteIndexMetadata m_metadata;
    SqliteKeywords m_keywords;
};

} // namespace semsearch
