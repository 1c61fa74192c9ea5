#include "shared_index_job.h"

#include "machine_name.h"

#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_reembed.h"
#include "semsearch/shared_index_writer.h"

namespace semsearch::services {

namespace {

IndexJobResult failed(IndexJobResult result, const Error& error) {
    result.ok = false;
    result.errorCode = error.code;
    result.error = error.message;
    return result;
}

// Every stored passage embedded anew with the loaded model (shared_index_reembed.h): the
// window asks for it when the index holds another model's or precision's vectors.
IndexJobResult reembed(IndexJobResult result, const QString& location, Embedder& embedder,
                       const SharedWriteOptions& write, WorkControl& control,
                       const ProgressCallback& progress) {
    auto stats = reembedSharedIndex(location, embedder, write, progress, &control);
    if (!stats)
        return failed(result, stats.error());
    result.stats.passagesEmbedded = stats->passagesEmbedded;
    result.stats.cancelled = stats->cancelled;
    result.stats.seconds = stats->seconds;
    result.generation = stats->generation;
    return result;
}

} // namespace

IndexJobResult runSharedIndexJob(const IndexJob& job, const QString& location,
                                 const std::shared_ptr<SharedEmbedder>& shared,
                                 const IndexOptions& options, WorkControl& control,
                                 const ProgressCallback& progress) {
    IndexJobResult result;
    result.job = job;
    result.location = displayLocation(location);
    SharedWriteOptions write;
    write.index = options;
    write.machine = thisMachineName();
    switch (job.kind) {
    case IndexJob::Kind::Reembed: {
        auto embedder = shared->client(SharedEmbedder::Priority::Background);
        return reembed(result, location, *embedder, write, control, progress);
    }
    case IndexJob::Kind::Upgrade: {
        auto upgraded = upgradeSharedIndex(location);
        return upgraded ? result : failed(result, upgraded.error());
    }
    case IndexJob::Kind::Remove: {
        auto removed = removeFromSharedIndex(location, job.paths, write);
        if (!removed)
            return failed(result, removed.error());
        result.removed = removed->documentsRemoved;
        result.generation = removed->generation;
        return result;
    }
    case IndexJob::Kind::Index:
        break;
    }
    auto embedder = shared->client(SharedEmbedder::Priority::Background);
    auto stats = indexIntoSharedIndex(location, *embedder, job.paths, write, progress, &control);
    if (!stats)
        return failed(result, stats.error());
    result.stats = stats->index;
    result.published = stats->documentsPublished;
    result.removed = stats->documentsRemoved;
    result.generation = stats->generation;
    return result;
}

} // namespace semsearch::services
