#include "single_instance.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QIODevice>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QStandardPaths>
#include <QTimer>

#include <optional>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace semsearch::ui {

namespace {

constexpr qint64 kHeaderBytes = 8; // magic, payload length
constexpr char kAccepted = 1;
// sockaddr_un holds 108 bytes on Linux; past that QLocalServer cannot bind a full path.
constexpr int kMaxSocketPathLength = 100;

// The canonical path of a folder that may not exist yet: the deepest existing ancestor is
// canonicalised and the missing rest appended, so that the name stays the same once the index
// folder is created (the first launch may come before it exists).
QString canonicalFolder(const QString& folder) {
    QString existing = QDir::cleanPath(QDir::current().absoluteFilePath(folder));
    QStringList missing;
    while (!QFileInfo::exists(existing)) {
        const QFileInfo info(existing);
        missing.prepend(info.fileName());
        const QString parent = info.path();
        if (parent == existing)
            break;
        existing = parent;
    }
    const QString canonical = QFileInfo(existing).canonicalFilePath();
    const QString base = canonical.isEmpty() ? existing : canonical;
    return missing.isEmpty() ? base : base + QLatin1Char('/') + missing.join(QLatin1Char('/'));
}

QString userKey() {
#ifdef Q_OS_UNIX
    return QString::number(::getuid());
#else
    return qEnvironmentVariable("USERNAME");
#endif
}

QByteArray encodeRequest(const InstanceRequest& request) {
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_0);
    out << SingleInstance::kProtocolVersion << request.addFolder << quint32(request.paths.size());
    for (const QString& path : request.paths)
        out << QDir::cleanPath(QDir::current().absoluteFilePath(path));

    QByteArray message;
    QDataStream header(&message, QIODevice::WriteOnly);
    header << SingleInstance::kMagic << quint32(payload.size());
    return message + payload;
}

std::optional<InstanceRequest> decodePayload(const QByteArray& payload) {
    QDataStream in(payload);
    in.setVersion(QDataStream::Qt_6_0);
    quint32 version = 0;
    quint32 count = 0;
    InstanceRequest request;
    in >> version >> request.addFolder >> count;
    // Every QString takes at least its 4-byte length: a larger count is a lie, and trusting it
    // would reserve memory for it.
    if (in.status() != QDataStream::Ok || version != SingleInstance::kProtocolVersion ||
        count > quint32(payload.size() / 4))
        return std::nullopt;
    for (quint32 i = 0; i < count; ++i) {
        QString path;
        in >> path;
        if (in.status() != QDataStream::Ok || path.isEmpty())
            return std::nullopt;
        request.paths << path;
    }
    if (!in.atEnd())
        return std::nullopt;
    return request;
}

// Drops a client that broke the protocol: no reply, so its sendToRunning returns false.
void drop(QLocalSocket* socket) {
    socket->abort();
    socket->deleteLater();
}

} // namespace

SingleInstance::SingleInstance(QObject* parent) : QObject(parent) {}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::serverName(const QString& indexFolder) {
    const QByteArray key = (userKey() + QLatin1Char('\n') + canonicalFolder(indexFolder)).toUtf8();
    const QString name =
        QStringLiteral("semsearch-") +
        QString::fromLatin1(
            QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(16));
    // The runtime folder belongs to the user alone (mode 0700); a bare name would go to /tmp.
    const QString runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    const QString path = runtime + QLatin1Char('/') + name;
    if (runtime.isEmpty() || path.size() > kMaxSocketPathLength)
        return name;
    return path;
}

Result<SingleInstance::ListenResult> SingleInstance::listen(const QString& indexFolder) {
    const QString name = serverName(indexFolder);
    const QString socketPath =
        QFileInfo(name).isAbsolute() ? name : QDir::tempPath() + QLatin1Char('/') + name;

    // Two launches at once must not both find the socket stale and remove each other's.
    QLockFile lock(socketPath + QStringLiteral(".lock"));
    if (!lock.tryLock(kTimeoutMs)) {
        const bool held = lock.error() == QLockFile::LockFailedError;
        return makeError(held ? ErrorCode::Busy : ErrorCode::Io,
                         QStringLiteral("%1.lock: %2")
                             .arg(socketPath, held ? QStringLiteral("another semsearch is "
                                                                    "starting on this index")
                                                   : QStringLiteral("cannot create the file")));
    }

    // A socket file is there: either a live instance, or what one that crashed left behind.
    // Only a live one accepts a connection. This is checked here rather than left to listen():
    // with socket options set, QLocalServer binds elsewhere and renames over the existing file.
    if (QFileInfo::exists(socketPath)) {
        QLocalSocket probe;
        probe.connectToServer(name);
        if (probe.waitForConnected(kTimeoutMs))
            return ListenResult::AlreadyRunning;
        QLocalServer::removeServer(name);
    }
    // No socket options: the runtime folder is the user's alone, and in the /tmp fallback the
    // umask leaves others without the write permission that connecting needs.
    m_server = std::make_unique<QLocalServer>();
    connect(m_server.get(), &QLocalServer::newConnection, this, &SingleInstance::acceptConnections);
    if (m_server->listen(name))
        return ListenResult::Listening;
    const QString message = QStringLiteral("%1: cannot listen for other launches (%2)")
                                .arg(socketPath, m_server->errorString());
    m_server.reset();
    return makeError(ErrorCode::Io, message);
}

bool SingleInstance::sendToRunning(const QString& indexFolder, const InstanceRequest& request,
                                   int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    QLocalSocket socket;
    socket.connectToServer(serverName(indexFolder));
    if (!socket.waitForConnected(int(deadline.remainingTime())))
        return false;
    socket.write(encodeRequest(request));
    while (socket.bytesToWrite() > 0)
        if (!socket.waitForBytesWritten(int(deadline.remainingTime())))
            return false;
    while (socket.bytesAvailable() < 1)
        if (!socket.waitForReadyRead(int(deadline.remainingTime())))
            return false;
    char answer = 0;
    return socket.getChar(&answer) && answer == kAccepted;
}

bool SingleInstance::sendToRunning(const QString& indexFolder, const QStringList& paths) {
    return sendToRunning(indexFolder, InstanceRequest{paths, false});
}

void SingleInstance::acceptConnections() {
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { readRequest(socket); });
        // A client that connects and says nothing (or too little) must not linger.
        QTimer::singleShot(kTimeoutMs, socket, [socket] {
            if (socket->state() == QLocalSocket::ConnectedState)
                drop(socket);
        });
    }
}

void SingleInstance::readRequest(QLocalSocket* socket) {
    if (socket->bytesAvailable() < kHeaderBytes)
        return;
    QDataStream header(socket->peek(kHeaderBytes));
    quint32 magic = 0;
    quint32 length = 0;
    header >> magic >> length;
    if (magic != kMagic || length > kMaxPayloadBytes) {
        drop(socket);
        return;
    }
    if (socket->bytesAvailable() < kHeaderBytes + length)
        return;
    socket->skip(kHeaderBytes);
    const std::optional<InstanceRequest> request = decodePayload(socket->read(length));
    if (!request) {
        drop(socket);
        return;
    }
    // Answer first: whatever the slots do (a folder dialog) must not keep the caller waiting.
    socket->disconnect(this);
    socket->putChar(kAccepted);
    socket->disconnectFromServer();

    Q_EMIT activationRequested();
    if (!request->paths.isEmpty())
        Q_EMIT pathsReceived(request->paths);
    if (request->addFolder)
        Q_EMIT addFolderRequested();
}

} // namespace semsearch::ui
