#pragma once

// A stand-in for the Hugging Face hub on 127.0.0.1, for download tests (these machines cannot
// reach the real one). It answers like the hub does:
//   GET /{owner}/{name}/resolve/{revision}/{file}
//     small file  200 with ETag "<git blob sha1>", X-Repo-Commit, Content-Length, Range support
//     large file  302 to http://localhost:{port}/cdn/{owner}/{name}/{file} (another host name,
//                 so a client must drop its token) with X-Linked-Etag "<sha256>",
//                 X-Linked-Size and X-Repo-Commit; the CDN serves the bytes with Range support
//     errors      404 + X-Error-Code RepositoryNotFound / RevisionNotFound / EntryNotFound;
//                 401 (no token) or 403 (wrong token) + X-Error-Code GatedRepo for a gated one
// Every response closes its connection. Revisions served: "main" and the commit itself. It
// also answers as an HTTP proxy would ("GET http://any-host/path"), whatever the host.
//
// The server runs on its own thread, so a test may block (waiting for a CLI process) while it
// serves. Every method is thread-safe.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QSet>
#include <QString>
#include <QThread>

#include <memory>

namespace semsearch::test {

struct HubRepository {
    QMap<QString, QByteArray> files; // path in the repository -> content
    QSet<QString> largeFiles;        // served through the CDN, with their SHA-256 advertised
    // Bytes the CDN sends instead of the real content, whose SHA-256 is still advertised: a
    // corrupted transfer.
    QMap<QString, QByteArray> servedInstead;
    QString token; // non-empty: gated, needs "Authorization: Bearer <token>"
    // Files sent without a Content-Length: the body ends when the connection closes.
    QSet<QString> withoutLength;
    // Non-empty: every request for the repository is answered 500 with this X-Error-Message
    // (sent as is, control characters and all).
    QByteArray errorMessage;
    QString commit = QStringLiteral("4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c");
};

struct HubRequest {
    QString path;     // as requested, without the query
    QByteArray range; // the Range header, if any
    QByteArray authorization;
    int status = 0;
    bool proxied = false; // asked as a proxy is ("GET http://host/path")
};

class LocalHubServer {
public:
    LocalHubServer();
    ~LocalHubServer();

    // Starts listening on 127.0.0.1 on a free port; false on failure.
    bool start();
    QString endpoint() const; // "http://127.0.0.1:<port>"
    quint16 port() const;

    void addRepository(const QString& name, HubRepository repository);
    // A repository holding the files of a model folder on disk (its *.safetensors and *.bin
    // served as large files).
    static HubRepository repositoryFromFolder(const QString& folder, const QStringList& files);
    // Its commit changes, as when someone pushes to the revision.
    void setCommit(const QString& name, const QString& commit);

    // The next transfer of `file` (from the CDN or the hub) sends `bytes` of its body and then
    // closes the connection.
    void dropNextTransferAfter(const QString& file, qint64 bytes);
    // Bodies go out `bytesPerTick` bytes every `tickMs` ms; 0 sends them at once.
    void setThrottle(int bytesPerTick, int tickMs);
    // Large-file bodies never start: the connection stays open and silent.
    void setStallLargeFiles(bool stall);
    // Range headers are ignored: always 200 with the whole file.
    void setIgnoreRange(bool ignore);
    // Where large files are redirected: `base` + "/cdn/{owner}/{name}/{file}". Empty (the
    // default): http://localhost:{port}, this server under another host name. Another server's
    // address (another port) or another scheme ("file://...") tests what a client follows.
    void setCdnBase(const QByteArray& base);

    // Body bytes written for `file` (any repository) since the last reset.
    qint64 bytesServed(const QString& file) const;
    QList<HubRequest> requests() const;
    void resetCounters();

    struct State; // shared with the worker thread

private:
    std::shared_ptr<State> m_state;
    QThread m_thread;
    class Worker;
    Worker* m_worker = nullptr; // lives in m_thread
    quint16 m_port = 0;
};

} // namespace semsearch::test
