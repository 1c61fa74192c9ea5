#include "local_hub_server.h"

#include <QCryptographicHash>
#include <QFile>
#include <QMutexLocker>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <vector>

namespace semsearch::test {

struct LocalHubServer::State {
    mutable QMutex mutex;
    QMap<QString, HubRepository> repositories;
    QMap<QString, qint64> dropAfter;
    int bytesPerTick = 0;
    int tickMs = 0;
    bool stallLarge = false;
    bool ignoreRange = false;
    QByteArray cdnBase;
    QMap<QString, qint64> served;
    QList<HubRequest> requests;
    quint16 port = 0;
};

namespace {

struct Response {
    int status = 200;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body; // the whole file; the part sent is [start, end)
    qint64 start = 0;
    qint64 end = 0;
    QString file; // for the byte count; empty for error bodies
    bool headOnly = false;
    bool stall = false;
    bool withoutLength = false; // no Content-Length: the body ends with the connection
    qint64 dropAfter = -1;      // body bytes before the connection is closed; -1: all
};

QByteArray reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 302:
        return "Found";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    default:
        return "Error";
    }
}

Response errorResponse(int status, const QByteArray& code, const QByteArray& message) {
    Response response;
    response.status = status;
    response.headers.push_back({"X-Error-Code", code});
    response.headers.push_back({"X-Error-Message", message});
    response.body = message;
    response.end = message.size();
    return response;
}

// The bytes of `content` (or all of it), honouring a "bytes=N-" or "bytes=N-M" Range.
Response fileResponse(const QByteArray& content, const QByteArray& range, bool ignoreRange) {
    Response response;
    response.body = content;
    response.end = content.size();
    response.headers.push_back({"Accept-Ranges", "bytes"});
    if (range.startsWith("bytes=") && !ignoreRange) {
        const QList<QByteArray> bounds = range.mid(6).split('-');
        const qint64 first = bounds.value(0).toLongLong();
        const qint64 last =
            bounds.value(1).isEmpty() ? content.size() - 1 : bounds.value(1).toLongLong();
        if (first >= content.size()) {
            response.status = 416;
            response.headers.push_back(
                {"Content-Range", "bytes */" + QByteArray::number(content.size())});
            response.body.clear();
            response.end = 0;
            return response;
        }
        response.status = 206;
        response.start = first;
        response.end = std::min<qint64>(last + 1, content.size());
        response.headers.push_back({"Content-Range", "bytes " + QByteArray::number(first) + '-' +
                                                         QByteArray::number(response.end - 1) +
                                                         '/' + QByteArray::number(content.size())});
    }
    return response;
}

QByteArray gitBlobSha1(const QByteArray& content) {
    return QCryptographicHash::hash("blob " + QByteArray::number(content.size()) + '\0' + content,
                                    QCryptographicHash::Sha1)
        .toHex();
}

} // namespace

// Accepts connections and answers them on the server's thread.
class LocalHubServer::Worker : public QObject {
public:
    explicit Worker(std::shared_ptr<State> state) : m_state(std::move(state)) {}

    quint16 listen() {
        m_server = new QTcpServer(this);
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            return 0;
        connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server->nextPendingConnection())
                serve(socket);
        });
        return m_server->serverPort();
    }

