#include "semsearch/indexer.h"

#include "semsearch/index_precision.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

#include <QHash>

#include <set>

namespace semsearch {

namespace {

QString cleanAbsolute(const QString& path) {
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

// What a batch does with one file, decided before anything is written.
struct PlannedFile {
    enum class Action { Embed, CopyFromIndex, CopyFromBatch, Touch, Skip };
    Action action = Action::Embed;
    QString path;
    std::optional<DocumentRecord> existing;
    DocumentRecord record;
    std::vector<PassageSpan> spans;
    std::size_t firstText = 0;   // Embed: index of its first passage in the batch's texts
    std::int64_t copySource = 0; // CopyFromIndex: the document whose vectors it reuses
    std::size_t batchSource = 0; // CopyFromBatch: the planned file with the same content
    QString skipReason;
};

// Runs `work` inside one transaction; rolls back on failure.
template <typename Work> Result<void> inTransaction(SqliteStore& store, Work&& work) {
    if (auto begun = store.begin(); !begun)
        return begun.error();
    Result<void> done = work();
    if (!done) {
        (void)store.rollback();
        return done;
    }
    return store.commit();
}

} // namespace

ModelIdentity modelIdentity(const ModelInfo& model) {
    ModelIdentity identity;
    identity.name = model.name;
    identity.dimension = model.dimension();
    identity.pooling = poolingName(model.pooling);
    identity.normalize = model.normalize;
    identity.weightsFingerprint = model.weightsFingerprint;
    return identity;
}

bool sameVectors(const ModelIdentity& a, const ModelIdentity& b) {
    return a.dimension == b.dimension && a.pooling == b.pooling && a.normalize == b.normalize &&
           a.weightsFingerprint == b.weightsFingerprint;
}

QString describeModel(const ModelIdentity& model) {
    return QStringLiteral("'%1' (%2 dimensions, %3 pooling)")
        .arg(model.name)
        .arg(model.dimension)
        .arg(model.pooling);
}

Indexer::Indexer(IndexFolder& index, Embedder& embedder, IndexOptions options)
    : m_index(index), m_embedder(embedder), m_options(std::move(options)) {}

Result<IndexStats> Indexer::run(const QStringList& paths, const ProgressCallback& progress,
                                WorkControl* control) {
    QElapsedTimer clock;
    clock.start();
    IndexStats stats;
    SqliteStore& store = m_index.store();

    QStringList roots;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (!info.exists())
            return makeError(ErrorCode::NotFound,
                             path + QStringLiteral(": no such file or folder"));
        roots << cleanAbsolute(path);
    }

    // One index, one model: vectors of different models are not comparable.
    const ModelIdentity model = modelIdentity(m_embedder.model());
    auto recorded = store.modelIdentity();
    if (!recorded)
        return recorded.error();
    if (*recorded && !sameVectors(**recorded, model))
        return makeError(ErrorCode::Mismatch,
                         m_index.folder() +
                             QStringLiteral(": this index was built with the model %1 and "
                                            "cannot take vectors of %2; index with the model "
                                            "that built it, or re-embed the whole index with "
                                            "the new one")
                                 .arg(describeModel(**recorded), describeModel(model)));
    if (!*recorded)
        if (auto set = inTransaction(store, [&] { return store.setModelIdentity(model); }); !set)
            return set.error();
    // One index, one precision, for the same reason (index_precision.h).
    if (auto claimed = claimIndexPrecision(m_index, m_embedder.precision()); !claimed)
        return claimed.error();
    // The paths become the index's sources before any work, so that an interrupted run still
    // shows (and can resume) what the user asked for.
    auto addedSources = inTransaction(store, [&]() -> Result<void> {
        for (const QString& root : roots)
            if (auto added = store.addSource(root); !added)
                return added;
        return {};
    });
    if (!addedSources)
        return addedSources.error();
    // Bring the vector cache up to date first, so each commit below can patch it in place.
    if (auto current = m_index.vectors(); !current)
        return current.error();

