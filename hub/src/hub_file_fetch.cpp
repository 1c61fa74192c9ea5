#include "hub_file_fetch.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QStorageInfo>

namespace semsearch {

namespace {

constexpr int kMaxRedirects = 10;

bool isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// "bytes 100-199/1000" -> {100, 1000}; "bytes */1000" -> {-1, 1000}.
std::optional<std::pair<std::int64_t, std::int64_t>> parseContentRange(const QByteArray& value) {
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*bytes\s+(?:(\d+)-\d+|\*)/(\d+)\s*$)"));
    const QRegularExpressionMatch match = pattern.match(QString::fromLatin1(value));
    if (!match.hasMatch())
        return std::nullopt;
    const std::int64_t start = match.captured(1).isEmpty() ? -1 : match.captured(1).toLongLong();
    return std::pair{start, match.captured(2).toLongLong()};
}

// Errors after which the same request may well work: the connection broke or timed out.
bool isTransient(QNetworkReply::NetworkError error) {
    switch (error) {
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::InternalServerError:
    case QNetworkReply::ServiceUnavailableError:
        return true;
    default:
        return false;
    }
}

} // namespace

QString sha256FromEtag(const QByteArray& etag) {
    QByteArray value = etag.trimmed();
    if (value.startsWith("W/"))
        value = value.mid(2);
    if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.mid(1, value.size() - 2);
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{64}$"));
    const QString text = QString::fromLatin1(value);
    return hex.match(text).hasMatch() ? text.toLower() : QString();
}

bool isSameOrigin(const QUrl& a, const QUrl& b) {
    const auto defaultPort = [](const QUrl& url) {
        return url.scheme() == QLatin1String("https") ? 443 : 80;
    };
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 &&
           a.port(defaultPort(a)) == b.port(defaultPort(b));
}

QString refusedRedirect(const QUrl& from, const QUrl& to) {
    const QString scheme = to.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return QStringLiteral("it leads to a '%1:' address; only http and https are followed")
            .arg(scheme);
    if (from.scheme() == QLatin1String("https") && scheme == QLatin1String("http"))
        return QStringLiteral("it leads from https to unencrypted http");
    return {};
}

HubFileFetch::HubFileFetch(QNetworkAccessManager& network, FetchRequest request, QObject* parent)
    : QObject(parent), m_network(network), m_request(std::move(request)) {
    m_tokenOrigin = m_request.url;
    m_stallTimer.setSingleShot(true);
    m_stallTimer.setInterval(m_request.stallTimeoutMs);
    connect(&m_stallTimer, &QTimer::timeout, this, &HubFileFetch::onStall);
}

HubFileFetch::~HubFileFetch() {
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void HubFileFetch::start() {
    m_file.setFileName(m_request.destination);
    const bool resume = m_request.resume && m_file.exists();
    if (!m_file.open(resume ? QIODevice::WriteOnly | QIODevice::Append
                            : QIODevice::WriteOnly | QIODevice::Truncate)) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Write);
        failure.detail = m_file.errorString();
        // Reported from the event loop, as promised.
        QTimer::singleShot(0, this, [this, failure] { fail(failure); });
        return;
    }
    m_offset = m_file.size();
    QTimer::singleShot(0, this, [this] { send(m_request.url); });
}

void HubFileFetch::cancel() {
    if (m_done)
        return;
    fail(failureHere(FetchFailure::Kind::Cancelled));
}

FetchFailure HubFileFetch::failureHere(FetchFailure::Kind kind) const {
    FetchFailure failure;
    failure.kind = kind;
    failure.url = m_currentUrl.isEmpty() ? m_request.url : m_currentUrl;
    failure.bytesDone = m_offset;
    failure.bytesTotal = m_total;
    return failure;
}

void HubFileFetch::send(const QUrl& url) {
    if (m_done)
        return;
    m_currentUrl = url;
    m_next = Next::Nothing;
    m_headersSeen = false;
    m_bodyOpen = false;
    m_stalled = false;
    m_offsetAtSend = m_offset;

    QNetworkRequest request(url);
    // Redirects by hand: the hub's first answer carries the checksum, and the token must not
    // follow a redirect to the CDN's host.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    // Exactly the stored bytes: with compression, Range offsets would not be file offsets.
    request.setRawHeader("Accept-Encoding", "identity");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("semsearch/" SEMSEARCH_VERSION));
    if (!m_request.token.isEmpty() && isSameOrigin(url, m_tokenOrigin))
        request.setRawHeader("Authorization", "Bearer " + m_request.token);
    if (m_offset > 0)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(qint64(m_offset)) + '-');

    QNetworkReply* reply = m_network.get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] { onHeaders(reply); });
    connect(reply, &QIODevice::readyRead, this, [this, reply] { onData(reply); });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReplyFinished(reply); });
    m_stallTimer.start();
}

