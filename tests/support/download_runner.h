#pragma once

// Running a ModelDownload against the local hub (local_hub_server.h) to its end, for tests.

#include "generous_wait.h"

#include "semsearch/model_download.h"

#include <QSignalSpy>
#include <QTest>

#include <functional>

namespace semsearch::test {

// A download of `repository` from the hub at `endpoint` into `target`, with no proxy and a
// stall timeout short enough for tests.
inline ModelDownloadOptions localHubOptions(const QString& endpoint, const QString& repository,
                                            const QString& target) {
    ModelDownloadOptions options;
    options.repository = repository;
    options.endpoint = endpoint;
    options.targetFolder = target;
    options.useSystemProxy = false;
    options.stallTimeoutMs = 5000;
    return options;
}

// Runs a download to its end; `onProgress` may act on it (cancel) as it goes.
inline ModelDownloadResult runDownload(
    const ModelDownloadOptions& options,
    const std::function<void(ModelDownload&, const ModelDownloadProgress&)>& onProgress = {},
    QList<ModelDownloadProgress>* reports = nullptr) {
    ModelDownload download(options);
    QObject::connect(&download, &ModelDownload::progress, &download,
                     [&](const ModelDownloadProgress& progress) {
                         if (reports)
                             reports->append(progress);
                         if (onProgress)
                             onProgress(download, progress);
                     });
    QSignalSpy finished(&download, &ModelDownload::finished);
    download.start();
    ModelDownloadResult result;
    if (!finished.wait(kGenerousWaitMs)) {
        result.error = makeError(ErrorCode::Internal, QStringLiteral("no finished signal"));
        return result;
    }
    if (finished.size() != 1) {
        result.error = makeError(ErrorCode::Internal, QStringLiteral("finished more than once"));
        return result;
    }
    return finished.at(0).at(0).value<ModelDownloadResult>();
}

} // namespace semsearch::test