    IndexProgress report;
    report.stage = IndexProgress::Stage::Scanning;
    if (progress)
        progress(report);
    const WalkResult walk =
        walkPaths(roots, m_options.walk, control ? control->cancelFlag() : nullptr);
    stats.filesSeen = walk.files.size();
    if (control && control->isCancelled()) {
        stats.cancelled = true;
        stats.seconds = clock.elapsed() / 1000.0;
        return stats;
    }
    if (!walk.skipped.empty()) {
        auto recordedSkips = inTransaction(store, [&]() -> Result<void> {
            for (const SkippedFile& skipped : walk.skipped)
                if (auto r = store.recordSkipped(skipped.path, skipped.reason); !r)
                    return r;
            return {};
        });
        if (!recordedSkips)
            return recordedSkips.error();
        stats.filesSkipped += std::int64_t(walk.skipped.size());
    }

    // Files whose size and mtime match the stored document are not even read.
    QStringList pending;
    for (const QString& file : walk.files) {
        const QFileInfo info(file);
        auto existing = store.findDocument(file);
        if (!existing)
            return existing.error();
        if (*existing && (*existing)->size == info.size() &&
            (*existing)->modifiedMs == info.lastModified().toMSecsSinceEpoch()) {
            ++stats.filesUnchanged;
            continue;
        }
        pending << file;
        report.bytesTotal += info.size();
    }

    report.stage = IndexProgress::Stage::Indexing;
    report.filesTotal = pending.size() + stats.filesUnchanged;
    report.filesDone = stats.filesUnchanged;
    const WordPieceTokenizer& tokenizer = m_embedder.tokenizer();
    const std::size_t maxTokens = m_embedder.maxSeqLength();
    const std::size_t dim = m_embedder.dimension();

