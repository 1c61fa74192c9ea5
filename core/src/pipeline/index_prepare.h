#pragma once

// Stage 2 of an indexing run (see indexer.h): the files of one batch read and made ready to
// write, before anything is written.
//
//   in:  IndexPlan::toRead, from the position reached so far; the store; the embedder (its
//        tokenizer and input length cut the passages)
//   out: PreparedBatch: per file what the commit does with it (PreparedFile::Action), and the
//        texts the embed stage embeds
//
// Per file: extract (read and decode it: DocumentReader, which runs the helper process
// semsearch-extract for PDF, HTML, DOCX, ODT and EPUB), then compare its content hash with the
// store's. The content the index holds under this path: only its times are recorded (Touch).
// Content another file of the index holds (renamed, copied, moved between files in any pattern):
// that document's passages and vectors are copied now (Reuse), or, if another file of this batch
// embeds it, taken from there (ReuseFromBatch). Otherwise the text is split into passages to
// embed (Embed).
//
// Adding a document reader for another file type: the reader belongs to extract (see
// core/include/semsearch/extract.h: in process for text and Markdown, in the helper's
// core/src/extract/formats/ for third-party parsers); it must give a DocumentText whose
// contentHash is that of the file's bytes, so moved and unchanged files are still recognised
// here. prepareFile() is the one place that calls DocumentReader::read.
//
// Store calls: findDocument, findDocumentsByHash, passagesOfDocument, vectorsOf. Writes nothing.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/indexer.h"
#include "semsearch/store.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace semsearch {

// What the commit does with one file.
struct PreparedFile {
    enum class Action {
        Embed,          // content the index does not hold: its passages are embedded
        Reuse,          // content a stored document holds: its passages and vectors, read
                        // while preparing, are copied
        ReuseFromBatch, // content another file of the batch embeds
        Touch,          // the content indexed for this path: only size and times change
        Skip,           // not indexable (binary, unreadable ...): recorded with its reason
        Vanished,       // deleted since the walk: nothing to index or to record
    };
    Action action = Action::Embed;
    QString path;
    std::optional<DocumentRecord> existing; // the index's record of this path, if any
    DocumentRecord record;                  // what the commit records (not for Skip, Vanished)
    std::vector<PassageRecord> passages;
    std::vector<float> vectors;  // passages.size() x dim, once known (Reuse: now; others: embed)
    std::size_t firstText = 0;   // Embed: index of its first passage in the batch's texts
    std::size_t batchSource = 0; // ReuseFromBatch: the file of the batch that embeds the content
    QString skipReason;          // Skip, Vanished: the reason, without the path
};

struct PreparedBatch {
    std::vector<PreparedFile> files;
    QStringList texts;                       // the Embed files' passages, in file order
    std::size_t passages = 0;                // embedded and copied: what bounds a batch
    QHash<QByteArray, std::size_t> embedded; // content hash -> the file that embeds it
    std::int64_t bytesRead = 0;
};

// Prepares `path` (a file of the plan), read with `reader`, and appends it to `batch`. A file
// that cannot be read is not an error: it becomes Skip (or Vanished when it no longer exists),
// as does one the helper failed on (crashed, hung, over a limit). Errors: the store's.
Result<void> prepareFile(SqliteStore& store, const Embedder& embedder, DocumentReader& reader,
                         const QString& path, PreparedBatch& batch);

// Prepares files of `toRead` from position `next` on, advancing it, until the batch holds
// options.filesPerBatch files or options.passagesPerBatch passages (a file is never split
// across batches) or `toRead` ends.
Result<PreparedBatch> prepareBatch(SqliteStore& store, const Embedder& embedder,
                                   DocumentReader& reader, const QStringList& toRead,
                                   qsizetype& next, const IndexOptions& options);

} // namespace semsearch
