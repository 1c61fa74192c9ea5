#pragma once

// One GUI per index. The first `semsearch` started on an index folder listens on a local socket;
// a later launch on the same index hands its request (paths to index, "open the folder chooser",
// or just "come to the front") to it and exits, so that the GUI never opens a second writer on
// one index. The socket is keyed by user and index folder: two different indexes may be open at
// once, each in its own instance.
//
// Start-up sequence in the composition root (the GUI does not exist yet, so blocking is fine):
//   if (SingleInstance::sendToRunning(index, request)) return 0;        // someone took it
//   SingleInstance instance;
//   auto listening = instance.listen(index);
//   if (listening && *listening == SingleInstance::ListenResult::AlreadyRunning)
//       return SingleInstance::sendToRunning(index, request) ? 0 : 1;   // lost a start-up race
//   // an Error: go on without single-instance (show nothing; the index's writer lock still holds)
//
// Safety: the socket lives in a folder of the user's that nobody else may enter:
// $XDG_RUNTIME_DIR when it is such a folder, else "<temp>/semsearch-<uid>", created 0700 and
// checked (a folder someone else made there first is refused). When neither is safe, listen()
// says so and sendToRunning() connects nowhere: the launch runs on its own rather than trust a
// name another user could take. Both sides check the other's user id (SO_PEERCRED): a server
// run by another user gets no paths, and a client of another user is dropped unanswered.
//
// Protocol, version 1. Client to server: quint32 kMagic, quint32 payload length (at most
// kMaxPayloadBytes), then the payload in QDataStream format Qt_6_0: quint32 version, bool
// addFolder, quint32 path count, each path as a QString. Server to client: one byte, 1 =
// accepted, then the server closes. A message that breaks these rules, or does not arrive
// within kTimeoutMs, is dropped without a reply.

#include "semsearch/error.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

class QLocalServer;
class QLocalSocket;

namespace semsearch::services {

// What a later launch asks of the running instance. An empty request means "come to the front".
struct InstanceRequest {
    QStringList paths;      // files and folders to index; sendToRunning makes them absolute
    bool addFolder = false; // open the folder chooser (semsearch --add-folder)
};

class SingleInstance : public QObject {
    Q_OBJECT

public:
    static constexpr quint32 kMagic = 0x53534931; // "SSI1"
    static constexpr quint32 kProtocolVersion = 1;
    static constexpr quint32 kMaxPayloadBytes = 1 << 20;
    // How long either side waits for the other.
    static constexpr int kTimeoutMs = 3000;

    enum class ListenResult {
        Listening,      // this process is now the instance for the index
        AlreadyRunning, // another live process is; hand it the request with sendToRunning
    };

    explicit SingleInstance(QObject* parent = nullptr);
    ~SingleInstance() override;

    // Becomes the instance for `indexFolder` (which need not exist yet). A socket left behind by
    // an instance that crashed is removed and taken over. Returns an Error naming the socket when
    // it cannot be created (ErrorCode::Io), when there is no private folder for it (Io, naming
    // the places tried and why each will not do), or when another launch holds the start-up
    // lock for longer than kTimeoutMs (ErrorCode::Busy). Call once.
    Result<ListenResult> listen(const QString& indexFolder);

    // Hands `request` to the instance running on `indexFolder`. True when one accepted it; false
    // when none runs, it did not answer within `timeoutMs`, the socket's server is another
    // user's, or there is no private folder for the socket. Relative paths are resolved
    // against this process's current folder first. Blocks: call before the GUI exists.
    static bool sendToRunning(const QString& indexFolder, const InstanceRequest& request,
                              int timeoutMs = kTimeoutMs);
    static bool sendToRunning(const QString& indexFolder, const QStringList& paths);

    // The socket's name for `indexFolder`: a path in the user's private folder (see Safety),
    // derived from the user id and the folder's canonical path, so that "idx", "idx/" and a
    // symlink to it name the same socket; a shared index's location names the same socket with
    // or without its password. Empty when there is no private folder.
    static QString serverName(const QString& indexFolder);

Q_SIGNALS:
    // For every accepted request: bring the window to the front.
    void activationRequested();
    // After activationRequested, when the request carries paths (absolute, in the sent order).
    void pathsReceived(const QStringList& paths);
    // After activationRequested, for `semsearch --add-folder`.
    void addFolderRequested();

private:
    void acceptConnections();
    void readRequest(QLocalSocket* socket);

    std::unique_ptr<QLocalServer> m_server;
};

} // namespace semsearch::services