    qsizetype next = 0;
    while (next < pending.size()) {
        if (control && !control->checkpoint()) {
            stats.cancelled = true;
            break;
        }
        // Plan one batch: read, hash, decide, cut into passages.
        std::vector<PlannedFile> plan;
        QStringList texts;
        QHash<QByteArray, std::size_t> embeddedInBatch; // content hash -> plan index
        while (next < pending.size() && int(plan.size()) < m_options.filesPerBatch &&
               texts.size() < m_options.passagesPerBatch) {
            PlannedFile file;
            file.path = pending[next++];
            auto existing = store.findDocument(file.path);
            if (!existing)
                return existing.error();
            file.existing = *existing;
            auto document = readDocument(file.path, m_options.walk.maxFileBytes);
            if (!document) {
                file.action = PlannedFile::Action::Skip;
                // The reason without the path, which the skip list shows beside it.
                file.skipReason = document.error().message.section(QStringLiteral(": "), 1);
                if (file.skipReason.isEmpty())
                    file.skipReason = document.error().message;
                plan.push_back(std::move(file));
                continue;
            }
            stats.bytesRead += document->byteSize;
            report.bytesDone += document->byteSize;
            file.record.path = file.path;
            file.record.size = document->byteSize;
            file.record.modifiedMs = document->modifiedMs;
            file.record.contentHash = document->contentHash;
            file.record.encoding = [&] {
                switch (document->encoding) {
                case TextEncoding::Utf8:
                    return QStringLiteral("utf-8");
                case TextEncoding::Utf8WithBom:
                    return QStringLiteral("utf-8-bom");
                case TextEncoding::Utf16LE:
                    return QStringLiteral("utf-16le");
                case TextEncoding::Utf16BE:
                    return QStringLiteral("utf-16be");
                case TextEncoding::Latin1:
                    return QStringLiteral("latin-1");
                }
                return QString();
            }();

            if (file.existing && file.existing->contentHash == document->contentHash) {
                file.action = PlannedFile::Action::Touch;
            } else if (auto same = embeddedInBatch.find(document->contentHash);
                       same != embeddedInBatch.end()) {
                file.action = PlannedFile::Action::CopyFromBatch;
                file.batchSource = same.value();
            } else {
                auto twins = store.findDocumentsByHash(document->contentHash);
                if (!twins)
                    return twins.error();
                if (!twins->empty()) {
                    file.action = PlannedFile::Action::CopyFromIndex;
                    file.copySource = twins->front().id;
                } else {
                    file.action = PlannedFile::Action::Embed;
                    file.spans = splitPassages(*document, tokenizer, maxTokens);
                    file.firstText = std::size_t(texts.size());
                    for (const PassageSpan& span : file.spans)
                        texts << span.text;
                    embeddedInBatch.insert(document->contentHash, plan.size());
                }
            }
            plan.push_back(std::move(file));
        }

        QElapsedTimer embedClock;
        embedClock.start();
        auto vectors = m_embedder.embed(texts);
        stats.embedSeconds += embedClock.elapsed() / 1000.0;
        if (!vectors)
            return vectors.error();

        // Write the batch in one transaction.
        std::vector<std::int64_t> addedIds, removedIds;
        std::vector<float> addedVectors;
        IndexStats batchStats;
        auto written = inTransaction(store, [&]() -> Result<void> {
            std::vector<std::int64_t> documentIds(plan.size(), 0);
            for (std::size_t i = 0; i < plan.size(); ++i) {
                PlannedFile& file = plan[i];
                if (file.action == PlannedFile::Action::Touch) {
                    ++batchStats.filesUnchanged;
                    if (auto r = store.updateDocumentStat(file.existing->id, file.record.size,
                                                          file.record.modifiedMs);
                        !r)
                        return r;
                    continue;
                }
                // Whatever happens next, the old version of the document goes.
                if (file.existing) {
                    auto removed = store.removeDocument(file.existing->id);
                    if (!removed)
                        return removed.error();
                    removedIds.insert(removedIds.end(), removed->begin(), removed->end());
                }
                if (file.action == PlannedFile::Action::Skip) {
                    ++batchStats.filesSkipped;
                    if (file.existing)
                        ++batchStats.filesRemoved;
                    if (auto r = store.recordSkipped(file.path, file.skipReason); !r)
                        return r;
                    continue;
                }
                if (auto r = store.clearSkipped(file.path); !r)
                    return r;
                Result<std::int64_t> id = std::int64_t(0);
                if (file.action == PlannedFile::Action::Embed) {
                    std::vector<PassageRecord> passages;
                    passages.reserve(file.spans.size());
                    for (std::size_t p = 0; p < file.spans.size(); ++p) {
                        const PassageSpan& span = file.spans[p];
                        PassageRecord record;
                        record.ordinal = int(p);
                        record.byteStart = span.byteStart;
                        record.byteEnd = span.byteEnd;
                        record.line = span.line;
                        record.text = span.text;
                        passages.push_back(std::move(record));
                    }
                    const float* first = vectors->values.data() + file.firstText * dim;
                    const std::vector<float> rows(first, first + file.spans.size() * dim);
                    id = store.putDocument(file.record, passages, rows);
                    if (id) {
                        for (const PassageRecord& passage : passages)
                            addedIds.push_back(passage.id);
                        addedVectors.insert(addedVectors.end(), rows.begin(), rows.end());
                        batchStats.passagesEmbedded += std::int64_t(passages.size());
                    }
                    ++(file.existing ? batchStats.filesUpdated : batchStats.filesAdded);
                } else {
                    const std::int64_t source = file.action == PlannedFile::Action::CopyFromIndex
                                                    ? file.copySource
                                                    : documentIds[file.batchSource];
                    id = store.putDocumentCopy(file.record, source);
                    if (id) {
                        auto copied = store.passagesOfDocument(*id);
                        if (!copied)
                            return copied.error();
                        std::vector<std::int64_t> copiedIds;
                        for (const PassageRecord& passage : *copied)
                            copiedIds.push_back(passage.id);
                        // The copies carry the source's vectors; the cache needs them too.
                        auto rows = store.vectorsOf(copiedIds);
                        if (!rows)
                            return rows.error();
                        addedIds.insert(addedIds.end(), copiedIds.begin(), copiedIds.end());
                        addedVectors.insert(addedVectors.end(), rows->begin(), rows->end());
                        batchStats.passagesReused += std::int64_t(copied->size());
                    }
                    ++batchStats.filesReused;
                }
                if (!id)
                    return id.error();
                documentIds[i] = *id;
            }
            return {};
        });
        if (!written)
            return written.error();
        if (auto applied = m_index.applyCommitted(addedIds, addedVectors.data(), removedIds);
            !applied)
            return applied.error();

        stats.filesAdded += batchStats.filesAdded;
        stats.filesUpdated += batchStats.filesUpdated;
        stats.filesReused += batchStats.filesReused;
        stats.filesUnchanged += batchStats.filesUnchanged;
        stats.filesSkipped += batchStats.filesSkipped;
        stats.filesRemoved += batchStats.filesRemoved;
        stats.passagesEmbedded += batchStats.passagesEmbedded;
        stats.passagesReused += batchStats.passagesReused;

        report.filesDone += std::int64_t(plan.size());
        report.passagesDone = stats.passagesEmbedded + stats.passagesReused;
        report.currentFile = plan.back().path;
        const double elapsed = std::max(1e-3, clock.elapsed() / 1000.0);
        report.passagesPerSecond = report.passagesDone / elapsed;
        report.secondsLeft = report.bytesDone > 0 ? double(report.bytesTotal - report.bytesDone) *
                                                        elapsed / double(report.bytesDone)
                                                  : -1;
        if (progress)
            progress(report);
    }

