// SingleInstance: a later launch hands its request to the instance running on the same index,
// and to no other; a socket left by a crash is taken over; a malformed or silent client is
// dropped. Both sides live in this process: the sender runs on another thread, as a second
// process would, while this thread serves the event loop.

#include "generous_wait.h"
#include "single_instance.h"

#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <cstring>
#include <future>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using semsearch::services::InstanceRequest;
using semsearch::services::SingleInstance;
using semsearch::test::kGenerousWaitMs;

namespace {

// Runs `work` on another thread and keeps this thread's event loop turning until it is done.
template <typename Work> auto runElsewhere(Work work) {
    auto future = std::async(std::launch::async, std::move(work));
    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        QTest::qWait(5);
    return future.get();
}

bool send(const QString& folder, const InstanceRequest& request) {
    return runElsewhere([=] { return SingleInstance::sendToRunning(folder, request); });
}

// A message built from the protocol as the header documents it, independently of the code.
QByteArray message(quint32 magic, quint32 version, bool addFolder, quint32 count,
                   const QStringList& paths) {
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_0);
    out << version << addFolder << count;
    for (const QString& path : paths)
        out << path;
    QByteArray whole;
    QDataStream header(&whole, QIODevice::WriteOnly);
    header << magic << quint32(payload.size());
    return whole + payload;
}

struct RawReply {
    QByteArray bytes;
    bool closedByServer = false;
    qint64 elapsedMs = 0;
};

// Connects, writes `bytes` as they are and reads until the server closes (or a generous wait
// runs out).
RawReply sendRaw(const QString& folder, const QByteArray& bytes) {
    return runElsewhere([=] {
        RawReply reply;
        QElapsedTimer clock;
        clock.start();
        QLocalSocket socket;
        socket.connectToServer(SingleInstance::serverName(folder));
        if (!socket.waitForConnected(kGenerousWaitMs))
            return reply;
        socket.write(bytes);
        socket.waitForBytesWritten(kGenerousWaitMs);
        while (socket.state() == QLocalSocket::ConnectedState && clock.elapsed() < kGenerousWaitMs)
            socket.waitForReadyRead(100);
        reply.bytes = socket.readAll();
        reply.closedByServer = socket.state() != QLocalSocket::ConnectedState;
        reply.elapsedMs = clock.elapsed();
        return reply;
    });
}

// Empty when `instance` became the listener for `folder`, else what happened instead.
QString listenProblem(SingleInstance& instance, const QString& folder) {
    const auto listening = instance.listen(folder);
    if (!listening)
        return listening.error().message;
    return *listening == SingleInstance::ListenResult::Listening
               ? QString()
               : QStringLiteral("already running");
}

struct Spies {
    explicit Spies(SingleInstance* instance)
        : activated(instance, &SingleInstance::activationRequested),
          paths(instance, &SingleInstance::pathsReceived),
          addFolder(instance, &SingleInstance::addFolderRequested) {}
    QSignalSpy activated;
    QSignalSpy paths;
    QSignalSpy addFolder;
};

} // namespace

