#include "search_session.h"

namespace semsearch::services {

SearchSession::SearchSession(QObject* parent) : QObject(parent) {
    qRegisterMetaType<DocumentHits>();
    qRegisterMetaType<TextRanges>();
    qRegisterMetaType<IndexOverview>();
    m_thread.setObjectName(QStringLiteral("semsearch search"));
}

SearchSession::~SearchSession() {
    stopWorker();
}

void SearchSession::startWorker() {
    m_worker = new SearchWorker(m_folder, m_latest);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Answers are checked against the newest ticket on arrival as well: one may have been on
    // its way when a newer query started.
    connect(m_worker, &SearchWorker::resultsReady, this,
            [this](quint64 ticket, const QString& query, const DocumentHits& hits) {
                if (ticket == m_latest->load())
                    Q_EMIT resultsReady(query, hits);
            });
    connect(m_worker, &SearchWorker::emphasisReady, this,
            [this](quint64 ticket, qint64 passageId, const TextRanges& ranges) {
                if (ticket == m_latest->load())
                    Q_EMIT emphasisReady(passageId, ranges);
            });
    connect(m_worker, &SearchWorker::searchFailed, this,
            [this](quint64 ticket, const QString& message) {
                if (ticket == m_latest->load())
                    Q_EMIT searchFailed(message);
            });
    connect(m_worker, &SearchWorker::overviewReady, this, &SearchSession::overviewReady);
    m_thread.start();
    if (m_embedder) {
        SearchWorker* worker = m_worker;
        auto shared = m_embedder;
        QMetaObject::invokeMethod(worker, [worker, shared] { worker->setEmbedder(shared); });
    }
}

void SearchSession::stopWorker() {
    if (!m_thread.isRunning())
        return;
    m_latest->fetch_add(1); // whatever is queued is stale now
    m_thread.quit();
    m_thread.wait();
    m_worker = nullptr;
}

void SearchSession::setIndexFolder(const QString& folder) {
    stopWorker();
    m_folder = folder;
    startWorker();
}

void SearchSession::setEmbedder(std::shared_ptr<SharedEmbedder> shared) {
    m_embedder = std::move(shared);
    if (!m_worker)
        return;
    SearchWorker* worker = m_worker;
    auto embedder = m_embedder;
    QMetaObject::invokeMethod(worker, [worker, embedder] { worker->setEmbedder(embedder); });
}

void SearchSession::search(const QString& query, const SearchOptions& options) {
    if (!m_worker)
        return;
    const quint64 ticket = m_latest->fetch_add(1) + 1;
    SearchWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, ticket, query, options] { worker->search(ticket, query, options); });
}

void SearchSession::cancelSearch() {
    m_latest->fetch_add(1);
}

void SearchSession::refreshOverview() {
    if (!m_worker)
        return;
    SearchWorker* worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker] { worker->readOverview(); });
}

} // namespace semsearch::services