    // Documents under the requested paths whose files are gone (or are now excluded).
    if (!stats.cancelled) {
        report.stage = IndexProgress::Stage::Removing;
        if (progress)
            progress(report);
        const std::set<QString> present(walk.files.begin(), walk.files.end());
        std::vector<std::int64_t> removedIds;
        auto removed = inTransaction(store, [&]() -> Result<void> {
            for (const QString& root : roots) {
                auto documents = store.documentsUnder(root);
                if (!documents)
                    return documents.error();
                for (const DocumentRecord& document : *documents) {
                    if (present.count(document.path))
                        continue;
                    auto ids = store.removeDocument(document.id);
                    if (!ids)
                        return ids.error();
                    removedIds.insert(removedIds.end(), ids->begin(), ids->end());
                    ++stats.filesRemoved;
                }
            }
            return {};
        });
        if (!removed)
            return removed.error();
        if (auto applied = m_index.applyCommitted({}, nullptr, removedIds); !applied)
            return applied.error();
    }

    report.stage = IndexProgress::Stage::Saving;
    if (progress)
        progress(report);
    if (auto saved = m_index.saveVectors(); !saved)
        return saved.error();
    if (!stats.cancelled) {
        const std::int64_t finishedMs = QDateTime::currentMSecsSinceEpoch();
        auto marked = inTransaction(store, [&]() -> Result<void> {
            // A root inside an older source was not recorded on its own; its source is not
            // complete because part of it was indexed, so only recorded roots are marked.
            auto sources = store.sources();
            if (!sources)
                return sources.error();
            for (const SourceRecord& source : *sources)
                if (roots.contains(source.path))
                    if (auto r = store.markSourceIndexed(source.path, finishedMs); !r)
                        return r;
            return {};
        });
        if (!marked)
            return marked.error();
    }
    stats.seconds = clock.elapsed() / 1000.0;
    report.stage = IndexProgress::Stage::Done;
    if (progress)
        progress(report);
    return stats;
}

Result<std::int64_t> Indexer::removeFrom(IndexFolder& index, const QStringList& paths) {
    SqliteStore& store = index.store();
    if (auto current = index.vectors(); !current)
        return current.error();
    std::int64_t documents = 0;
    std::vector<std::int64_t> removedIds;
    auto removed = inTransaction(store, [&]() -> Result<void> {
        for (const QString& path : paths) {
            auto under = store.documentsUnder(cleanAbsolute(path));
            if (!under)
                return under.error();
            for (const DocumentRecord& document : *under) {
                auto ids = store.removeDocument(document.id);
                if (!ids)
                    return ids.error();
                removedIds.insert(removedIds.end(), ids->begin(), ids->end());
                ++documents;
            }
            if (auto r = store.clearSkipped(cleanAbsolute(path)); !r)
                return r;
            if (auto r = store.removeSources(cleanAbsolute(path)); !r)
                return r;
        }
        return {};
    });
    if (!removed)
        return removed.error();
    if (auto applied = index.applyCommitted({}, nullptr, removedIds); !applied)
        return applied.error();
    if (auto saved = index.saveVectors(); !saved)
        return saved.error();
    return documents;
}

} // namespace semsearch
