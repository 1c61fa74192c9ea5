// removeFromSharedIndex (shared_index_writer.h): one batch in the database, then the working
// copies brought along so that they keep describing what this machine published.

#include "pipeline/index_claim.h"
#include "semsearch/index_folder.h"
#include "semsearch/shared_index_writer.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"

#include <QDir>
#include <QFileInfo>

#include <vector>

namespace semsearch {

namespace {

bool atOrBelow(const QString& folder, const QString& path) {
    return path == folder || path.startsWith(folder + QLatin1Char('/'));
}

// The sources a removal touches: those at or below a path (forgotten whole), and those a path
// lies in. Paths and sources absolute and clean.
QStringList sourcesConcerned(const std::vector<SharedSource>& sources, const QStringList& paths) {
    QStringList concerned;
    for (const SharedSource& shared : sources)
        for (const QString& path : paths)
            if (atOrBelow(path, shared.source.path) || atOrBelow(shared.source.path, path)) {
                concerned << shared.source.path;
                break;
            }
    return concerned;
}

// The documents of `sources` at or below `paths`, to say how many a removal takes away.
Result<std::int64_t> documentsUnder(PgConnection& connection, const QStringList& sources,
                                    const QStringList& paths) {
    std::int64_t count = 0;
    for (const QString& source : sources) {
        auto documents = sharedDocumentStates(connection, source);
        if (!documents)
            return documents.error();
        for (const auto& [document, state] : *documents)
            for (const QString& path : paths)
                if (atOrBelow(path, document)) {
                    ++count;
                    break;
                }
    }
    return count;
}

Result<std::int64_t> removeInOneBatch(PgConnection& connection, const QString& machine,
                                      const ModelIdentity& model, const QStringList& sources,
                                      const QStringList& paths) {
    auto batch = SharedIndexBatch::begin(connection, machine, model);
    if (!batch)
        return batch.error();
    for (const QString& path : paths)
        if (auto removed = batch->removeUnder(path); !removed)
            return removed.error();
    for (const QString& source : sources)
        for (const QString& path : paths) {
            auto forgotten = atOrBelow(path, source) ? batch->forgetSource(source)
                                                     : batch->forgetSkippedUnder(source, path);
            if (!forgotten)
                return forgotten.error();
        }
    return batch->commit();
}

// A forgotten source's working copy is deleted; another's loses what was removed.
Result<void> removeFromWorkingCopy(const QString& folder, const QString& source,
                                   const QStringList& paths) {
    if (!QFileInfo::exists(folder))
        return {};
    for (const QString& path : paths)
        if (atOrBelow(path, source)) {
            if (!QDir(folder).removeRecursively())
                return makeError(ErrorCode::Io,
                                 folder + QStringLiteral(": cannot delete the working copy"));
            return {};
        }
    auto copy = IndexFolder::open(folder, IndexFolder::Mode::Write);
    if (!copy)
        return copy.error();
    QStringList inside;
    for (const QString& path : paths)
        if (atOrBelow(source, path))
            inside << path;
    auto removed = Indexer::removeFrom(**copy, inside);
    if (!removed)
        return removed.error();
    return {};
}

} // namespace

Result<SharedRemoval> removeFromSharedIndex(const QString& location, const QStringList& paths,
                                            const SharedWriteOptions& options) {
    QStringList cleaned;
    for (const QString& path : paths)
        cleaned << sourcePath(path);
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    auto model = sharedModel(*connection);
    auto sources = sharedSources(*connection);
    if (!model || !sources)
        return model ? sources.error() : model.error();
    const QStringList concerned = sourcesConcerned(*sources, cleaned);
    if (concerned.isEmpty() || !*model)
        return SharedRemoval{}; // nothing indexed there
    auto leases = SourceLease::takeAll(*connection, concerned);
    if (!leases)
        return leases.error();
    SharedRemoval removal;
    auto count = documentsUnder(*connection, concerned, cleaned);
    if (!count)
        return count.error();
    removal.documentsRemoved = *count;
    auto generation = removeInOneBatch(*connection, options.machine, **model, concerned, cleaned);
    if (!generation)
        return generation.error();
    removal.generation = *generation;
    for (const QString& source : concerned)
        if (auto kept = removeFromWorkingCopy(
                workingCopyFolder(location, source, options.workingCopies), source, cleaned);
            !kept)
            return kept.error();
    return removal;
}

} // namespace semsearch
