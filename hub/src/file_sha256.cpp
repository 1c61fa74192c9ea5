#include "file_sha256.h"

#include <QCryptographicHash>
#include <QFile>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace semsearch {

QFuture<QByteArray> sha256OfFile(const QString& path) {
    // QThreadPool takes a copyable callable; QPromise is move-only.
    auto promise = std::make_shared<QPromise<QByteArray>>();
    QFuture<QByteArray> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, path] {
        QFile file(path);
        QCryptographicHash hash(QCryptographicHash::Sha256);
        const bool read = file.open(QIODevice::ReadOnly) && hash.addData(&file);
        promise->addResult(read ? hash.result().toHex() : QByteArray());
        promise->finish();
    });
    return future;
}

} // namespace semsearch
