#include "semsearch/shared_index_reembed.h"

#include "semsearch/abort_point.h"
#include "semsearch/model_identity.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"
#include "shared_index/vector_staging.h"
#include "shared_write/passage_cutting.h"

#include <QElapsedTimer>

namespace semsearch {

namespace {

// Swaps attempted before giving up: each failed one means a writer published a new source
// during the run, whose passages are then staged; more than a few means writers keep adding.
constexpr int kSwapAttempts = 8;

// The index's model, when `embedder` may re-embed its passages: its own model, or another that
// cuts documents into the same passages (passage_cutting.h).
Result<ModelIdentity> requireSameCutting(PgConnection& connection, const Embedder& embedder) {
    auto held = sharedModel(connection);
    if (!held)
        return held.error();
    if (!*held)
        return connection.error(ErrorCode::NotFound,
                                QStringLiteral("the shared index holds no passages yet: nothing "
                                               "to re-embed"));
    const ModelIdentity mine = modelIdentity(embedder.model());
    if (sameVectors(**held, mine) && (*held)->name == mine.name)
        return **held;
    auto cutting = recordedPassageCutting(connection);
    if (!cutting)
        return cutting.error();
    if (*cutting != passageCutting(embedder))
        return connection.error(
            ErrorCode::Unsupported,
            QStringLiteral("a shared index is re-embedded from its stored passages, and the "
                           "model %1 cuts documents into other passages than %2 did (another "
                           "tokenizer, lower-casing or max_seq_length%3); to switch to it, "
                           "index into a new database")
                .arg(describeModel(mine), describeModel(**held),
                     cutting->isEmpty() ? QStringLiteral(", or the index does not record "
                                                         "its model's")
                                        : QString()));
    return **held;
}

// Embeds and stages every passage without a staged vector, batch by batch. False when
// `control` stopped it.
Result<bool> stageAll(PgConnection& connection, Embedder& embedder,
                      const SharedWriteOptions& options, const ProgressCallback& progress,
                      WorkControl* control, SharedReembedStats& stats, std::int64_t& staged) {
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        if (control && !control->checkpoint())
            return false;
        auto batch = unstagedPassages(connection, std::max(1, options.passagesPerBatch));
        if (!batch)
            return batch.error();
        if (batch->ids.empty())
            return true;
        auto vectors = embedder.embed(batch->texts);
        if (!vectors)
            return vectors.error();
        if (auto put =
                stageVectors(connection, batch->ids, vectors->values, int(embedder.dimension()));
            !put)
            return put.error();
        stats.passagesEmbedded += std::int64_t(batch->ids.size());
        staged += std::int64_t(batch->ids.size());
        abortIfAt(options.index.abortAt, AbortPoint::AfterCommit);
        if (progress) {
            IndexProgress step;
            step.stage = IndexProgress::Stage::Indexing;
            step.passagesDone = staged;
            step.filesTotal = stats.passages;
            step.passagesPerSecond = double(stats.passagesEmbedded) * 1000.0 /
                                     double(std::max<qint64>(1, clock.elapsed()));
            progress(step);
        }
    }
}

Result<std::int64_t> passageCount(PgConnection& connection) {
    auto counted = connection.query("SELECT count(*) FROM passages");
    if (!counted)
        return counted.error();
    return counted->integer(0, 0);
}

} // namespace

Result<SharedReembedStats> reembedSharedIndex(const QString& location, Embedder& embedder,
                                              const SharedWriteOptions& options,
                                              const ProgressCallback& progress,
                                              WorkControl* control) {
    QElapsedTimer clock;
    clock.start();
    auto connection = openWritableSharedIndex(location);
    if (!connection)
        return connection.error();
    auto model = requireSameCutting(*connection, embedder);
    if (!model)
        return model.error();
    // Every lease for the whole run: no writer publishes vectors of the old precision meanwhile.
    auto leases = SourceLease::takeEvery(*connection);
    if (!leases)
        return leases.error();

    SharedReembedStats stats;
    auto recorded = sharedPrecision(*connection);
    if (!recorded)
        return recorded.error();
    const Precision precision = embedder.precision();
    auto staged = beginStaging(*connection, precisionName(precision) + QLatin1Char(' ') +
                                                embedder.model().weightsFingerprint);
    if (!staged)
        return staged.error();
    auto total = passageCount(*connection);
    if (!total)
        return total.error();
    stats.passages = *total;
    const ModelIdentity target = modelIdentity(embedder.model());
    stats.unchanged = *recorded && **recorded == precision && *staged == 0 &&
                      sameVectors(*model, target) && model->name == target.name;
    for (int attempt = 0; !stats.unchanged && attempt < kSwapAttempts; ++attempt) {
        auto complete = stageAll(*connection, embedder, options, progress, control, stats, *staged);
        if (!complete)
            return complete.error();
        stats.cancelled = !*complete;
        if (stats.cancelled)
            break;
        auto swapped = swapStagedVectors(*connection, options.machine, target, precision);
        if (!swapped)
            return swapped.error();
        if (*swapped) {
            stats.generation = **swapped;
            break;
        }
    }
    if (!stats.unchanged && !stats.cancelled && stats.generation == 0)
        return connection->error(ErrorCode::Busy,
                                 QStringLiteral("writers kept adding passages during the "
                                                "re-embed; run it again when they are done"));
    stats.seconds = double(clock.nsecsElapsed()) / 1e9;
    return stats;
}

} // namespace semsearch
