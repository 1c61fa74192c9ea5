#include "hub_messages.h"

#include "semsearch/printable_text.h"

#include <QNetworkReply>

namespace semsearch {

namespace {

// A server's explanation is a sentence; anything longer is cut.
constexpr qsizetype kMaxDetailCharacters = 200;

QString megabytes(std::int64_t bytes) {
    return QStringLiteral("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 1);
}

QString hostOf(const QUrl& url) {
    // A redirect's Location names the host: it comes from the server too.
    const QString host = printableText(url.host(), kMaxDetailCharacters);
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(host).arg(url.port()) : host;
}

Error httpError(const FetchFailure& failure, const QString& file, const DownloadContext& context) {
    const QString where =
        QStringLiteral("%1 (revision %2)").arg(context.repository, context.revision);
    const QByteArray& code = failure.hubErrorCode;
    const QString status = QStringLiteral("HTTP %1").arg(failure.httpStatus);
    // The hub answers 401 for a private or missing repository when no token is sent, so its
    // error code decides before the status does.
    if (code == "RepositoryNotFound")
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("%1: no such repository on %2 (%3); check the name, or "
                                        "set HF_TOKEN if it is private")
                             .arg(context.repository, hostOf(failure.url), status));
    if (code == "RevisionNotFound")
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("%1: no revision '%2' (%3); check the branch, tag or "
                                        "commit")
                             .arg(context.repository, context.revision, status));
    if (code == "GatedRepo" || failure.httpStatus == 401 || failure.httpStatus == 403)
        return makeError(
            ErrorCode::Unsupported,
            context.haveToken
                ? QStringLiteral("%1: access denied (%2): HF_TOKEN is set but does not grant "
                                 "access to this gated or private repository; accept its terms "
                                 "on the hub with that account")
                      .arg(context.repository, status)
                : QStringLiteral("%1: access denied (%2): the repository is gated or private; "
                                 "accept its terms on the hub and set HF_TOKEN to an access "
                                 "token")
                      .arg(context.repository, status));
    // modules.json comes first: without it the repository is not a sentence-transformers one.
    if (failure.httpStatus == 404 && file == QLatin1String("modules.json"))
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("%1: %2 not found (%3); semsearch needs a "
                                        "sentence-transformers model, check the repository "
                                        "name and revision")
                             .arg(where, file, status));
    if (failure.httpStatus == 404)
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("%1: %2 not found (%3); check the repository name and "
                                        "revision")
                             .arg(where, file, status));
    // The server's own words (X-Error-Message, the reason phrase): shown, never acted on.
    const QString detail = printableText(failure.detail.simplified(), kMaxDetailCharacters);
    return makeError(ErrorCode::Io,
                     QStringLiteral("%1: %2 failed (%3%4) at %5")
                         .arg(where, file, status,
                              detail.isEmpty() ? QString() : QStringLiteral(" ") + detail,
                              hostOf(failure.url)));
}

Error networkError(const FetchFailure& failure, const QString& file) {
    const QString host = hostOf(failure.url);
    switch (QNetworkReply::NetworkError(failure.networkError)) {
    case QNetworkReply::HostNotFoundError:
        return makeError(ErrorCode::Io,
                         QStringLiteral("cannot reach %1: host not found (no network? check "
                                        "HF_ENDPOINT and the proxy settings)")
                             .arg(host));
    case QNetworkReply::ConnectionRefusedError:
        return makeError(ErrorCode::Io,
                         QStringLiteral("cannot connect to %1: connection refused (check "
                                        "HF_ENDPOINT and the proxy settings)")
                             .arg(host));
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
        return makeError(ErrorCode::Io, QStringLiteral("cannot use the proxy for %1: %2 (check "
                                                       "http_proxy and https_proxy)")
                                            .arg(host, failure.detail));
    default:
        break;
    }
    if (failure.bytesDone > 0)
        return makeError(
            ErrorCode::Io,
            QStringLiteral("%1: the transfer from %2 broke after %3 of %4 (%5); "
                           "run the download again to resume")
                .arg(file, host, megabytes(failure.bytesDone),
                     failure.bytesTotal >= 0 ? megabytes(failure.bytesTotal) : QStringLiteral("?"),
                     failure.detail));
    return makeError(
        ErrorCode::Io,
        QStringLiteral("%1: download from %2 failed: %3").arg(file, host, failure.detail));
}

} // namespace

Error cancelledError(const DownloadContext& context) {
    return makeError(ErrorCode::Cancelled,
                     QStringLiteral("download of %1 cancelled; what was fetched is kept for the "
                                    "next run")
                         .arg(context.repository));
}

namespace {

Error describe(const FetchFailure& failure, const QString& file, const DownloadContext& context) {
    switch (failure.kind) {
    case FetchFailure::Kind::Http:
        return httpError(failure, file, context);
    case FetchFailure::Kind::Network:
        return networkError(failure, file);
    case FetchFailure::Kind::Stalled:
        return makeError(
            ErrorCode::Io,
            QStringLiteral("%1: the transfer from %2 stalled (%3, after %4); run "
                           "the download again to resume")
                .arg(file, hostOf(failure.url), failure.detail, megabytes(failure.bytesDone)));
    case FetchFailure::Kind::Write:
        return makeError(ErrorCode::Io, QStringLiteral("%1: cannot write %2: %3")
                                            .arg(context.stagingFolder, file, failure.detail));
    case FetchFailure::Kind::NoSpace:
        return makeError(ErrorCode::Io, QStringLiteral("%1: not enough disk space for %2 (%3)")
                                            .arg(context.stagingFolder, file, failure.detail));
    case FetchFailure::Kind::Redirects:
        return makeError(ErrorCode::Io, QStringLiteral("%1: too many redirects (last: %2)")
                                            .arg(file, failure.url.toDisplayString()));
    case FetchFailure::Kind::RedirectRefused:
        return makeError(ErrorCode::Io,
                         QStringLiteral("%1: %2 redirected the download and semsearch refused to "
                                        "follow: %3")
                             .arg(file, hostOf(failure.url),
                                  printableText(failure.detail, kMaxDetailCharacters)));
    case FetchFailure::Kind::TooLarge:
        return makeError(ErrorCode::Corrupt,
                         QStringLiteral("%1 (revision %2): %3 is larger than the %4 MiB such a "
                                        "file of a model may hold; refused")
                             .arg(context.repository, context.revision, file)
                             .arg(double(failure.limit) / (1 << 20), 0, 'f', 0));
    case FetchFailure::Kind::Cancelled:
        return cancelledError(context);
    }
    return makeError(ErrorCode::Internal, file + QStringLiteral(": unknown download failure"));
}

} // namespace

Error describeFetchFailure(const FetchFailure& failure, const QString& file,
                           const DownloadContext& context) {
    // Server text (X-Error-Message, a redirect's host, Qt's reasons quoting a URL) and the
    // repository's file names all end up in the message.
    Error error = describe(failure, file, context);
    error.message = printableText(error.message);
    return error;
}

} // namespace semsearch
