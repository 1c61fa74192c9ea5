#pragma once

// One file from the hub into one local file: the request, manual redirects (so that the hub's
// own headers are seen before the CDN's, and the token stays on the hub's own origin), HTTP
// Range resumes, a stall timer and automatic retries of a dropped transfer. It knows nothing of
// models; ModelDownload decides what to fetch and what a failure means.
//
// Redirects: only to http and https addresses (a file:, ftp: or data: Location is refused), and
// never from https to plain http. The token goes only to the scheme, host and port of the first
// request (isSameOrigin): not to a CDN, not to another port of the same host.

#include <QByteArray>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <cstdint>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace semsearch {

struct FetchRequest {
    QUrl url;
    QString destination; // the local file written
    bool resume = false; // continue a destination that exists, with a Range request
    QByteArray token;    // sent as a bearer token to the origin of `url` only (isSameOrigin)
    // The most bytes the file may have; -1: no limit. A file the server announces or sends
    // larger is refused (Kind::TooLarge) without writing past the limit.
    std::int64_t maxBytes = -1;
    int stallTimeoutMs = 30000;
    int retries = 3;
};

// Why a fetch failed, as raw facts; hub_messages.h turns them into a user's message.
struct FetchFailure {
    enum class Kind {
        Http,            // the server answered with an error status
        Network,         // Qt's network error (no route, refused, dropped ...) after the retries
        Stalled,         // nothing received for stallTimeoutMs, after the retries
        Write,           // the local file could not be written
        NoSpace,         // the file system has less room than the file needs
        Redirects,       // more than 10 redirects
        RedirectRefused, // to a scheme other than http(s), or from https to http
        TooLarge,        // larger than FetchRequest::maxBytes
        Cancelled,
    };
    Kind kind = Kind::Network;
    int httpStatus = 0;
    QByteArray hubErrorCode; // X-Error-Code, e.g. "RepositoryNotFound", "GatedRepo"
    int networkError = 0;    // QNetworkReply::NetworkError
    QString detail;          // Qt's or the system's reason; the server's own for Kind::Http
    std::int64_t limit = -1; // Kind::TooLarge: the limit
    QUrl url;                // the request that failed
    std::int64_t bytesDone = 0;
    std::int64_t bytesTotal = -1;
};

struct FetchResult {
    std::optional<FetchFailure> failure;
    QString sha256;        // what the hub says the content hashes to (lower-case hex), if it says
    QString commit;        // X-Repo-Commit: the commit the revision resolved to, if given
    std::int64_t size = 0; // bytes in the destination
    std::int64_t bytesReceived = 0; // over the network, this fetch
};

// "abc…" from an ETag value such as W/"abc…" when it is a SHA-256 (64 hex digits), else empty.
QString sha256FromEtag(const QByteArray& etag);

// True when `a` and `b` have the same scheme, host and port (an absent port counts as the
// scheme's default): the only addresses the token is sent to.
bool isSameOrigin(const QUrl& a, const QUrl& b);

// Empty when a redirect from `from` to `to` may be followed; else why not, in words for a
// message ("it leads to a file: address ...").
QString refusedRedirect(const QUrl& from, const QUrl& to);

class HubFileFetch : public QObject {
    Q_OBJECT

public:
    HubFileFetch(QNetworkAccessManager& network, FetchRequest request, QObject* parent = nullptr);
    ~HubFileFetch() override;

    // Starts; `finished` follows exactly once (not from within start()).
    void start();
    // Stops; `finished` reports Kind::Cancelled. The destination keeps what arrived.
    void cancel();
    // Over the network so far, this fetch.
    std::int64_t bytesReceived() const { return m_result.bytesReceived; }

Q_SIGNALS:
    // Bytes in the destination so far, and the file's size (-1 while unknown).
    void progress(std::int64_t done, std::int64_t total);
    void finished(const semsearch::FetchResult& result);

private:
    // What to do when the current reply finishes (decided before it is aborted).
    enum class Next { Nothing, Follow, Restart, Complete, Fail };

    void send(const QUrl& url);
    void onHeaders(QNetworkReply* reply);
    void onData(QNetworkReply* reply);
    void onReplyFinished(QNetworkReply* reply);
    void onStall();
    void fail(FetchFailure failure);
    void finish();
    // Empties the destination to fetch the file from its start; false (after failing) when it
    // cannot, or when that was tried once already for this file.
    bool restartOnce(int status);
    bool startOver(); // truncates the destination; false (and fails) when it cannot
    void failTooLarge();
    FetchFailure failureHere(FetchFailure::Kind kind) const;

    QNetworkAccessManager& m_network;
    FetchRequest m_request;
    QUrl m_tokenOrigin;
    QFile m_file;
    QPointer<QNetworkReply> m_reply;
    QTimer m_stallTimer;
    QUrl m_currentUrl;
    QUrl m_nextUrl;
    Next m_next = Next::Nothing;
    bool m_firstHop = true;
    bool m_headersSeen = false; // the current reply's status has been acted on
    bool m_bodyOpen = false;    // the current reply is delivering the file's bytes
    bool m_stalled = false;
    bool m_restarted = false; // a 416 or bad Content-Range already forced one restart
    bool m_done = false;
    int m_hops = 0;
    int m_failuresInARow = 0;
    std::int64_t m_offset = 0;      // bytes in the destination
    std::int64_t m_total = -1;      // the file's size, once known
    std::int64_t m_linkedSize = -1; // X-Linked-Size from the hub
    std::int64_t m_offsetAtSend = 0;
    std::int64_t m_discardedBytes = 0;            // of the current reply's redirect or error body
    std::optional<FetchFailure> m_pendingFailure; // an HTTP error, reported when the reply ends
    FetchResult m_result;
};

} // namespace semsearch
