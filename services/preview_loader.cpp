#include "preview_loader.h"

#include <QFutureWatcher>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace semsearch::services {

PreviewLoader::PreviewLoader(QObject* parent) : QObject(parent) {}

void PreviewLoader::load(const QString& path, const std::vector<PassageHit>& passages,
                         std::int64_t focusPassageId) {
    const quint64 request = ++m_request;
    using Prepared = Result<DocumentPreview>;
    // The watcher is the loader's child: a loader gone before the answer never hears of it.
    auto* watcher = new QFutureWatcher<Prepared>(this);
    connect(watcher, &QFutureWatcher<Prepared>::finished, this,
            [this, watcher, request, path, focusPassageId] {
                watcher->deleteLater();
                if (request == m_request)
                    Q_EMIT loaded(path, watcher->future().result(), focusPassageId);
            });
    auto promise = std::make_shared<QPromise<Prepared>>();
    watcher->setFuture(promise->future());
    QThreadPool::globalInstance()->start([promise, path, passages, options = m_readOptions] {
        promise->start();
        promise->addResult(preparePreview(path, passages, options));
        promise->finish();
    });
}

} // namespace semsearch::services
