#include "semsearch/indexer.h"

#include "pipeline/index_claim.h"
#include "pipeline/index_commit.h"
#include "pipeline/index_embed.h"
#include "pipeline/index_plan.h"
#include "pipeline/index_prepare.h"
#include "pipeline/index_sweep.h"

#include <QElapsedTimer>

#include <algorithm>

namespace semsearch {

namespace {

void addCounts(IndexStats& total, const IndexStats& part) {
    total.filesAdded += part.filesAdded;
    total.filesUpdated += part.filesUpdated;
    total.filesReused += part.filesReused;
    total.filesUnchanged += part.filesUnchanged;
    total.filesSkipped += part.filesSkipped;
    total.filesRemoved += part.filesRemoved;
    total.passagesEmbedded += part.passagesEmbedded;
    total.passagesReused += part.passagesReused;
}

// One run of Indexer::run: the stages in order, the running totals and the progress reports.
class IndexRun {
public:
    IndexRun(IndexFolder& index, Embedder& embedder, const IndexOptions& options,
             const ProgressCallback& progress, WorkControl* control)
        : m_index(index), m_embedder(embedder), m_options(options), m_progress(progress),
          m_control(control), m_reader(ReadOptions{options.walk.maxFileBytes, options.extract}) {}

    Result<IndexStats> run(const QStringList& paths);

private:
    Result<void> indexFiles(const IndexPlan& plan);
    Result<void> finish(const IndexPlan& plan);
    void reportBatch(const PreparedBatch& batch);
    void report(IndexProgress::Stage stage) {
        m_report.stage = stage;
        if (m_progress)
            m_progress(m_report);
    }

    IndexFolder& m_index;
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

// Prepares, embeds and commits the files to read batch by batch, reporting after each.
Result<void> IndexRun::indexFiles(const IndexPlan& plan) {
    m_report.filesTotal = plan.toRead.size() + plan.unchanged;
    m_report.filesDone = plan.unchanged;
    m_report.bytesTotal = plan.bytesToRead;
    m_report.stage = IndexProgress::Stage::Indexing;
    qsizetype next = 0;
    while (next < plan.toRead.size()) {
        if (m_control && !m_control->checkpoint()) {
            m_stats.cancelled = true;
            return {};
        }
        auto batch =
            prepareBatch(m_index.store(), m_embedder, m_reader, plan.toRead, next, m_options);
        if (!batch)
            return batch.error();
        auto embedSeconds = embedBatch(m_embedder, *batch);
        if (!embedSeconds)
            return embedSeconds.error();
        m_stats.embedSeconds += *embedSeconds;
        auto committed = commitBatch(m_index, *batch, m_options.abortAt);
        if (!committed)
            return committed.error();
        addCounts(m_stats, committed->counts);
        m_skipped.insert(m_skipped.end(), committed->skipped.begin(), committed->skipped.end());
        reportBatch(*batch);
    }
    return {};
}

void IndexRun::reportBatch(const PreparedBatch& batch) {
    m_stats.bytesRead += batch.bytesRead;
    m_report.bytesDone += batch.bytesRead;
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

// Sweeps (unless cancelled) and saves the vector cache.
Result<void> IndexRun::finish(const IndexPlan& plan) {
    if (!m_stats.cancelled) {
        report(IndexProgress::Stage::Removing);
        auto removed = sweepGone(m_index, m_roots, plan.found);
        if (!removed)
            return removed.error();
        m_stats.filesRemoved += *removed;
        if (auto replaced = replaceSkipRecords(m_index.store(), m_roots, m_skipped); !replaced)
            return replaced;
    }
    report(IndexProgress::Stage::Saving);
    if (auto saved = m_index.saveVectors(m_options.abortAt); !saved)
        return saved;
    if (!m_stats.cancelled)
        return markSourcesIndexed(m_index.store(), m_roots);
    return {};
}

// The stages, in order: claim, plan, then per batch prepare, embed, commit; then sweep.
Result<IndexStats> IndexRun::run(const QStringList& paths) {
    m_clock.start();
    auto roots = claimIndex(m_index, m_embedder, paths);
    if (!roots)
        return roots.error();
    m_roots = std::move(roots).value();
    report(IndexProgress::Stage::Scanning);
    auto plan = planIndexing(m_index.store(), m_roots, m_options.walk,
                             m_control ? m_control->cancelFlag() : nullptr);
    if (!plan)
        return plan.error();
    m_stats.filesSeen = std::int64_t(plan->found.size() + plan->skipped.size());
    if (plan->cancelled) {
        m_stats.cancelled = true;
        m_stats.seconds = m_clock.elapsed() / 1000.0;
        return m_stats;
    }
    m_skipped = plan->skipped;
    m_stats.filesSkipped += std::int64_t(plan->skipped.size());
    m_stats.filesUnchanged += plan->unchanged;
    if (auto recorded = recordSkips(m_index.store(), plan->skipped); !recorded)
        return recorded.error();
    if (auto indexed = indexFiles(*plan); !indexed)
        return indexed.error();
    if (auto finished = finish(*plan); !finished)
        return finished.error();
    m_stats.seconds = m_clock.elapsed() / 1000.0;
    m_stats.extractSeconds = m_reader.extractSeconds();
    report(IndexProgress::Stage::Done);
    return m_stats;
}

} // namespace

Indexer::Indexer(IndexFolder& index, Embedder& embedder, IndexOptions options)
    : m_index(index), m_embedder(embedder), m_options(std::move(options)) {}

Result<IndexStats> Indexer::run(const QStringList& paths, const ProgressCallback& progress,
                                WorkControl* control) {
    return IndexRun(m_index, m_embedder, m_options, progress, control).run(paths);
}

Result<std::int64_t> Indexer::removeFrom(IndexFolder& index, const QStringList& paths) {
    if (auto intact = index.checkBeforeWriting(); !intact)
        return intact.error();
    if (auto current = index.vectors(); !current)
        return current.error();
    QStringList cleaned;
    for (const QString& path : paths)
        cleaned << sourcePath(path);
    auto removed = removeEverythingUnder(index, cleaned);
    if (!removed)
        return removed.error();
    if (auto saved = index.saveVectors(); !saved)
        return saved.error();
    return *removed;
}

} // namespace semsearch
