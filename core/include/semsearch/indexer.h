#pragma once

// Brings an index up to date with files and folders on disk:
//   files -> extract (decode, sentences, passages) -> embed -> store (SQLite) -> vector index.
// Incremental: a file whose stat shows it unchanged is not read (the rule below); one whose
// content hash is unchanged is not embedded; one whose content matches an indexed document
// (renamed, copied, or moved between files in any pattern, swaps and rotations included) reuses its
// vectors, and a reuse that cannot be made is embedded instead; documents whose files are gone are
// removed. Whatever changed between runs, a complete run leaves the index holding what a clean
// index of the same files would hold, skipped-file records included (the skip records under the
// requested paths are this run's).
//
// "Unchanged by its stat": the file's size, modification time and status-change time (ctime)
// all equal those recorded when it was last read, and both times lie at least 3 s before that
// read. The ctime catches what the mtime cannot: every write sets it and no program can set it
// back, so an edit that keeps the size and restores the mtime (touch -d, a copy that keeps
// times) is still seen. The 3 s catch an edit within the same tick of the file system's clock
// as the read, which leaves both times as they were (git's "racily clean" rule). Any other
// file is read and hashed; the same hash only updates the recorded times. (A chmod, rename or
// hard link sets the ctime too: such a file is read once more, not embedded.)
//
// Crash-safe: files are committed in batches, one SQLite transaction per batch. A process killed
// at any moment leaves an index that opens, verifies and resumes: whatever was committed stays,
// nothing is duplicated, and the vector cache is rebuilt from SQLite if it was left behind.
//
// Synchronous; runs on the caller's thread. One Indexer per IndexFolder opened for writing.
//
// A run is a list of stages, one file each in core/src/pipeline/ whose header states its input,
// its output and the store calls it makes:
//   claim    (index_claim)    the index takes this model, precision and these sources
//   plan     (index_plan)     walk the sources; by stat: new, maybe changed, unchanged
//   then batch by batch:
//   prepare  (index_prepare)  read and decode (extract), compare content hashes: unchanged,
//                             renamed or copied (vectors reused), new or changed (split into
//                             passages)
//   embed    (index_embed)    the new passages' vectors
//   commit   (index_commit)   one store transaction, then the vector cache's catch-up
//   then, unless cancelled:
//   sweep    (index_sweep)    remove what vanished; the skip records and sources made final
// Where the next features plug in: a document reader per file type goes into extract and is
// called from prepare (index_prepare.h says how); an index written beside the passages (keyword
// search) is written in commit's transaction and dropped where commit and sweep remove
// documents (index_commit.h says how).

#include "semsearch/abort_point.h"
#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/index_folder.h"
#include "semsearch/model_identity.h"
#include "semsearch/progress.h"

#include <QStringList>

namespace semsearch {

struct IndexOptions {
    WalkOptions walk;
    // How documents other than text and Markdown are read (walk.maxFileBytes caps every file).
    ExtractorOptions extract;
    // A batch (one transaction, one progress report, one pause/cancel check) closes after this
    // many files or passages, whichever comes first. A single file is never split across
    // batches: a document is either fully indexed or not at all.
    int filesPerBatch = 64;
    int passagesPerBatch = 512;
    // Test-only (see abort_point.h): kill the process when the run reaches this point.
    AbortPoint abortAt = AbortPoint::None;
};

// What a run did. Every entry the walk found lands in exactly one of added, updated, reused,
// unchanged and skipped, so they add up to filesSeen (fewer when the run was cancelled).
// filesRemoved counts documents, not among filesSeen.
struct IndexStats {
    std::int64_t filesSeen = 0;      // files found under the requested paths, and the entries
                                     // the walk skipped (a skipped folder counts once)
    std::int64_t filesAdded = 0;     // new documents, embedded
    std::int64_t filesUpdated = 0;   // changed documents, re-embedded
    std::int64_t filesReused = 0;    // content already indexed under another path (renamed,
                                     // copied, moved between files): its vectors are copied
    std::int64_t filesUnchanged = 0; // nothing to do (or only the stored times changed)
    std::int64_t filesSkipped = 0;   // binary, too large, unreadable, hidden ... (recorded with
                                     // reasons), or deleted while the run went on (not recorded)
    std::int64_t filesRemoved = 0;   // documents whose files are gone (deleted, or no longer
                                     // found: now excluded, hidden, too large or unreadable)
    std::int64_t passagesEmbedded = 0;
    std::int64_t passagesReused = 0;
    std::int64_t bytesRead = 0;
    double seconds = 0;
    double embedSeconds = 0;   // time inside Embedder::embed
    double extractSeconds = 0; // time waiting for semsearch-extract (PDF, HTML, DOCX, ...)
    bool cancelled = false;    // stopped by the WorkControl; what was committed stays
};

class Indexer {
public:
    // Both must outlive the Indexer. `index` must be open in Write mode.
    Indexer(IndexFolder& index, Embedder& embedder, IndexOptions options = {});

    // Indexes `paths` (files or folders). Fails before changing anything when a path does not
    // exist (NotFound), the database is damaged (Corrupt, from IndexFolder::checkBeforeWriting)
    // or the index was built with another model or holds vectors of another precision than the
    // embedder's (Mismatch: the message names both and ends with the way out: that model or
    // precision, or reembedIndex()). Progress is reported
    // once per batch; `control` is checked between batches.
    Result<IndexStats> run(const QStringList& paths, const ProgressCallback& progress = {},
                           WorkControl* control = nullptr);

    // Removes the documents at or below `paths` (which need not exist any more) from an index
    // open for writing; needs no model. Returns how many documents were removed. Corrupt, with
    // nothing changed, when the database is damaged.
    static Result<std::int64_t> removeFrom(IndexFolder& index, const QStringList& paths);

private:
    IndexFolder& m_index;
    Embedder& m_embedder;
    IndexOptions m_options;
};

// Switches the index in `folder` to `embedder`'s model and precision without ever leaving a
// half-built index behind. Every document the index holds whose file still exists, and `paths`
// (files or folders, which must exist: NotFound), are indexed afresh into a new index beside it,
// reembedStagingFolder(folder); only when that is complete does it replace the old index
// (moveFolderIntoPlace, an atomic exchange of the two folders). Skipped-file records are not
// carried over; files under `paths` are looked at again.
//
// Until that last step the old index is untouched and stays searchable, and its writer lock is
// held for the whole run (Busy when another process is writing it). A cancelled or failed run
// returns with the old index as it was and keeps the new one half-built beside it: running
// reembedIndex again with the same model continues where it stopped (an embedded document is
// not embedded twice); with yet another model or precision it starts over. Readers that had the old
// index open keep seeing it until they open the folder again.
//
// Returns the new index's stats (cancelled = true when `control` stopped it; nothing replaced).
// A missing index is created first, so this also works as a plain first index.
Result<IndexStats> reembedIndex(const QString& folder, Embedder& embedder, const QStringList& paths,
                                const IndexOptions& options = {},
                                const ProgressCallback& progress = {},
                                WorkControl* control = nullptr);

// "<parent>/.<name>.reembed": where reembedIndex builds the new index of `folder`.
QString reembedStagingFolder(const QString& folder);

} // namespace semsearch
