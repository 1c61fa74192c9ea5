#include "semsearch/shared_index_writer.h"

#include "pipeline/index_claim.h"
#include "semsearch/index_folder.h"
#include "semsearch/index_precision.h"
#include "semsearch/locations.h"
#include "semsearch/model_identity.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/store.h"
#include "semsearch/store_metadata.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"
#include "shared_write/passage_cutting.h"
#include "shared_write/source_publication.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

namespace semsearch {

namespace {

// Connected, the schema current, and the index's model (if it has one) the embedder's: refused
// before anything is embedded rather than at the first batch.
Result<PgConnection> connectForWriting(const QString& location, const ModelIdentity& model,
                                       Precision precision) {
    auto connection = openWritableSharedIndex(location);
    if (!connection)
        return connection.error();
    auto held = sharedModel(*connection);
    if (!held)
        return held.error();
    if (*held && (!sameVectors(**held, model) || (*held)->name != model.name))
        return connection->error(ErrorCode::Mismatch,
                                 QStringLiteral("holds vectors of the model %1; this model is "
                                                "%2, and vectors of two models never mix")
                                     .arg(describeModel(**held), describeModel(model)));
    auto recorded = sharedPrecision(*connection);
    if (!recorded)
        return recorded.error();
    if (*recorded && **recorded != precision)
        return connection->error(ErrorCode::Mismatch,
                                 QStringLiteral("holds vectors made in %1 and this writer makes "
                                                "%2; index with --precision %1, or switch the "
                                                "index with index --reembed --precision %2")
                                     .arg(precisionName(**recorded), precisionName(precision)));
    return connection;
}

bool atOrBelow(const QString& folder, const QString& path) {
    return path == folder || path.startsWith(folder + QLatin1Char('/'));
}

// A source is one folder tree that one writer publishes whole. A source inside another (or
// holding one) would have two writers, each publishing its own view of the same documents and
// removing the other's, so the run is refused before anything is embedded.
Result<void> refuseNestedSources(PgConnection& connection, const QStringList& sources) {
    auto registered = sharedSources(connection);
    if (!registered)
        return registered.error();
    std::vector<SharedSource> known = std::move(*registered);
    for (const QString& source : sources)
        known.push_back({SourceRecord{source, 0, 0}, QStringLiteral("this run")});
    for (const QString& source : sources)
        for (const SharedSource& other : known) {
            const QString& path = other.source.path;
            if (path == source || !(atOrBelow(path, source) || atOrBelow(source, path)))
                continue;
            return connection.error(
                ErrorCode::InvalidArgument,
                QStringLiteral("%1 %2 the source %3 (indexed by %4); a source cannot lie in "
                               "another: index the outer folder, or remove one of them first")
                    .arg(source,
                         atOrBelow(path, source) ? QStringLiteral("lies in")
                                                 : QStringLiteral("holds"),
                         path, other.machine));
        }
    return {};
}

void addUp(IndexStats& total, const IndexStats& run) {
    total.filesSeen += run.filesSeen;
    total.filesAdded += run.filesAdded;
    total.filesUpdated += run.filesUpdated;
    total.filesReused += run.filesReused;
    total.filesUnchanged += run.filesUnchanged;
    total.filesSkipped += run.filesSkipped;
    total.filesRemoved += run.filesRemoved;
    total.passagesEmbedded += run.passagesEmbedded;
    total.passagesReused += run.passagesReused;
    total.bytesRead += run.bytesRead;
    total.embedSeconds += run.embedSeconds;
    total.extractSeconds += run.extractSeconds;
    total.cancelled = total.cancelled || run.cancelled;
}

// Whether the working copy holds vectors of another model or precision than `embedder`'s (the
// index was re-embedded since, shared_index_reembed.h). An empty working copy holds none.
Result<bool> holdsOtherVectors(IndexFolder& copy, const Embedder& embedder) {
    auto model = copy.store().metadata().modelIdentity();
    if (!model)
        return model.error();
    auto precision = indexPrecision(copy.store());
    if (!precision)
        return precision.error();
    return (*model && !sameVectors(**model, modelIdentity(embedder.model()))) ||
           (*precision && **precision != embedder.precision());
}

// The working copy brought up to date with the files. One of other vectors is re-embedded
// first, by the local index's own re-embed, so that its old vectors never reach the database:
// interrupted, it stays as it was and `publishable` is false.
Result<IndexStats> updateWorkingCopy(const QString& folder, Embedder& embedder,
                                     const QString& source, const SharedWriteOptions& options,
                                     const ProgressCallback& progress, WorkControl* control,
                                     bool& publishable) {
    publishable = true;
    bool stale = false;
    {
        auto copy = IndexFolder::open(folder, IndexFolder::Mode::Write);
        if (!copy)
            return copy.error();
        auto other = holdsOtherVectors(**copy, embedder);
        if (!other)
            return other.error();
        stale = *other;
        if (!stale) {
            Indexer indexer(**copy, embedder, options.index);
            return indexer.run({source}, progress, control);
        }
    }
    auto run = reembedIndex(folder, embedder, {source}, options.index, progress, control);
    publishable = run && !run->cancelled;
    return run;
}

// One source: its working copy brought up to date, then published.
Result<void> indexSource(PgConnection& connection, const QString& location, Embedder& embedder,
                         const QString& source, const SharedWriteOptions& options,
                         const ProgressCallback& progress, WorkControl* control,
                         SharedIndexStats& stats) {
    const QString folder = workingCopyFolder(location, source, options.workingCopies);
    bool publishable = true;
    auto run = updateWorkingCopy(folder, embedder, source, options, progress, control, publishable);
    if (!run)
        return run.error();
    if (!publishable) {
        addUp(stats.index, *run);
        return {};
    }
    auto copy = IndexFolder::open(folder, IndexFolder::Mode::Write);
    if (!copy)
        return copy.error();
    addUp(stats.index, *run);
    PublishOptions publish;
    publish.machine = options.machine;
    publish.model = modelIdentity(embedder.model());
    publish.precision = embedder.precision();
    publish.passagesPerBatch = options.passagesPerBatch;
    publish.replaceSkipped = !run->cancelled;
    publish.abortAt = options.index.abortAt;
    PublishCounts counts;
    auto published = publishSource(connection, **copy, source, publish, counts);
    stats.documentsPublished += counts.documentsPublished;
    stats.passagesPublished += counts.passagesPublished;
    stats.documentsRemoved += counts.documentsRemoved;
    if (counts.generation != 0)
        stats.generation = counts.generation;
    if (!published)
        return published;
    if (auto recorded = recordPassageCutting(connection, embedder); !recorded)
        return recorded;
    return run->cancelled ? Result<void>() : markSourceIndexed(connection, source);
}

} // namespace

QString workingCopyFolder(const QString& location, const QString& source,
                          const QString& workingCopies) {
    const QString root = workingCopies.isEmpty()
                             ? defaultCacheFolder() + QStringLiteral("/shared/") +
                                   sharedIndexFolderName(location) + QStringLiteral("/sources")
                             : workingCopies;
    const QByteArray hash =
        QCryptographicHash::hash(source.toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return root + QLatin1Char('/') + QString::fromLatin1(hash);
}

Result<void> upgradeSharedIndex(const QString& location) {
    auto connection = openWritableSharedIndex(location);
    if (!connection)
        return connection.error();
    return {};
}

Result<SharedIndexStats> indexIntoSharedIndex(const QString& location, Embedder& embedder,
                                              const QStringList& paths,
                                              const SharedWriteOptions& options,
                                              const ProgressCallback& progress,
                                              WorkControl* control) {
    QElapsedTimer clock;
    clock.start();
    QStringList sources;
    for (const QString& path : paths) {
        if (!QFileInfo::exists(path))
            return makeError(ErrorCode::NotFound,
                             path + QStringLiteral(": no such file or folder"));
        if (!sources.contains(sourcePath(path)))
            sources << sourcePath(path);
    }
    auto connection =
        connectForWriting(location, modelIdentity(embedder.model()), embedder.precision());
    if (!connection)
        return connection.error();
    // Every lease before any embedding: a source another machine holds is refused at once.
    auto leases = SourceLease::takeAll(*connection, sources);
    if (!leases)
        return leases.error();
    if (auto separate = refuseNestedSources(*connection, sources); !separate)
        return separate.error();
    SharedIndexStats stats;
    for (const QString& source : sources) {
        if (auto indexed = indexSource(*connection, location, embedder, source, options, progress,
                                       control, stats);
            !indexed)
            return indexed.error();
        if (stats.index.cancelled)
            break;
    }
    stats.index.seconds = double(clock.nsecsElapsed()) / 1e9;
    return stats;
}

} // namespace semsearch
