// reembedIndex: a whole index moved to another model by building a new one beside it and
// exchanging the folders at the end, so that no moment leaves an empty or mixed index in place.

#include "semsearch/indexer.h"

#include "semsearch/extract.h"
#include "semsearch/index_precision.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace semsearch {

QString reembedStagingFolder(const QString& folder) {
    const QFileInfo info(QDir::cleanPath(QFileInfo(folder).absoluteFilePath()));
    return info.absolutePath() + QStringLiteral("/.") + info.fileName() +
           QStringLiteral(".reembed");
}

namespace {

// The staging index, emptied first when it holds vectors of another model than `model` or of
// another precision (left there by an earlier re-embed towards them).
Result<std::unique_ptr<IndexFolder>> openStaging(const QString& staging, const ModelIdentity& model,
                                                 Precision precision) {
    auto index = IndexFolder::open(staging, IndexFolder::Mode::Write);
    if (!index)
        return index;
    auto recorded = (*index)->store().metadata().modelIdentity();
    if (!recorded)
        return recorded.error();
    auto recordedPrecision = indexPrecision((*index)->store());
    if (!recordedPrecision)
        return recordedPrecision.error();
    const bool samePrecision = !*recordedPrecision || **recordedPrecision == precision;
    if (!*recorded || (sameVectors(**recorded, model) && samePrecision))
        return index;
    index->reset();
    if (!QDir(staging).removeRecursively())
        return makeError(ErrorCode::Io,
                         staging + QStringLiteral(": cannot delete an unfinished re-embed of "
                                                  "another model"));
    return IndexFolder::open(staging, IndexFolder::Mode::Write);
}

} // namespace

Result<IndexStats> reembedIndex(const QString& folder, Embedder& embedder, const QStringList& paths,
                                const IndexOptions& options, const ProgressCallback& progress,
                                WorkControl* control) {
    for (const QString& path : paths)
        if (!QFileInfo::exists(path))
            return makeError(ErrorCode::NotFound,
                             path + QStringLiteral(": no such file or folder"));

    // Held until the end: no other process writes the old index while its replacement is built.
    auto old = IndexFolder::open(folder, IndexFolder::Mode::Write);
    if (!old)
        return old.error();
    auto documents = (*old)->store().documents().under(QString());
    if (!documents)
        return documents.error();
    // The old sources carry over as sources (the walk finds their documents again); documents
    // outside every source (an index from before sources were recorded) are taken one by one.
    auto sources = (*old)->store().sources().all();
    if (!sources)
        return sources.error();
    QStringList roots = paths;
    for (const SourceRecord& source : *sources)
        if (QFileInfo::exists(source.path))
            roots << source.path;
    auto covered = [&](const QString& path) {
        return std::any_of(sources->begin(), sources->end(), [&](const SourceRecord& source) {
            return isSameOrBelow(path, source.path);
        });
    };
    for (const DocumentRecord& document : *documents)
        if (!covered(document.path) && QFileInfo::exists(document.path))
            roots << document.path;

    auto fresh = openStaging(reembedStagingFolder((*old)->folder()),
                             modelIdentity(embedder.model()), embedder.precision());
    if (!fresh)
        return fresh.error();
    Indexer indexer(**fresh, embedder, options);
    auto stats = indexer.run(roots, progress, control);
    if (!stats || stats->cancelled)
        return stats;
    if (auto replaced = IndexFolder::replace(std::move(old).value(), std::move(fresh).value());
        !replaced)
        return replaced.error();
    return stats;
}

} // namespace semsearch
