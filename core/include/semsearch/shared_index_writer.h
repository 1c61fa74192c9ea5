#pragma once

// Indexing into a shared index on PostgreSQL (shared_index_location.h), and removing from it.
//
// A writer keeps a local WORKING COPY of each source it indexes: an ordinary local index
// (index_folder.h) in workingCopyFolder(). The Indexer brings the working copy up to date with
// the files exactly as it does a local index, then PUBLISH brings the database's documents of
// that source to what the working copy holds. Like git: commit locally, then push. There is
// one indexing pipeline, whose incrementality (unchanged files not read, unchanged content not
// embedded, renamed files reusing their vectors), document readers and crash safety the shared
// index gets for free. The database stays the truth for every searcher; the working copy only
// saves this writer re-embedding what it already embedded, and may be deleted at any time
// (the next run embeds the source again, and publishes nothing that has not changed).
//
// Publishing is a diff, so it is idempotent and resumes after a crash anywhere: the database's
// documents of the source (path, content hash, size, modified time) against the working
// copy's; a new or different one is put with its passages and vectors from the working copy,
// one the working copy no longer holds is removed. Batches of about passagesPerBatch passages,
// each one transaction and one generation of the change log; the source is registered in the
// first, its skipped-file records replaced by the working copy's in the last. A run that
// changes nothing commits nothing (no new generation).
//
// One writer per source: every root is leased (source_lease.h) before anything is embedded,
// and the leases and the connection are kept for the whole run. A source another machine holds
// is refused at once (Busy, naming the holder).
//
// Synchronous; runs on the caller's thread.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/indexer.h"
#include "semsearch/progress.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace semsearch {

struct SharedWriteOptions {
    IndexOptions index; // the working copies' indexing; abortAt also covers AfterPublish
    // The name of this machine in the index (sources, documents, the change log); must not be
    // empty. Front ends take the host name, or what the user set.
    QString machine;
    // Where the working copies live; empty = defaultCacheFolder()/shared/
    // <sharedIndexFolderName(location)>/sources.
    QString workingCopies;
    int passagesPerBatch = 512; // a publication batch closes at the first document past it
};

struct SharedIndexStats {
    IndexStats index;                    // the working copies' runs, added up
    std::int64_t documentsPublished = 0; // new or changed documents put into the database
    std::int64_t passagesPublished = 0;
    std::int64_t documentsRemoved = 0; // documents removed from the database
    std::int64_t generation = 0;       // the last generation this run committed; 0 = none
};

// The working copy of `source` (absolute and clean) of the shared index at `location`:
// `workingCopies` (or the default above) / a hash of the source path.
QString workingCopyFolder(const QString& location, const QString& source,
                          const QString& workingCopies = QString());

// Indexes `paths` (files or folders; each is one source) into the shared index at `location`:
// connect, create or upgrade the schema, refuse a model other than the index's (Mismatch),
// lease every root, then per root the working copy's run and its publication.
//
// Cancelled through `control` (checked between the working copy's batches): what the working
// copy committed is still published (without touching the skipped files, which the run had not
// finished), the remaining roots are left alone, and `index.cancelled` says so.
//
// Each source is a folder tree one writer publishes whole: a path inside a source the index
// already has (or holding one, or inside another path of the run) is refused with
// InvalidArgument, naming the other source and its machine, before anything is embedded.
//
// Errors: NotFound for a path that does not exist (before connecting); the connection's
// (pg_connection.h: Io for a server that cannot be reached or went away, InvalidArgument for
// refused credentials or a read-only role, ...), each a line naming the location without its
// password; Busy for a source another session holds; Mismatch for another model; the working
// copy's and the Indexer's errors. `index --reembed` is not supported on a shared index yet:
// front ends refuse it.
Result<SharedIndexStats> indexIntoSharedIndex(const QString& location, Embedder& embedder,
                                              const QStringList& paths,
                                              const SharedWriteOptions& options,
                                              const ProgressCallback& progress = {},
                                              WorkControl* control = nullptr);

struct SharedRemoval {
    std::int64_t documentsRemoved = 0;
    std::int64_t generation = 0; // 0 when nothing was removed
};

// Removes the documents at or below `paths` (which need not exist) from the shared index, in
// one batch, with their skipped-file records; a source at or below a path is forgotten. Leases
// every source concerned first (Busy when another session holds one). The working copies are
// brought along (a forgotten source's working copy is deleted). Errors as above; NotFound when
// the database holds no shared index.
Result<SharedRemoval> removeFromSharedIndex(const QString& location, const QStringList& paths,
                                            const SharedWriteOptions& options);

// Creates the shared index's schema at `location`, or brings an older one up to this version's
// (pg_schema.h): what the first writer's connection does anyway, for a front end whose readers
// found an older schema and must not wait for the next run of indexing. Errors as
// indexIntoSharedIndex's connection's; Unsupported for a schema of a newer semsearch.
Result<void> upgradeSharedIndex(const QString& location);

} // namespace semsearch
