#include "indexing_session.h"

#include "shared_index_job.h"

#include "semsearch/index_folder.h"
#include "semsearch/shared_index_location.h"

#include <QPointer>

namespace semsearch::services {

namespace {

// Runs one job on a local index, on the indexing thread. Synchronous; reports through the
// callbacks, which post to the GUI thread.
// Remove and Upgrade jobs run without a model (`shared` may be null).
IndexJobResult runLocalJob(const IndexJob& job, const QString& folder,
                           const std::shared_ptr<SharedEmbedder>& shared,
                           const IndexOptions& options, WorkControl& control,
                           const ProgressCallback& progress) {
    IndexJobResult result;
    result.job = job;
    auto fail = [&](const Error& error) {
        result.ok = false;
        result.errorCode = error.code;
        result.error = error.message;
        return result;
    };
    if (job.kind == IndexJob::Kind::Reembed) {
        auto embedder = shared->client(SharedEmbedder::Priority::Background);
        auto stats = reembedIndex(folder, *embedder, job.paths, options, progress, &control);
        if (!stats)
            return fail(stats.error());
        result.stats = *stats;
        return result;
    }
    auto index = IndexFolder::open(folder, IndexFolder::Mode::Write);
    if (!index)
        return fail(index.error());
    if (job.kind == IndexJob::Kind::Upgrade)
        return result; // opening for writing brought the schema up to date
    if (job.kind == IndexJob::Kind::Remove) {
        auto removed = Indexer::removeFrom(**index, job.paths);
        if (!removed)
            return fail(removed.error());
        result.removed = *removed;
        return result;
    }
    auto embedder = shared->client(SharedEmbedder::Priority::Background);
    Indexer indexer(**index, *embedder, options);
    auto stats = indexer.run(job.paths, progress, &control);
    if (!stats)
        return fail(stats.error());
    result.stats = *stats;
    return result;
}

IndexJobResult runJob(const IndexJob& job, const QString& folder,
                      const std::shared_ptr<SharedEmbedder>& shared, const IndexOptions& options,
                      WorkControl& control, const ProgressCallback& progress) {
    if (isSharedIndexLocation(folder))
        return runSharedIndexJob(job, folder, shared, options, control, progress);
    return runLocalJob(job, folder, shared, options, control, progress);
}

} // namespace

IndexingSession::IndexingSession(QObject* parent) : QObject(parent) {
    qRegisterMetaType<IndexJob>();
    qRegisterMetaType<IndexJobResult>();
    qRegisterMetaType<IndexProgress>();
    m_thread.setObjectName(QStringLiteral("semsearch indexing"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

IndexingSession::~IndexingSession() {
    m_queue.clear();
    if (m_control)
        m_control->cancel();
    m_thread.quit();
    m_thread.wait();
}

void IndexingSession::setIndexFolder(const QString& folder) {
    m_folder = folder;
}

void IndexingSession::setEmbedder(std::shared_ptr<SharedEmbedder> shared) {
    m_embedder = std::move(shared);
    startNext();
}

void IndexingSession::setOptions(const IndexOptions& options) {
    m_options = options;
}

void IndexingSession::index(const QStringList& paths) {
    if (paths.isEmpty())
        return;
    m_queue.push_back({IndexJob::Kind::Index, paths});
    startNext();
}

void IndexingSession::remove(const QStringList& paths) {
    if (paths.isEmpty())
        return;
    m_queue.push_back({IndexJob::Kind::Remove, paths});
    startNext();
}

QStringList IndexingSession::pendingPaths() const {
    QStringList paths;
    if (isBusy())
        paths << m_current.paths;
    for (const IndexJob& job : m_queue)
        paths << job.paths;
    return paths;
}

void IndexingSession::reembed() {
    m_queue.push_back({IndexJob::Kind::Reembed, {}});
    startNext();
}

void IndexingSession::upgrade() {
    m_queue.push_back({IndexJob::Kind::Upgrade, {}});
    startNext();
}

void IndexingSession::pause() {
    if (m_paused)
        return;
    m_paused = true;
    if (m_control)
        m_control->pause();
    Q_EMIT pausedChanged(true);
}

void IndexingSession::resume() {
    if (!m_paused)
        return;
    m_paused = false;
    if (m_control)
        m_control->resume();
    Q_EMIT pausedChanged(false);
    startNext();
}

void IndexingSession::cancel() {
    m_queue.clear();
    if (m_control)
        m_control->cancel();
    if (m_paused) {
        m_paused = false;
        Q_EMIT pausedChanged(false);
    }
}

void IndexingSession::startNext() {
    if (isBusy() || m_queue.empty() || m_folder.isEmpty())
        return;
    const IndexJob::Kind kind = m_queue.front().kind;
    if ((kind == IndexJob::Kind::Index || kind == IndexJob::Kind::Reembed) && !m_embedder)
        return; // waits for the model
    m_current = m_queue.front();
    m_queue.pop_front();
    m_control = std::make_shared<WorkControl>();
    if (m_paused)
        m_control->pause();
    Q_EMIT busyChanged(true);
    Q_EMIT jobStarted(m_current);

    QPointer<IndexingSession> self(this);
    auto onProgress = [self](const IndexProgress& report) {
        QMetaObject::invokeMethod(self, [self, report] {
            if (!self)
                return;
            Q_EMIT self->progress(report);
            if (report.stage == IndexProgress::Stage::Indexing ||
                report.stage == IndexProgress::Stage::Done)
                Q_EMIT self->committed();
        });
    };
    const IndexJob job = m_current;
    const QString folder = m_folder;
    const IndexOptions options = m_options;
    auto shared = m_embedder;
    auto control = m_control;
    QMetaObject::invokeMethod(m_context, [self, job, folder, shared, options, control, onProgress] {
        const IndexJobResult result = runJob(job, folder, shared, options, *control, onProgress);
        QMetaObject::invokeMethod(self, [self, result] {
            if (self)
                self->finish(result);
        });
    });
}

void IndexingSession::finish(const IndexJobResult& result) {
    m_control.reset();
    Q_EMIT jobFinished(result);
    if (result.job.kind == IndexJob::Kind::Remove || result.job.kind == IndexJob::Kind::Upgrade)
        Q_EMIT committed();
    if (m_queue.empty())
        Q_EMIT busyChanged(false);
    startNext();
}

} // namespace semsearch::services
