#pragma once

// The records the store holds and hands out, shared by its parts (store.h, store_documents.h,
// store_sources.h, store_skipped_files.h, store_metadata.h). The conventions for paths, times,
// vectors and ids are stated once, at the top of store.h.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
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
    QString encoding;             // the text encoding the file was decoded with ("UTF-8", ...),
                                  // or its format for formats semsearch-extract reads ("pdf")
    std::int64_t indexedAtMs = 0; // when the content was read; 0 on input = now
    int passageCount = 0;         // set by the store
};

struct PassageRecord {
    std::int64_t id = 0;         // assigned by the store; ignored on input
    std::int64_t documentId = 0; // set by the store
    int ordinal = 0;             // 0-based position in its document, set by the store
    std::int64_t byteStart = 0;  // [byteStart, byteEnd) in the file's bytes (Markdown, text) or
                                 // in its extracted text as UTF-8 (formats semsearch-extract
                                 // reads; see DocumentText::byteOffset)
    std::int64_t byteEnd = 0;
    int line = 1; // 1-based line of byteStart
    QString text;
    int page = 0;    // 1-based page it starts on (PDF); 0 = none
    QString section; // heading of the section it starts in; empty = none
};

// A file the indexer looked at and left out, and why ("binary", "too large", "unreadable: ...").
struct SkippedRecord {
    QString path;
    QString reason;
    std::int64_t atMs = 0;
};

// A folder or file the user asked to index. Its documents are those SqliteDocuments::under(path).
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
    // Found but not whole (a passage, vector or place unreadable or inconsistent, or a text
    // overwritten by damage, which shows as invalid UTF-8), so left out: their paths, sorted.
    // Indexing their files again restores them.
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

// Selects passages by their document, for filtered search (SqliteDocuments::passageIds). An
// empty or zero field filters nothing; the fields combine with AND.
struct PassageFilter {
    QString pathPrefix;     // as SqliteDocuments::under()
    QStringList extensions; // without the dot, e.g. {"md", "txt"}: the text after the last
                            // '.' of the file name, compared ignoring ASCII case
    std::int64_t modifiedAfterMs = 0;  // keeps modifiedMs >= modifiedAfterMs
    std::int64_t modifiedBeforeMs = 0; // keeps modifiedMs < modifiedBeforeMs
};

} // namespace semsearch
