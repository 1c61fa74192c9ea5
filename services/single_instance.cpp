#include "single_instance.h"

#include "semsearch/shared_index_location.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIODevice>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QTimer>

#include <optional>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace semsearch::services {

namespace {

constexpr qint64 kHeaderBytes = 8; // magic, payload length
constexpr char kAccepted = 1;
// sockaddr_un holds 108 bytes on Linux; past that QLocalServer cannot bind a full path.
constexpr int kMaxSocketPathLength = 100;
// "/semsearch-" and 16 hex digits, and ".lock" for the start-up lock beside it.
constexpr int kSocketNameLength = 32;

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
    return QString::number(::geteuid());
}

// Why `folder` is no place for the socket, or empty when it is: it must be a folder (not a
// link) of this user's that nobody else may enter, as the XDG spec requires of the runtime
// folder. Anyone who can write into the folder could put their own socket under our name.
QString unsafeBecause(const QString& folder) {
    struct stat st {};
    if (::lstat(QFile::encodeName(folder).constData(), &st) != 0)
        return QString::fromLocal8Bit(std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return QStringLiteral("not a folder");
    if (st.st_uid != ::geteuid())
        return QStringLiteral("belongs to another user (uid %1)").arg(st.st_uid);
    if ((st.st_mode & 077) != 0)
        return QStringLiteral("other users may enter it (mode %1)")
            .arg(st.st_mode & 0777, 3, 8, QLatin1Char('0'));
    return {};
}

// The socket's folder: $XDG_RUNTIME_DIR when it is safe (see unsafeBecause) and short enough
// for a socket's path, else "<temp>/semsearch-<uid>", created 0700 and checked the same way.
// Never a shared folder: an Error names both places and why neither will do.
Result<QString> socketFolder() {
    const QString name = QStringLiteral("semsearch-") + userKey();
    const QString fallback = QDir::tempPath() + QLatin1Char('/') + name;
    QStringList problems;
    for (const QString& folder : {qEnvironmentVariable("XDG_RUNTIME_DIR"), fallback}) {
        if (folder.isEmpty())
            continue;
        if (folder == fallback) // kept if it exists: checked below like any other
            ::mkdir(QFile::encodeName(fallback).constData(), 0700);
        QString problem = unsafeBecause(folder);
        if (problem.isEmpty() && folder.size() + kSocketNameLength > kMaxSocketPathLength)
            problem = QStringLiteral("its path is too long for a socket");
        if (problem.isEmpty())
            return folder;
        problems << QStringLiteral("%1 %2").arg(folder, problem);
    }
    return makeError(ErrorCode::Io,
                     QStringLiteral("no private folder for the socket that hands a launch to a "
                                    "running window (%1)")
                         .arg(problems.join(QStringLiteral("; "))));
}

// The user id of the process at the other end of a connected local socket; -1 when unknown.
long peerUid(qintptr descriptor) {
    ucred credentials{};
    socklen_t size = sizeof(credentials);
    if (descriptor < 0 ||
        ::getsockopt(int(descriptor), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0)
        return -1;
    return long(credentials.uid);
}

bool isOwnUser(const QLocalSocket& socket) {
    return peerUid(socket.socketDescriptor()) == long(::geteuid());
}

// Connects to the instance at `name`, if one runs there and it is this user's: the paths a
// launch hands over are for no one else.
bool connectToOwnInstance(QLocalSocket& socket, const QString& name, int timeoutMs) {
    if (name.isEmpty())
        return false;
    socket.connectToServer(name);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    if (isOwnUser(socket))
        return true;
    socket.abort();
    return false;
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
    const auto folder = socketFolder();
    if (!folder)
        return QString();
    // A shared index is one for every working folder, with or without its password.
    const QString index = isSharedIndexLocation(indexFolder) ? displayLocation(indexFolder)
                                                             : canonicalFolder(indexFolder);
    const QByteArray key = (userKey() + QLatin1Char('\n') + index).toUtf8();
    return *folder + QStringLiteral("/semsearch-") +
           QString::fromLatin1(
               QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(16));
}

Result<SingleInstance::ListenResult> SingleInstance::listen(const QString& indexFolder) {
    if (auto folder = socketFolder(); !folder)
        return folder.error();
    const QString name = serverName(indexFolder);
    const QString& socketPath = name;

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
        if (connectToOwnInstance(probe, name, kTimeoutMs))
            return ListenResult::AlreadyRunning;
        QLocalServer::removeServer(name);
    }
    // No socket options: the folder is the user's alone (socketFolder), so nobody else can
    // reach the socket; and each connection's user is checked all the same.
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
    if (!connectToOwnInstance(socket, serverName(indexFolder), int(deadline.remainingTime())))
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
        // Only this user's launches may hand over paths (a folder of the user's keeps others
        // out; this holds even where it would not).
        if (!isOwnUser(*socket)) {
            drop(socket);
            continue;
        }
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

} // namespace semsearch::services
