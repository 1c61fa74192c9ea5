#include "semsearch/indexer.h"

#include "semsearch/index_precision.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <cmath>
#include <set>

namespace semsearch {

namespace {

// How close to the moment a file was read its times may lie and still be trusted to show a
// later edit. An edit within the same tick of the file system's clock (2 s on FAT, 1 s on
// some network file systems, a few ms on ext4) leaves both times as they were read, so a
// file changed that close to its read is read again next time (git's "racily clean" rule).
constexpr std::int64_t kRacyWindowMs = 3000;

QString cleanAbsolute(const QString& path) {
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

// What a batch does with one file, decided before anything is written.
struct PlannedFile {
    enum class Action {
        Embed,          // content the index does not hold: its passages are embedded
        Reuse,          // content a stored document holds: its passages and vectors, read
                        // while planning, are copied
        ReuseFromBatch, // content another file of the batch embeds
        Touch,          // the content indexed for this path: only size and times change
        Skip,           // not indexable (binary, unreadable ...): recorded with its reason
        Vanished,       // deleted since the walk: nothing to index or to record
    };
    Action action = Action::Embed;
    QString path;
    std::optional<DocumentRecord> existing;
    DocumentRecord record;
    std::vector<PassageRecord> passages;
    std::vector<float> vectors;  // passages.size() x dim, once known
    std::size_t firstText = 0;   // Embed: index of its first passage in the batch's texts
    std::size_t batchSource = 0; // ReuseFromBatch: the planned file that embeds the content
    QString skipReason;
};

struct Batch {
    std::vector<PlannedFile> files;
    QStringList texts;                       // to embed
    std::size_t passages = 0;                // embedded and copied: what bounds a batch
    QHash<QByteArray, std::size_t> embedded; // content hash -> the file that embeds it
};

// What one committed batch changed, for the vector cache.
struct BatchChanges {
    std::vector<std::int64_t> addedIds;
    std::vector<float> addedVectors;
    std::vector<std::int64_t> removedIds;
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

QString encodingName(TextEncoding encoding) {
    switch (encoding) {
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
}

std::vector<PassageRecord> passagesOf(const std::vector<PassageSpan>& spans) {
    std::vector<PassageRecord> passages;
    passages.reserve(spans.size());
    for (std::size_t p = 0; p < spans.size(); ++p) {
        PassageRecord record;
        record.ordinal = int(p);
        record.byteStart = spans[p].byteStart;
        record.byteEnd = spans[p].byteEnd;
        record.line = spans[p].line;
        record.text = spans[p].text;
        record.page = spans[p].page;
        record.section = spans[p].section;
        passages.push_back(std::move(record));
    }
    return passages;
}

// Copies the passages and vectors of a stored document with this content into `file`, now,
// before the batch writes anything. The batch may replace or remove that very document (files
// that swap contents, a copy over a file that is itself edited), so a reference to it, followed
// only when writing, could find it gone: the copy taken here cannot. Any document with the hash
// will do, since passages follow from the bytes alone. False when none can be read whole, with
// finite vectors (damage can leave NaN in a stored vector, which no vector cache takes); the
// content is then embedded, so a reuse that cannot be made never fails the run.
bool copyStoredTwin(SqliteStore& store, const QByteArray& contentHash, PlannedFile& file) {
    auto twins = store.findDocumentsByHash(contentHash);
    if (!twins)
        return false;
    for (const DocumentRecord& twin : *twins) {
        auto passages = store.passagesOfDocument(twin.id);
        if (!passages || int(passages->size()) != twin.passageCount)
            continue;
        std::vector<std::int64_t> ids;
        ids.reserve(passages->size());
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.vectorsOf(ids);
        if (!vectors || !std::all_of(vectors->begin(), vectors->end(),
                                     [](float v) { return std::isfinite(v); }))
            continue;
        file.passages = std::move(passages).value();
        file.vectors = std::move(vectors).value();
        return true;
    }
    return false;
}

// The reason without the path, which the skip list shows beside it.
QString skipReasonOf(const Error& error) {
    const QString reason = error.message.section(QStringLiteral(": "), 1);
    return reason.isEmpty() ? error.message : reason;
}

// One run of Indexer::run: its inputs, its running totals and its steps.
class IndexRun {
public:
    IndexRun(IndexFolder& index, Embedder& embedder, const IndexOptions& options,
             const ProgressCallback& progress, WorkControl* control)
        : m_index(index), m_store(index.store()), m_embedder(embedder), m_options(options),
          m_progress(progress), m_control(control),
          m_reader(ReadOptions{options.walk.maxFileBytes, options.extract}) {}

    Result<IndexStats> run(const QStringList& paths);

private:
    Result<void> prepare(const QStringList& paths);
    Result<void> recordWalkSkips(const std::vector<SkippedFile>& skipped);
    Result<QStringList> filesToRead(const QStringList& files);
    Result<void> planFile(const QString& path, Batch& batch);
    Result<void> embedBatch(Batch& batch);
    Result<void> writeFile(PlannedFile& file, BatchChanges& changes);
    Result<void> indexBatch(Batch& batch);
    Result<void> indexFiles(const QStringList& pending);
    Result<void> removeGone(const QStringList& files);
    Result<void> replaceSkipRecords();
    Result<void> markSourcesIndexed();
    bool cancelled() const { return m_control && m_control->isCancelled(); }
    void report(IndexProgress::Stage stage) {
        m_report.stage = stage;
        if (m_progress)
            m_progress(m_report);
    }

    IndexFolder& m_index;
    SqliteStore& m_store;
    Embedder& m_embedder;
    const IndexOptions& m_options;
    const ProgressCallback& m_progress;
    WorkControl* m_control;
    QStringList m_roots;
    IndexStats m_stats;
    IndexProgress m_report;
    QElapsedTimer m_clock;
    // Every file this run skipped, with its reason: the skip records under the roots once the
    // run completes.
    std::vector<SkippedFile> m_skipped;
    // Reads every format; its helper process (for PDF, HTML, ...) lives as long as this run.
    DocumentReader m_reader;
};

Result<void> IndexRun::prepare(const QStringList& paths) {
    for (const QString& path : paths) {
        if (!QFileInfo::exists(path))
            return makeError(ErrorCode::NotFound,
                             path + QStringLiteral(": no such file or folder"));
        m_roots << cleanAbsolute(path);
    }
    // Writing into a damaged database makes it worse: look before the first write.
    if (auto intact = m_index.checkBeforeWriting(); !intact)
        return intact;
    // One index, one model: vectors of different models are not comparable.
    const ModelIdentity model = modelIdentity(m_embedder.model());
    auto recorded = m_store.modelIdentity();
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
        if (auto set = inTransaction(m_store, [&] { return m_store.setModelIdentity(model); });
            !set)
            return set;
    // One index, one precision, for the same reason (index_precision.h).
    if (auto claimed = claimIndexPrecision(m_index, m_embedder.precision()); !claimed)
        return claimed;
    // The paths become the index's sources before any work, so that an interrupted run still
    // shows (and can resume) what the user asked for.
    auto addedSources = inTransaction(m_store, [&]() -> Result<void> {
        for (const QString& root : m_roots)
            if (auto added = m_store.addSource(root); !added)
                return added;
        return {};
    });
    if (!addedSources)
        return addedSources;
    // Bring the vector cache up to date first, so each commit below can patch it in place.
    if (auto current = m_index.vectors(); !current)
        return current.error();
    return {};
}

Result<void> IndexRun::recordWalkSkips(const std::vector<SkippedFile>& skipped) {
    m_skipped.insert(m_skipped.end(), skipped.begin(), skipped.end());
    m_stats.filesSkipped += std::int64_t(skipped.size());
    if (skipped.empty())
        return {};
    return inTransaction(m_store, [&]() -> Result<void> {
        for (const SkippedFile& file : skipped)
            if (auto r = m_store.recordSkipped(file.path, file.reason); !r)
                return r;
        return {};
    });
}

// True when the file's stat shows for certain that it still holds the content `stored` was
// read from (see the rule in indexer.h).
bool statUnchanged(const QFileInfo& info, const DocumentRecord& stored) {
    const std::int64_t modifiedMs = info.lastModified().toMSecsSinceEpoch();
    const std::int64_t changedMs = info.metadataChangeTime().toMSecsSinceEpoch();
    return stored.changedMs != 0 && stored.size == info.size() && stored.modifiedMs == modifiedMs &&
           stored.changedMs == changedMs &&
           stored.indexedAtMs - std::max(modifiedMs, changedMs) >= kRacyWindowMs;
}

// The files to read: all but those whose stat shows them unchanged.
Result<QStringList> IndexRun::filesToRead(const QStringList& files) {
    QStringList pending;
    for (const QString& file : files) {
        const QFileInfo info(file);
        auto existing = m_store.findDocument(file);
        if (!existing)
            return existing.error();
        if (*existing && statUnchanged(info, **existing)) {
            ++m_stats.filesUnchanged;
            continue;
        }
        pending << file;
        m_report.bytesTotal += info.size();
    }
    return pending;
}

// Reads one file and decides what the batch does with it.
Result<void> IndexRun::planFile(const QString& path, Batch& batch) {
    PlannedFile file;
    file.path = path;
    auto existing = m_store.findDocument(path);
    if (!existing)
        return existing.error();
    file.existing = *existing;
    // Taken before reading: an edit after this moment moves the file's times past it.
    file.record.indexedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto document = m_reader.read(path);
    if (!document) {
        file.action = document.error().code == ErrorCode::NotFound ? PlannedFile::Action::Vanished
                                                                   : PlannedFile::Action::Skip;
        file.skipReason = skipReasonOf(document.error());
        batch.files.push_back(std::move(file));
        return {};
    }
    m_stats.bytesRead += document->byteSize;
    m_report.bytesDone += document->byteSize;
    file.record.path = path;
    file.record.size = document->byteSize;
    file.record.modifiedMs = document->modifiedMs;
    file.record.changedMs = document->changedMs;
    file.record.contentHash = document->contentHash;
    file.record.encoding = document->format == DocumentFormat::PlainText ||
                                   document->format == DocumentFormat::Markdown
                               ? encodingName(document->encoding)
                               : formatName(document->format);

    if (file.existing && file.existing->contentHash == document->contentHash) {
        file.action = PlannedFile::Action::Touch;
    } else if (auto same = batch.embedded.constFind(document->contentHash);
               same != batch.embedded.cend()) {
        file.action = PlannedFile::Action::ReuseFromBatch;
        file.batchSource = same.value();
        batch.passages += batch.files[file.batchSource].passages.size();
    } else if (copyStoredTwin(m_store, document->contentHash, file)) {
        file.action = PlannedFile::Action::Reuse;
        batch.passages += file.passages.size();
    } else {
        file.action = PlannedFile::Action::Embed;
        const std::vector<PassageSpan> spans =
            splitPassages(*document, m_embedder.tokenizer(), m_embedder.maxSeqLength());
        file.passages = passagesOf(spans);
        file.firstText = std::size_t(batch.texts.size());
        for (const PassageSpan& span : spans)
            batch.texts << span.text;
        batch.passages += spans.size();
        batch.embedded.insert(document->contentHash, batch.files.size());
    }
    batch.files.push_back(std::move(file));
    return {};
}

// Embeds the batch's texts and hands every file that writes passages its vectors.
Result<void> IndexRun::embedBatch(Batch& batch) {
    QElapsedTimer embedClock;
    embedClock.start();
    auto vectors = m_embedder.embed(batch.texts);
    m_stats.embedSeconds += embedClock.elapsed() / 1000.0;
    if (!vectors)
        return vectors.error();
    const std::size_t dim = m_embedder.dimension();
    for (PlannedFile& file : batch.files) {
        if (file.action == PlannedFile::Action::Embed) {
            const float* first = vectors->values.data() + file.firstText * dim;
            file.vectors.assign(first, first + file.passages.size() * dim);
        } else if (file.action == PlannedFile::Action::ReuseFromBatch) {
            // The source comes earlier in the batch, so its vectors are already in place.
            const PlannedFile& source = batch.files[file.batchSource];
            file.passages = source.passages;
            file.vectors = source.vectors;
        }
    }
    return {};
}

// Writes one planned file; inside the batch's transaction. Every file carries what it writes,
// so the order of the batch's files does not matter.
Result<void> IndexRun::writeFile(PlannedFile& file, BatchChanges& changes) {
    using Action = PlannedFile::Action;
    if (file.action == Action::Touch) {
        ++m_stats.filesUnchanged;
        return m_store.updateDocumentStat(file.existing->id, file.record);
    }
    // Whatever happens next, the old version of the document goes.
    if (file.existing) {
        auto removed = m_store.removeDocument(file.existing->id);
        if (!removed)
            return removed.error();
        changes.removedIds.insert(changes.removedIds.end(), removed->begin(), removed->end());
    }
    if (file.action == Action::Skip || file.action == Action::Vanished) {
        ++m_stats.filesSkipped;
        if (file.action == Action::Vanished) {
            m_stats.filesRemoved += file.existing ? 1 : 0;
            return m_store.clearSkipped(file.path);
        }
        m_skipped.push_back({file.path, file.skipReason});
        return m_store.recordSkipped(file.path, file.skipReason);
    }
    if (auto cleared = m_store.clearSkipped(file.path); !cleared)
        return cleared;
    auto id = m_store.putDocument(file.record, file.passages, file.vectors);
    if (!id)
        return id.error();
    for (const PassageRecord& passage : file.passages)
        changes.addedIds.push_back(passage.id);
    changes.addedVectors.insert(changes.addedVectors.end(), file.vectors.begin(),
                                file.vectors.end());
    if (file.action == Action::Embed) {
        ++(file.existing ? m_stats.filesUpdated : m_stats.filesAdded);
        m_stats.passagesEmbedded += std::int64_t(file.passages.size());
    } else {
        ++m_stats.filesReused;
        m_stats.passagesReused += std::int64_t(file.passages.size());
    }
    return {};
}

// Embeds and commits one planned batch, then patches the vector cache.
Result<void> IndexRun::indexBatch(Batch& batch) {
    if (auto embedded = embedBatch(batch); !embedded)
        return embedded;
    BatchChanges changes;
    abortIfAt(m_options.abortAt, AbortPoint::BeforeCommit);
    auto written = inTransaction(m_store, [&]() -> Result<void> {
        for (std::size_t i = 0; i < batch.files.size(); ++i) {
            if (i == batch.files.size() / 2)
                abortIfAt(m_options.abortAt, AbortPoint::InsideCommit);
            if (auto r = writeFile(batch.files[i], changes); !r)
                return r;
        }
        return {};
    });
    if (!written)
        return written;
    abortIfAt(m_options.abortAt, AbortPoint::AfterCommit);
    return m_index.applyCommitted(changes.addedIds, changes.addedVectors.data(),
                                  changes.removedIds);
}

// Removes the documents under the roots whose files the walk did not find (deleted, or now
// excluded, hidden, too large or unreadable).
Result<void> IndexRun::removeGone(const QStringList& files) {
    const std::set<QString> present(files.begin(), files.end());
    std::vector<std::int64_t> removedIds;
    std::int64_t removedFiles = 0;
    auto removed = inTransaction(m_store, [&]() -> Result<void> {
        for (const QString& root : m_roots) {
            auto documents = m_store.documentsUnder(root);
            if (!documents)
                return documents.error();
            for (const DocumentRecord& document : *documents) {
                if (present.count(document.path))
                    continue;
                auto ids = m_store.removeDocument(document.id);
                if (!ids)
                    return ids.error();
                removedIds.insert(removedIds.end(), ids->begin(), ids->end());
                ++removedFiles;
            }
        }
        return {};
    });
    if (!removed)
        return removed;
    m_stats.filesRemoved += removedFiles;
    return m_index.applyCommitted({}, nullptr, removedIds);
}

// After a complete run the skip records under the roots are exactly this run's: a file that
// is gone, or was indexed, or is skipped for another reason now, loses its old record.
Result<void> IndexRun::replaceSkipRecords() {
    return inTransaction(m_store, [&]() -> Result<void> {
        for (const QString& root : m_roots)
            if (auto r = m_store.clearSkipped(root); !r)
                return r;
        for (const SkippedFile& file : m_skipped)
            if (auto r = m_store.recordSkipped(file.path, file.reason); !r)
                return r;
        return {};
    });
}

Result<void> IndexRun::markSourcesIndexed() {
    const std::int64_t finishedMs = QDateTime::currentMSecsSinceEpoch();
    return inTransaction(m_store, [&]() -> Result<void> {
        // A root inside an older source was not recorded on its own; its source is not
        // complete because part of it was indexed, so only recorded roots are marked.
        auto sources = m_store.sources();
        if (!sources)
            return sources.error();
        for (const SourceRecord& source : *sources)
            if (m_roots.contains(source.path))
                if (auto r = m_store.markSourceIndexed(source.path, finishedMs); !r)
                    return r;
        return {};
    });
}

// Reads, embeds and commits `pending` batch by batch, reporting after each.
Result<void> IndexRun::indexFiles(const QStringList& pending) {
    m_report.filesTotal = pending.size() + m_stats.filesUnchanged;
    m_report.filesDone = m_stats.filesUnchanged;
    m_report.stage = IndexProgress::Stage::Indexing;
    qsizetype next = 0;
    while (next < pending.size()) {
        if (m_control && !m_control->checkpoint()) {
            m_stats.cancelled = true;
            return {};
        }
        Batch batch;
        while (next < pending.size() && int(batch.files.size()) < m_options.filesPerBatch &&
               batch.passages < std::size_t(m_options.passagesPerBatch))
            if (auto planned = planFile(pending[next++], batch); !planned)
                return planned;
        if (auto indexed = indexBatch(batch); !indexed)
            return indexed;
        m_report.filesDone += std::int64_t(batch.files.size());
        m_report.passagesDone = m_stats.passagesEmbedded + m_stats.passagesReused;
        m_report.currentFile = batch.files.back().path;
        const double elapsed = std::max(1e-3, m_clock.elapsed() / 1000.0);
        m_report.passagesPerSecond = m_report.passagesDone / elapsed;
        m_report.secondsLeft = m_report.bytesDone > 0
                                   ? double(m_report.bytesTotal - m_report.bytesDone) * elapsed /
                                         double(m_report.bytesDone)
                                   : -1;
        report(IndexProgress::Stage::Indexing);
    }
    return {};
}

Result<IndexStats> IndexRun::run(const QStringList& paths) {
    m_clock.start();
    if (auto prepared = prepare(paths); !prepared)
        return prepared.error();
    report(IndexProgress::Stage::Scanning);
    const WalkResult walk =
        walkPaths(m_roots, m_options.walk, m_control ? m_control->cancelFlag() : nullptr);
    m_stats.filesSeen = std::int64_t(walk.files.size() + walk.skipped.size());
    if (cancelled()) {
        m_stats.cancelled = true;
        m_stats.seconds = m_clock.elapsed() / 1000.0;
        return m_stats;
    }
    if (auto recorded = recordWalkSkips(walk.skipped); !recorded)
        return recorded.error();
    auto pending = filesToRead(walk.files);
    if (!pending)
        return pending.error();

    if (auto indexed = indexFiles(*pending); !indexed)
        return indexed.error();
    if (!m_stats.cancelled) {
        report(IndexProgress::Stage::Removing);
        if (auto removed = removeGone(walk.files); !removed)
            return removed.error();
        if (auto replaced = replaceSkipRecords(); !replaced)
            return replaced.error();
    }
    report(IndexProgress::Stage::Saving);
    if (auto saved = m_index.saveVectors(m_options.abortAt); !saved)
        return saved.error();
    if (!m_stats.cancelled)
        if (auto marked = markSourcesIndexed(); !marked)
            return marked.error();
    m_stats.seconds = m_clock.elapsed() / 1000.0;
    m_stats.extractSeconds = m_reader.extractSeconds();
    report(IndexProgress::Stage::Done);
    return m_stats;
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
    return IndexRun(m_index, m_embedder, m_options, progress, control).run(paths);
}

Result<std::int64_t> Indexer::removeFrom(IndexFolder& index, const QStringList& paths) {
    if (auto intact = index.checkBeforeWriting(); !intact)
        return intact.error();
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