class TestSingleInstance : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // A runtime folder of this test's own (QTemporaryDir makes it 0700, as XDG requires).
        QVERIFY(m_runtime.isValid());
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_runtime.path()));
    }

    // No server is noticed from the refused connection, not by waiting: given a wait as long
    // as any test may take, the answer comes before it runs out.
    void nothingRunningMeansNoTaker() {
        QTemporaryDir index;
        QDeadlineTimer wait(kGenerousWaitMs);
        QVERIFY(!SingleInstance::sendToRunning(
            index.path(), InstanceRequest{{QStringLiteral("/a")}, false}, kGenerousWaitMs));
        QVERIFY2(!wait.hasExpired(), "no server must be noticed at once, not by timeout");
    }

    void pathsReachTheRunningInstance() {
        QTemporaryDir index;
        SingleInstance first;
        QCOMPARE(listenProblem(first, index.path()), QString());
        Spies spies(&first);

        const QStringList sent = {QStringLiteral("/data/notes"),
                                  QStringLiteral("relative/todo.md")};
        QVERIFY(send(index.path(), InstanceRequest{sent, false}));
        QTRY_COMPARE(spies.paths.count(), 1);
        const QStringList expected = {QStringLiteral("/data/notes"),
                                      QDir::currentPath() + QStringLiteral("/relative/todo.md")};
        QCOMPARE(spies.paths.at(0).at(0).toStringList(), expected);
        QCOMPARE(spies.activated.count(), 1);
        QCOMPARE(spies.addFolder.count(), 0);
    }

    void requestWithoutPaths_data() {
        QTest::addColumn<bool>("addFolder");
        QTest::newRow("come to the front") << false;
        QTest::newRow("open the folder chooser") << true;
    }

    void requestWithoutPaths() {
        QFETCH(bool, addFolder);
        QTemporaryDir index;
        SingleInstance first;
        QCOMPARE(listenProblem(first, index.path()), QString());
        Spies spies(&first);
        QVERIFY(send(index.path(), InstanceRequest{{}, addFolder}));
        QTRY_COMPARE(spies.activated.count(), 1);
        QCOMPARE(spies.addFolder.count(), addFolder ? 1 : 0);
        QCOMPARE(spies.paths.count(), 0);
    }

    void sameIndexListensOnlyOnce() {
        QTemporaryDir index;
        SingleInstance first;
        QCOMPARE(listenProblem(first, index.path()), QString());
        SingleInstance second;
        auto again = second.listen(index.path() + QStringLiteral("/"));
        QVERIFY(again.ok());
        QCOMPARE(*again, SingleInstance::ListenResult::AlreadyRunning);

        // The first instance still serves after the second one's probe.
        Spies spies(&first);
        QVERIFY(send(index.path(), InstanceRequest{}));
        QTRY_COMPARE(spies.activated.count(), 1);
    }

    void differentIndexesAreIndependent() {
        QTemporaryDir indexA;
        QTemporaryDir indexB;
        SingleInstance a;
        QCOMPARE(listenProblem(a, indexA.path()), QString());
        Spies spiesA(&a);
        QVERIFY(!SingleInstance::sendToRunning(indexB.path(), QStringList{}));

        SingleInstance b;
        QCOMPARE(listenProblem(b, indexB.path()), QString());
        Spies spiesB(&b);
        QVERIFY(send(indexB.path(), InstanceRequest{{QStringLiteral("/b")}, false}));
        QTRY_COMPARE(spiesB.paths.count(), 1);
        QCOMPARE(spiesB.paths.at(0).at(0).toStringList(), QStringList{QStringLiteral("/b")});
        QCOMPARE(spiesA.activated.count(), 0);
    }

    void oneIndexHasOneNameHoweverItIsSpelled() {
        QTemporaryDir root;
        const QString index = root.path() + QStringLiteral("/index");
        const QString link = root.path() + QStringLiteral("/link");
        // Before the folder exists (a first launch) and after: the same name.
        const QString beforeCreation = SingleInstance::serverName(index);
        QVERIFY(QDir().mkpath(index));
        QVERIFY(QFile::link(index, link));
        QCOMPARE(SingleInstance::serverName(index), beforeCreation);
        QCOMPARE(SingleInstance::serverName(index + QStringLiteral("/")), beforeCreation);
        QCOMPARE(SingleInstance::serverName(root.path() + QStringLiteral("/x/../index")),
                 beforeCreation);
        QCOMPARE(SingleInstance::serverName(link), beforeCreation);
        QVERIFY(SingleInstance::serverName(root.path()) != beforeCreation);
        QVERIFY(beforeCreation.startsWith(m_runtime.path() + QLatin1Char('/')));
    }

    void socketLeftByACrashIsTakenOver() {
        QTemporaryDir index;
        const QString path = SingleInstance::serverName(index.path());
        QVERIFY(QFileInfo(path).isAbsolute());
        // What a killed instance leaves: a bound socket file that nobody listens on.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray native = QFile::encodeName(path);
        QVERIFY(size_t(native.size()) < sizeof(address.sun_path));
        std::memcpy(address.sun_path, native.constData(), size_t(native.size()));
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
        ::close(fd);
        QVERIFY(QFileInfo::exists(path));

        QVERIFY(!SingleInstance::sendToRunning(index.path(), QStringList{}));
        SingleInstance instance;
        QCOMPARE(listenProblem(instance, index.path()), QString());
        Spies spies(&instance);
        QVERIFY(send(index.path(), InstanceRequest{}));
        QTRY_COMPARE(spies.activated.count(), 1);
    }

    void closingLeavesNothingBehind() {
        QTemporaryDir index;
        const QString path = SingleInstance::serverName(index.path());
        {
            SingleInstance instance;
            QCOMPARE(listenProblem(instance, index.path()), QString());
            QVERIFY(QFileInfo::exists(path));
        }
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(!QFileInfo::exists(path + QStringLiteral(".lock")));
    }

    void handBuiltMessageFollowsTheDocumentedProtocol() {
        QTemporaryDir index;
        SingleInstance instance;
        QCOMPARE(listenProblem(instance, index.path()), QString());
        Spies spies(&instance);
        const QStringList paths = {QStringLiteral("/p/one"), QStringLiteral("/p/two")};
        const RawReply reply =
            sendRaw(index.path(), message(SingleInstance::kMagic, 1, true, 2, paths));
        QCOMPARE(reply.bytes, QByteArray(1, '\1'));
        QVERIFY(reply.closedByServer);
        QTRY_COMPARE(spies.paths.count(), 1);
        QCOMPARE(spies.paths.at(0).at(0).toStringList(), paths);
        QCOMPARE(spies.addFolder.count(), 1);
    }

    void malformedMessagesAreDropped_data() {
        QTest::addColumn<QByteArray>("bytes");
        const QStringList one = {QStringLiteral("/x")};
        QTest::newRow("not our magic") << QByteArray("GET / HTTP/1.0\r\n\r\n");
        QTest::newRow("wrong version") << message(SingleInstance::kMagic, 2, false, 1, one);
        QTest::newRow("count larger than the paths")
            << message(SingleInstance::kMagic, 1, false, 0x7fffffff, one);
        QTest::newRow("count smaller than the paths")
            << message(SingleInstance::kMagic, 1, false, 0, one);
        QTest::newRow("empty path")
            << message(SingleInstance::kMagic, 1, false, 1, QStringList{QString()});
        QByteArray huge;
        QDataStream header(&huge, QIODevice::WriteOnly);
        header << SingleInstance::kMagic << quint32(SingleInstance::kMaxPayloadBytes + 1);
        QTest::newRow("payload over the limit") << huge;
    }

    void malformedMessagesAreDropped() {
        QFETCH(QByteArray, bytes);
        QTemporaryDir index;
        SingleInstance instance;
        QCOMPARE(listenProblem(instance, index.path()), QString());
        Spies spies(&instance);
        const RawReply reply = sendRaw(index.path(), bytes);
        QVERIFY(reply.closedByServer);
        QCOMPARE(reply.bytes, QByteArray());
        QCOMPARE(spies.activated.count(), 0);
        // ... and the instance still serves well-formed requests.
        QVERIFY(send(index.path(), InstanceRequest{}));
        QTRY_COMPARE(spies.activated.count(), 1);
    }

    void silentClientIsDroppedAfterTheTimeout() {
        QTemporaryDir index;
        SingleInstance instance;
        QCOMPARE(listenProblem(instance, index.path()), QString());
        Spies spies(&instance);
        // Half a header, then nothing.
        const RawReply reply = sendRaw(index.path(), QByteArray("SSI"));
        QVERIFY(reply.closedByServer);
        // A coarse timer (Qt's choice for seconds) may fire up to 5% early.
        QVERIFY2(reply.elapsedMs >= SingleInstance::kTimeoutMs * 9 / 10,
                 qPrintable(QString::number(reply.elapsedMs)));
        QCOMPARE(spies.activated.count(), 0);
    }

    void instanceThatNeverAnswersTimesOut() {
        QTemporaryDir index;
        // Listens, so connecting succeeds, but nobody serves it (this thread is blocked).
        QLocalServer mute;
        QVERIFY(mute.listen(SingleInstance::serverName(index.path())));
        QElapsedTimer clock;
        clock.start();
        QVERIFY(!SingleInstance::sendToRunning(index.path(), InstanceRequest{}, 300));
        QVERIFY(clock.elapsed() >= 250);
    }

    // The wait given is the one used: an instance that answers only after the default wait is
    // heard by a caller that waits longer.
    void slowInstanceIsHeardWithinTheGivenWait() {
        QTemporaryDir index;
        QLocalServer slow;
        QVERIFY(slow.listen(SingleInstance::serverName(index.path())));
        connect(&slow, &QLocalServer::newConnection, this, [&slow] {
            QLocalSocket* socket = slow.nextPendingConnection();
            QTimer::singleShot(SingleInstance::kTimeoutMs + 1000, socket,
                               [socket] { socket->write(QByteArray(1, '\1')); });
        });
        QVERIFY(runElsewhere([&] {
            return SingleInstance::sendToRunning(index.path(), InstanceRequest{}, kGenerousWaitMs);
        }));
    }

private:
    QTemporaryDir m_runtime;
};

QTEST_MAIN(TestSingleInstance)
#include "test_single_instance.moc"
