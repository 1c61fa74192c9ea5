#include "preview_loader.h"

#include "stored_preview.h"

#include "semsearch/shared_document.h"

#include <QFutureWatcher>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace semsearch::services {

PreviewLoader::PreviewLoader(QObject* parent) : QObject(parent) {}

void PreviewLoader::load(const QString& path, const std::vector<PassageHit>& passages,
                         std::int64_t focusPassageId) {
    start(path, focusPassageId, [path, passages, options = m_readOptions] {
        return preparePreview(path, passages, options);
    });
}

void PreviewLoader::loadStored(const QString& location, const QString& path,
                               const std::vector<PassageHit>& passages,
                               std::int64_t focusPassageId) {
    start(path, focusPassageId, [location, path, passages]() -> Result<DocumentPreview> {
        auto document = readSharedDocument(location, path);
        if (!document) {
            qWarning("semsearch: the preview shows the matching passages only: %s",
                     qPrintable(document.error().message));
            return storedPassagesPreview(path, passages);
        }
        return storedDocumentPreview(path, document->passages, passages);
    });
}

void PreviewLoader::start(const QString& path, std::int64_t focusPassageId,
                          std::function<Result<DocumentPreview>()> prepare) {
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
    QThreadPool::globalInstance()->start([promise, prepare = std::move(prepare)] {
        promise->start();
        promise->addResult(prepare());
        promise->finish();
    });
}

} // namespace semsearch::services