private:
    void serve(QTcpSocket* socket) {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0 || socket->property("answered").toBool())
                return;
            socket->setProperty("answered", true);
            respond(socket, buffer->left(end));
        });
    }

    void respond(QTcpSocket* socket, const QByteArray& head) {
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        QMap<QByteArray, QByteArray> headers;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                headers.insert(lines[i].left(colon).trimmed().toLower(),
                               lines[i].mid(colon + 1).trimmed());
        }
        const QByteArray method = requestLine.value(0);
        // A proxy is asked for "http://host/path"; a server for "/path".
        QString target = QString::fromLatin1(requestLine.value(1));
        const bool proxied = target.startsWith(QLatin1String("http://"));
        if (proxied)
            target = QLatin1Char('/') + target.section(QLatin1Char('/'), 3);
        const QString path = target.section(QLatin1Char('?'), 0, 0);
        Response response = answer(path, headers);
        response.headOnly = method == "HEAD";
        {
            QMutexLocker lock(&m_state->mutex);
            m_state->requests.append({path, headers.value("range"), headers.value("authorization"),
                                      response.status, proxied});
        }
        send(socket, std::move(response));
    }

    Response answer(const QString& path, const QMap<QByteArray, QByteArray>& headers) {
        QMutexLocker lock(&m_state->mutex);
        const QStringList parts = path.split(QLatin1Char('/'));
        // /cdn/{owner}/{name}/{file...}
        if (parts.value(1) == QLatin1String("cdn") && parts.size() >= 5) {
            const QString repo = parts[2] + QLatin1Char('/') + parts[3];
            const QString file = QUrl::fromPercentEncoding(parts.mid(4).join('/').toLatin1());
            const auto found = m_state->repositories.constFind(repo);
            if (found == m_state->repositories.cend() || !found->files.contains(file))
                return errorResponse(404, "EntryNotFound", "no such object");
            const QByteArray bytes = found->servedInstead.value(file, found->files.value(file));
            Response response = fileResponse(bytes, headers.value("range"), m_state->ignoreRange);
            response.headers.push_back(
                {"ETag",
                 '"' + QCryptographicHash::hash(bytes, QCryptographicHash::Md5).toHex() + '"'});
            return finishFile(std::move(response), file, true);
        }
        // /{owner}/{name}/resolve/{revision}/{file...}
        if (parts.size() < 6 || parts[3] != QLatin1String("resolve"))
            return errorResponse(404, "", "not a resolve path");
        const QString repo = parts[1] + QLatin1Char('/') + parts[2];
        const QString revision = QUrl::fromPercentEncoding(parts[4].toLatin1());
        const QString file = QUrl::fromPercentEncoding(parts.mid(5).join('/').toLatin1());
        const auto found = m_state->repositories.constFind(repo);
        if (found == m_state->repositories.cend())
            return errorResponse(404, "RepositoryNotFound", "Repository not found");
        if (!found->errorMessage.isEmpty())
            return errorResponse(500, "", found->errorMessage);
        if (!found->token.isEmpty()) {
            const QByteArray authorization = headers.value("authorization");
            if (authorization.isEmpty())
                return errorResponse(401, "GatedRepo", "Access to this model is restricted");
            if (authorization != "Bearer " + found->token.toUtf8())
                return errorResponse(403, "GatedRepo", "Your token has no access");
        }
        if (revision != QLatin1String("main") && revision != found->commit)
            return errorResponse(404, "RevisionNotFound", "Invalid rev id");
        if (!found->files.contains(file))
            return errorResponse(404, "EntryNotFound", "Entry not found");
        const QByteArray& content = found->files.value(file);
        const QByteArray commit = found->commit.toLatin1();
        if (found->largeFiles.contains(file)) {
            Response response;
            response.status = 302;
            const QByteArray sha256 =
                QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex();
            const QByteArray base = m_state->cdnBase.isEmpty()
                                        ? "http://localhost:" + QByteArray::number(m_state->port)
                                        : m_state->cdnBase;
            response.headers = {
                {"Location", base + "/cdn/" + repo.toLatin1() + '/' +
                                 QUrl::toPercentEncoding(file, "/") + "?X-Signature=abc"},
                {"X-Linked-Etag", '"' + sha256 + '"'},
                {"X-Linked-Size", QByteArray::number(content.size())},
                {"ETag", '"' + gitBlobSha1(content) + '"'},
                {"X-Repo-Commit", commit},
            };
            return response;
        }
        Response response = fileResponse(content, headers.value("range"), m_state->ignoreRange);
        response.headers.push_back({"ETag", '"' + gitBlobSha1(content) + '"'});
        response.headers.push_back({"X-Repo-Commit", commit});
        response.withoutLength = found->withoutLength.contains(file);
        return finishFile(std::move(response), file, false);
    }

    // Applies the behaviours that are set for the next transfer of `file`. Locked by answer().
    Response finishFile(Response response, const QString& file, bool large) {
        response.file = file;
        if (response.status == 200 || response.status == 206) {
            if (large && m_state->stallLarge)
                response.stall = true;
            const auto drop = m_state->dropAfter.find(file);
            if (drop != m_state->dropAfter.end()) {
                response.dropAfter = drop.value();
                m_state->dropAfter.erase(drop);
            }
        }
        return response;
    }

    void send(QTcpSocket* socket, Response response) {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' +
                          reason(response.status) + "\r\n";
        for (const auto& [name, value] : response.headers)
            head += name + ": " + value + "\r\n";
        if (!response.withoutLength)
            head += "Content-Length: " + QByteArray::number(response.end - response.start) + "\r\n";
        head += "Connection: close\r\n\r\n";
        socket->write(head);
        if (response.headOnly) {
            socket->disconnectFromHost();
            return;
        }
        if (response.stall)
            return; // silent until the client gives up
        qint64 stop = response.end;
        if (response.dropAfter >= 0)
            stop = std::min(stop, response.start + response.dropAfter);

        int perTick = 0;
        int tickMs = 0;
        {
            QMutexLocker lock(&m_state->mutex);
            perTick = m_state->bytesPerTick;
            tickMs = m_state->tickMs;
        }
        auto position = std::make_shared<qint64>(response.start);
        const QString file = response.file;
        const QByteArray body = response.body;
        auto writeSome = [this, socket, position, stop, file, body](qint64 limit) {
            const qint64 count = std::min(limit, stop - *position);
            if (count > 0) {
                socket->write(body.constData() + *position, count);
                *position += count;
                if (!file.isEmpty()) {
                    QMutexLocker lock(&m_state->mutex);
                    m_state->served[file] += count;
                }
            }
            if (*position >= stop)
                socket->disconnectFromHost(); // after the written bytes have gone out
            return *position >= stop;
        };
        if (perTick <= 0) {
            writeSome(stop - *position);
            return;
        }
        auto* timer = new QTimer(socket);
        QPointer<QTcpSocket> alive(socket);
        connect(timer, &QTimer::timeout, socket, [timer, writeSome, perTick, alive] {
            if (!alive || alive->state() != QAbstractSocket::ConnectedState || writeSome(perTick))
                timer->stop();
        });
        timer->start(tickMs);
    }

    std::shared_ptr<State> m_state;
    QTcpServer* m_server = nullptr;
};