// Decides what the reply is from its status line and headers. Runs once per reply: when its
// headers arrive, or when it finishes or delivers data without that signal having come first.
// Aborting a reply (to follow a redirect, restart or stop) finishes it at once, re-entering
// onReplyFinished, which acts on m_next; so every abort() here is the last thing done.
void HubFileFetch::onHeaders(QNetworkReply* reply) {
    if (m_headersSeen || m_done)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return; // not even a status line yet
    m_headersSeen = true;
    m_stallTimer.start();
    if (m_firstHop) {
        // The hub's own headers; a CDN's ETag is never the content's SHA-256.
        m_firstHop = false;
        QString sha = sha256FromEtag(reply->rawHeader("X-Linked-Etag"));
        if (sha.isEmpty())
            sha = sha256FromEtag(reply->rawHeader("ETag"));
        m_result.sha256 = sha;
        m_result.commit = QString::fromLatin1(reply->rawHeader("X-Repo-Commit")).trimmed();
        bool ok = false;
        const std::int64_t linked = reply->rawHeader("X-Linked-Size").toLongLong(&ok);
        if (ok && linked >= 0)
            m_linkedSize = linked;
    }

    if (isRedirect(status)) {
        const QUrl target = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        if (target.isEmpty()) {
            FetchFailure failure = failureHere(FetchFailure::Kind::Http);
            failure.httpStatus = status;
            failure.detail = QStringLiteral("a redirect without a Location");
            fail(failure);
            return;
        }
        m_nextUrl = reply->url().resolved(target);
        if (const QString refused = refusedRedirect(reply->url(), m_nextUrl); !refused.isEmpty()) {
            FetchFailure failure = failureHere(FetchFailure::Kind::RedirectRefused);
            failure.httpStatus = status;
            failure.detail = refused;
            failure.url = reply->url();
            fail(failure);
            return;
        }
        m_next = Next::Follow;
        reply->abort();
        return;
    }

    if (status == 416) {
        // Asked for the bytes after the end: the part may be the complete file already.
        const auto range = parseContentRange(reply->rawHeader("Content-Range"));
        const std::int64_t total = range ? range->second : m_linkedSize;
        if (total >= 0 && total == m_offset) {
            m_total = total;
            m_next = Next::Complete;
        } else {
            if (!restartOnce(status))
                return;
            m_next = Next::Restart;
        }
        reply->abort();
        return;
    }

    if (status >= 400) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Http);
        failure.httpStatus = status;
        failure.hubErrorCode = reply->rawHeader("X-Error-Code");
        failure.detail = QString::fromUtf8(reply->rawHeader("X-Error-Message"));
        if (failure.detail.isEmpty())
            failure.detail =
                reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        // Let the (short) error body arrive: Qt has set the reply's error already, and an abort
        // on top would make it report a second one.
        m_pendingFailure = failure;
        m_next = Next::Fail;
        return;
    }

    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    if (status == 206) {
        const auto range = parseContentRange(reply->rawHeader("Content-Range"));
        if (!range || range->first != m_offset) {
            // Not the bytes asked for: start the file again rather than splice.
            if (!restartOnce(status))
                return;
            m_next = Next::Restart;
            reply->abort();
            return;
        }
        m_total = range->second;
    } else {
        // 200 to a Range request: the server sends the whole file, so the part is dropped.
        if (m_offset > 0 && !startOver())
            return;
        m_total = length.isValid() ? length.toLongLong() : m_linkedSize;
    }

    if (m_total > 0) {
        // Refuse early rather than fill the disk: the rest of the file must fit.
        const QStorageInfo storage(QFileInfo(m_request.destination).absolutePath());
        const std::int64_t needed = m_total - m_offset;
        if (storage.isValid() && storage.bytesAvailable() >= 0 &&
            storage.bytesAvailable() < needed) {
            FetchFailure failure = failureHere(FetchFailure::Kind::NoSpace);
            failure.detail = QStringLiteral("%1 MB needed, %2 MB free")
                                 .arg(double(needed) / 1e6, 0, 'f', 1)
                                 .arg(double(storage.bytesAvailable()) / 1e6, 0, 'f', 1);
            fail(failure);
            return;
        }
    }
    if (m_request.maxBytes >= 0 && m_total > m_request.maxBytes) {
        failTooLarge();
        return;
    }
    m_bodyOpen = true;
    Q_EMIT progress(m_offset, m_total);
}

void HubFileFetch::failTooLarge() {
    FetchFailure failure = failureHere(FetchFailure::Kind::TooLarge);
    failure.limit = m_request.maxBytes;
    fail(failure);
}

