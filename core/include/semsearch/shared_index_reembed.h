#pragma once

// `index --reembed` on a shared index on PostgreSQL: every passage's vector made anew, in
// another precision or with another model.
//
// No machine holds every source's files, but the database holds every passage's text, so the
// stored texts are embedded again, not the files. That equals indexing the files anew only if
// the new model cuts documents into the same passages, which depends on its tokenizer
// (vocabulary, lower-casing, ...) and its max_seq_length: the index records those of its model
// (passage_cutting.h), and a model that would cut differently, or an index that records
// nothing yet, is refused (Unsupported, with the way out: index into a new database). The same
// model in another precision always qualifies.
//
// Crash-safe and resumable (vector_staging.h): the new vectors are staged in batches of about
// SharedWriteOptions::passagesPerBatch passages, each its own transaction; searchers keep the
// old vectors until one transaction swaps every vector, records the precision and commits a
// change-log row that makes every searcher's cache refill. Killed or cancelled, the index is as
// it was and a second run with the same model and precision continues from what is staged
// (another starts over).
//
// One writer: every source's lease is taken for the whole run (Busy, naming the holder, when
// another machine indexes one), so no writer publishes old vectors meanwhile; a writer whose
// working copy still holds the old vectors re-embeds it before publishing
// (shared_index_writer.h). A writer that adds a new source during the run is waited for, and its
// passages are staged before the swap.
//
// Errors: the connection's (pg_connection.h: Io, InvalidArgument for refused credentials or a
// read-only role, ...), each a line naming the location without its password; NotFound when the
// index holds no passages; Unsupported for a model that cuts differently; Busy for a leased source;
// the embedder's. Synchronous; runs on the caller's thread.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/progress.h"
#include "semsearch/shared_index_writer.h"

#include <QString>

#include <cstdint>

namespace semsearch {

struct SharedReembedStats {
    std::int64_t passages = 0;         // the index's passages
    std::int64_t passagesEmbedded = 0; // by this run; the others were staged by an earlier one
    std::int64_t generation = 0;       // the swap's; 0 when nothing was swapped
    bool unchanged = false; // the index already had this model and precision: nothing to do
    bool cancelled = false; // stopped by `control`; what was staged is kept
    double seconds = 0;
};

// Re-embeds the shared index at `location` with `embedder` (the model and precision to switch
// to). options.machine names this machine in the change log; options.passagesPerBatch
// sizes the staging batches; options.index.abortAt = AfterCommit kills the process after the
// first staged batch (test-only). Progress reports Stage::Indexing with passagesDone of
// filesTotal = the index's passages (no files are read). `control` is checked between batches.
Result<SharedReembedStats> reembedSharedIndex(const QString& location, Embedder& embedder,
                                              const SharedWriteOptions& options,
                                              const ProgressCallback& progress = {},
                                              WorkControl* control = nullptr);

} // namespace semsearch