LocalHubServer::LocalHubServer() : m_state(std::make_shared<State>()) {
    m_thread.setObjectName(QStringLiteral("local hub server"));
}

LocalHubServer::~LocalHubServer() {
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, &QObject::deleteLater);
    m_thread.quit();
    m_thread.wait();
}

bool LocalHubServer::start() {
    m_worker = new Worker(m_state);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    // Test code may wait here: the port is needed before anything else can happen.
    QMetaObject::invokeMethod(
        m_worker, [this] { m_port = m_worker->listen(); }, Qt::BlockingQueuedConnection);
    QMutexLocker lock(&m_state->mutex);
    m_state->port = m_port;
    return m_port != 0;
}

QString LocalHubServer::endpoint() const {
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

quint16 LocalHubServer::port() const {
    return m_port;
}

void LocalHubServer::addRepository(const QString& name, HubRepository repository) {
    QMutexLocker lock(&m_state->mutex);
    m_state->repositories.insert(name, std::move(repository));
}

HubRepository LocalHubServer::repositoryFromFolder(const QString& folder,
                                                   const QStringList& files) {
    HubRepository repository;
    for (const QString& name : files) {
        QFile file(folder + QLatin1Char('/') + name);
        if (!file.open(QIODevice::ReadOnly))
            qFatal("local hub: cannot read %s", qPrintable(file.fileName()));
        repository.files.insert(name, file.readAll());
        if (name.endsWith(QLatin1String(".safetensors")) || name.endsWith(QLatin1String(".bin")))
            repository.largeFiles.insert(name);
    }
    return repository;
}

void LocalHubServer::setCommit(const QString& name, const QString& commit) {
    QMutexLocker lock(&m_state->mutex);
    m_state->repositories[name].commit = commit;
}

void LocalHubServer::dropNextTransferAfter(const QString& file, qint64 bytes) {
    QMutexLocker lock(&m_state->mutex);
    m_state->dropAfter.insert(file, bytes);
}

void LocalHubServer::setThrottle(int bytesPerTick, int tickMs) {
    QMutexLocker lock(&m_state->mutex);
    m_state->bytesPerTick = bytesPerTick;
    m_state->tickMs = tickMs;
}

void LocalHubServer::setStallLargeFiles(bool stall) {
    QMutexLocker lock(&m_state->mutex);
    m_state->stallLarge = stall;
}

void LocalHubServer::setCdnBase(const QByteArray& base) {
    QMutexLocker lock(&m_state->mutex);
    m_state->cdnBase = base;
}

void LocalHubServer::setIgnoreRange(bool ignore) {
    QMutexLocker lock(&m_state->mutex);
    m_state->ignoreRange = ignore;
}

qint64 LocalHubServer::bytesServed(const QString& file) const {
    QMutexLocker lock(&m_state->mutex);
    return m_state->served.value(file);
}

QList<HubRequest> LocalHubServer::requests() const {
    QMutexLocker lock(&m_state->mutex);
    return m_state->requests;
}

void LocalHubServer::resetCounters() {
    QMutexLocker lock(&m_state->mutex);
    m_state->served.clear();
    m_state->requests.clear();
}

} // namespace semsearch::test