void HubFileFetch::onData(QNetworkReply* reply) {
    onHeaders(reply);
    if (m_done || reply != m_reply || !reply->isOpen())
        return;
    if (!m_bodyOpen) {
        // A redirect's or an error's body, dropped. An error's that never ends is cut off by
        // the stall timer, which its data does not restart.
        reply->readAll();
        return;
    }
    m_stallTimer.start();
    // Never more than one byte past the limit is read: a server that sends without end (no
    // Content-Length, or a false one) is cut off, not buffered.
    const qint64 room = m_request.maxBytes >= 0 ? m_request.maxBytes + 1 - m_offset : -1;
    const QByteArray bytes = room >= 0 ? reply->read(room) : reply->readAll();
    if (bytes.isEmpty())
        return;
    if (m_request.maxBytes >= 0 && m_offset + bytes.size() > m_request.maxBytes) {
        failTooLarge();
        return;
    }
    if (m_file.write(bytes) != bytes.size()) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Write);
        failure.detail = m_file.errorString();
        fail(failure);
        return;
    }
    m_offset += bytes.size();
    m_result.bytesReceived += bytes.size();
    Q_EMIT progress(m_offset, m_total);
}

void HubFileFetch::onStall() {
    if (m_pendingFailure) {
        fail(*m_pendingFailure); // its body never came; the status said enough
        return;
    }
    if (!m_reply || m_next != Next::Nothing)
        return;
    m_stalled = true;
    m_reply->abort();
}

bool HubFileFetch::restartOnce(int status) {
    if (m_restarted) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Http);
        failure.httpStatus = status;
        failure.detail = QStringLiteral("the server does not serve the range it was asked for");
        fail(failure);
        return false;
    }
    m_restarted = true;
    return startOver();
}

bool HubFileFetch::startOver() {
    if (!m_file.resize(0) || !m_file.seek(0)) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Write);
        failure.detail = m_file.errorString();
        fail(failure);
        return false;
    }
    m_offset = 0;
    return true;
}

void HubFileFetch::onReplyFinished(QNetworkReply* reply) {
    if (reply != m_reply || m_done)
        return;
    onHeaders(reply); // a no-op unless no metaDataChanged came
    if (m_done)
        return;
    if (m_bodyOpen)
        onData(reply); // whatever arrived with the end
    if (m_done)
        return;
    m_reply = nullptr;
    m_stallTimer.stop();
    reply->deleteLater();

    switch (m_next) {
    case Next::Follow:
        if (++m_hops > kMaxRedirects) {
            fail(failureHere(FetchFailure::Kind::Redirects));
            return;
        }
        send(m_nextUrl);
        return;
    case Next::Restart:
        send(m_request.url);
        return;
    case Next::Complete:
        finish();
        return;
    case Next::Fail:
        if (m_pendingFailure) {
            fail(*m_pendingFailure);
            return;
        }
        break;
    case Next::Nothing:
        break;
    }

    const auto error = reply->error();
    const bool complete =
        m_bodyOpen && error == QNetworkReply::NoError && (m_total < 0 || m_offset == m_total);
    if (complete) {
        finish();
        return;
    }
    // A broken or stalled transfer: ask again from where it stopped, through the hub (a CDN
    // link may have expired), a few times in a row; progress resets the count.
    const bool dropped =
        m_stalled || isTransient(error) || (error == QNetworkReply::NoError && m_bodyOpen);
    if (m_offset > m_offsetAtSend)
        m_failuresInARow = 0;
    if (dropped && m_failuresInARow < m_request.retries) {
        ++m_failuresInARow;
        m_firstHop = true;
        m_hops = 0;
        send(m_request.url);
        return;
    }
    FetchFailure failure =
        failureHere(m_stalled ? FetchFailure::Kind::Stalled : FetchFailure::Kind::Network);
    failure.networkError = int(error);
    if (m_stalled)
        failure.detail = QStringLiteral("nothing received for %1 s")
                             .arg(m_request.stallTimeoutMs / 1000.0, 0, 'g', 3);
    else if (error == QNetworkReply::NoError)
        failure.detail = QStringLiteral("the connection closed before the end of the file");
    else
        failure.detail = reply->errorString();
    fail(failure);
}

void HubFileFetch::fail(FetchFailure failure) {
    if (m_done)
        return;
    m_result.failure = std::move(failure);
    m_next = Next::Fail;
    if (m_reply) {
        QNetworkReply* reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    finish();
}

void HubFileFetch::finish() {
    if (m_done)
        return;
    m_done = true;
    m_stallTimer.stop();
    if (m_file.isOpen() && !m_file.flush() && !m_result.failure) {
        FetchFailure failure = failureHere(FetchFailure::Kind::Write);
        failure.detail = m_file.errorString();
        m_result.failure = failure;
    }
    m_file.close();
    m_result.size = m_offset;
    Q_EMIT finished(m_result);
}

} // namespace semsearch
