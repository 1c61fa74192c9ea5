// SingleInstance on a shared machine: its socket lives only in a folder of the user's that
// nobody else may enter, it says so when there is none (and hands nothing over), and each side
// checks the other's user: a server run by another user gets no paths, a client of another user
// is dropped. The other user is a child process running as nobody (65534), which needs root
// (CI runs as root).

#include "single_instance.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <cstring>
#include <future>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using semsearch::services::InstanceRequest;
using semsearch::services::SingleInstance;

namespace {

constexpr uid_t kNobody = 65534;

int modeOf(const QString& path) {
    struct stat st {};
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

sockaddr_un addressOf(const QString& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray native = QFile::encodeName(path);
    std::memcpy(address.sun_path, native.constData(),
                std::min(sizeof(address.sun_path) - 1, std::size_t(native.size())));
    return address;
}

// A valid request as the protocol in single_instance.h lays it out: come to the front, with
// one path.
QByteArray validRequest() {
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_0);
    out << SingleInstance::kProtocolVersion << false << quint32(1) << QStringLiteral("/secret");
    QByteArray whole;
    QDataStream header(&whole, QIODevice::WriteOnly);
    header << SingleInstance::kMagic << quint32(payload.size());
    return whole + payload;
}

// Reads what arrives on `fd` for up to `timeoutMs`, until the other side closes.
std::size_t drain(int fd, int timeoutMs) {
    std::size_t total = 0;
    char buffer[4096];
    pollfd wait{fd, POLLIN, 0};
    while (::poll(&wait, 1, timeoutMs) > 0) {
        const ssize_t got = ::read(fd, buffer, sizeof(buffer));
        if (got <= 0)
            break;
        total += std::size_t(got);
    }
    return total;
}

// Another user: a child process running as nobody. `work` runs there and reports through
// the pipe it is given; only system calls may be used in it (this process has threads).
// `whileWaiting` runs in this process until the child is done. Returns what the child wrote.
template <typename Work, typename Wait> QByteArray asNobody(Work work, Wait whileWaiting) {
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        return "pipe failed";
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(pipeFds[0]);
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
            (void)::write(pipeFds[1], "setuid failed", 13);
            ::_exit(1);
        }
        work(pipeFds[1]);
        ::_exit(0);
    }
    ::close(pipeFds[1]);
    QByteArray reported;
    pollfd wait{pipeFds[0], POLLIN, 0};
    for (;;) {
        whileWaiting(reported);
        if (::poll(&wait, 1, 10) <= 0)
            continue;
        char buffer[256];
        const ssize_t got = ::read(pipeFds[0], buffer, sizeof(buffer));
        if (got <= 0)
            break;
        reported.append(buffer, got);
    }
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return reported;
}

} // namespace

class TestSingleInstanceSafety : public QObject {
    Q_OBJECT

    QTemporaryDir m_runtime; // a proper runtime folder: 0700, ours
    QTemporaryDir m_tmp;     // TMPDIR for the fallback
    QString m_systemTemp;    // where folders that another user must reach are made
    QString m_uid = QString::number(::geteuid());

    QString fallback() const { return m_tmp.path() + QStringLiteral("/semsearch-") + m_uid; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_runtime.isValid() && m_tmp.isValid());
        m_systemTemp = QDir::tempPath();
        qputenv("TMPDIR", QFile::encodeName(m_tmp.path()));
    }

    void init() {
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_runtime.path()));
        QDir(fallback()).removeRecursively();
        QFile::remove(fallback());
    }

    void runtimeFolderIsUsedWhenPrivate() {
        QTemporaryDir index;
        QVERIFY(SingleInstance::serverName(index.path()).startsWith(m_runtime.path() + '/'));
        QVERIFY2(!QFileInfo::exists(fallback()), "a fallback folder was made without need");
    }

    // Where $XDG_RUNTIME_DIR will not do, a private folder is made: never a bare name that
    // lands in /tmp, where anyone could listen first.
    void privateFallbackWhenTheRuntimeFolderWillNotDo_data() {
        QTest::addColumn<QString>("runtime");
        QTest::newRow("unset") << QString();
        QTest::newRow("open to others") << QStringLiteral("open");
        QTest::newRow("too long for a socket") << QStringLiteral("long");
    }

    void privateFallbackWhenTheRuntimeFolderWillNotDo() {
        QFETCH(QString, runtime);
        // Short enough for a socket's path: only what the row names is wrong with it.
        QTemporaryDir other(m_systemTemp + QStringLiteral("/rt-XXXXXX"));
        QString folder;
        if (runtime == QLatin1String("open")) {
            folder = other.path();
            QCOMPARE(::chmod(QFile::encodeName(folder).constData(), 0755), 0);
        } else if (runtime == QLatin1String("long")) {
            folder = other.path() + QLatin1Char('/') + QString(100, QLatin1Char('r'));
            QVERIFY(QDir().mkpath(folder));
            QCOMPARE(::chmod(QFile::encodeName(folder).constData(), 0700), 0);
        }
        if (folder.isEmpty())
            qunsetenv("XDG_RUNTIME_DIR");
        else
            qputenv("XDG_RUNTIME_DIR", QFile::encodeName(folder));

        QTemporaryDir index;
        const QString name = SingleInstance::serverName(index.path());
        QVERIFY2(name.startsWith(fallback() + QLatin1Char('/')), qPrintable(name));
        QCOMPARE(modeOf(fallback()), 0700);

        // ... and it works there.
        SingleInstance instance;
        auto listening = instance.listen(index.path());
        QVERIFY2(listening.ok(), listening.ok() ? "" : qPrintable(listening.error().message));
        QVERIFY(QFileInfo::exists(name));
    }

    // The fallback taken by someone else (a link to an open folder; a folder of another user)
    // and the runtime folder unusable: no socket anywhere, and the launch is told why.
    void noPrivateFolderMeansNoHandOver_data() {
        QTest::addColumn<bool>("otherUser");
        QTest::newRow("fallback is a link") << false;
        QTest::newRow("fallback belongs to another user") << true;
    }

    void noPrivateFolderMeansNoHandOver() {
        QFETCH(bool, otherUser);
        if (otherUser && ::geteuid() != 0)
            QSKIP("giving a folder to another user needs root (CI runs as root)");
        qunsetenv("XDG_RUNTIME_DIR");
        QTemporaryDir open;
        QCOMPARE(::chmod(QFile::encodeName(open.path()).constData(), 0777), 0);
        if (otherUser) {
            QVERIFY(QDir().mkpath(fallback()));
            QCOMPARE(::chmod(QFile::encodeName(fallback()).constData(), 0700), 0);
            QCOMPARE(::chown(QFile::encodeName(fallback()).constData(), kNobody, kNobody), 0);
        } else {
            QVERIFY(QFile::link(open.path(), fallback()));
        }

        QTemporaryDir index;
        QCOMPARE(SingleInstance::serverName(index.path()), QString());
        SingleInstance instance;
        auto listening = instance.listen(index.path());
        QVERIFY2(!listening.ok(), "listened in a folder that is not private");
        const QString message = listening.error().message;
        QVERIFY2(message.startsWith(QStringLiteral("no private folder for the socket")) &&
                     message.contains(fallback()),
                 qPrintable(message));
        QVERIFY2(message.contains(otherUser ? QStringLiteral("belongs to another user (uid 65534)")
                                            : QStringLiteral("not a folder")),
                 qPrintable(message));
        QVERIFY(!SingleInstance::sendToRunning(index.path(), QStringList{QStringLiteral("/x")}));
        QCOMPARE(QDir(open.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);
    }

    // Another user listens where the socket is looked for (here through a link in the runtime
    // folder): the launch hands it nothing and says no.
    void serverOfAnotherUserGetsNoPaths() {
        if (::geteuid() != 0)
            QSKIP("running a process as another user needs root (CI runs as root)");
        QTemporaryDir index;
        QTemporaryDir squat(m_systemTemp + QStringLiteral("/squat-XXXXXX"));
        QVERIFY(squat.isValid());
        QCOMPARE(::chmod(QFile::encodeName(squat.path()).constData(), 0777), 0);
        const QString squatPath = squat.path() + QStringLiteral("/socket");
        const sockaddr_un squatAddress = addressOf(squatPath);
        const QString name = SingleInstance::serverName(index.path());
        QVERIFY(QFile::link(squatPath, name));

        bool tried = false;
        bool sent = false;
        const QByteArray reported = asNobody(
            [&](int report) {
                const int server = ::socket(AF_UNIX, SOCK_STREAM, 0);
                if (::bind(server, reinterpret_cast<const sockaddr*>(&squatAddress),
                           sizeof(squatAddress)) != 0 ||
                    ::chmod(squatAddress.sun_path, 0777) != 0 || ::listen(server, 4) != 0) {
                    (void)::write(report, "bind failed", 11);
                    return;
                }
                (void)::write(report, "R", 1); // ready
                pollfd wait{server, POLLIN, 0};
                if (::poll(&wait, 1, 10000) <= 0)
                    return;
                const int client = ::accept(server, nullptr, nullptr);
                const std::size_t got = drain(client, 3000);
                (void)::write(report, got == 0 ? "A0" : "A+", 2); // accepted; bytes read
            },
            [&](const QByteArray& reportedSoFar) {
                if (reportedSoFar == "R" && !tried) {
                    tried = true;
                    sent = SingleInstance::sendToRunning(index.path(),
                                                         QStringList{QStringLiteral("/secret")});
                }
            });
        QVERIFY2(tried, reported.constData());
        QVERIFY2(!sent, "the request went to another user's server");
        QCOMPARE(reported, QByteArray("RA0")); // it connected, and received nothing
    }

    // A client of another user reaches the socket (here through a hard link in an open folder,
    // as it could were the folder not private): it is dropped unanswered, and nothing happens.
    void clientOfAnotherUserIsDropped() {
        if (::geteuid() != 0)
            QSKIP("running a process as another user needs root (CI runs as root)");
        QTemporaryDir index;
        SingleInstance instance;
        auto listening = instance.listen(index.path());
        QVERIFY(listening.ok() && *listening == SingleInstance::ListenResult::Listening);
        QSignalSpy activated(&instance, &SingleInstance::activationRequested);
        QSignalSpy paths(&instance, &SingleInstance::pathsReceived);

        QTemporaryDir open(m_systemTemp + QStringLiteral("/open-XXXXXX"));
        QVERIFY(open.isValid());
        QCOMPARE(::chmod(QFile::encodeName(open.path()).constData(), 0777), 0);
        const QString reachable = open.path() + QStringLiteral("/socket");
        const QString socket = SingleInstance::serverName(index.path());
        QCOMPARE(
            ::link(QFile::encodeName(socket).constData(), QFile::encodeName(reachable).constData()),
            0);
        QCOMPARE(::chmod(QFile::encodeName(reachable).constData(), 0777), 0);
        const sockaddr_un address = addressOf(reachable);
        const QByteArray request = validRequest();

        const QByteArray reported = asNobody(
            [&](int report) {
                const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
                if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) !=
                    0) {
                    (void)::write(report, "connect failed", 14);
                    return;
                }
                // The server may drop this client before the request is sent: write() would
                // then raise SIGPIPE and kill the child before it reports (an empty report, seen
                // under load). MSG_NOSIGNAL turns that into EPIPE, and the report says "C0".
                (void)::send(fd, request.constData(), std::size_t(request.size()), MSG_NOSIGNAL);
                const std::size_t got = drain(fd, 5000);
                (void)::write(report, got == 0 ? "C0" : "C+", 2); // connected; bytes answered
            },
            [](const QByteArray&) { QTest::qWait(5); });
        QCOMPARE(reported, QByteArray("C0"));
        QTest::qWait(100);
        QCOMPARE(activated.count(), 0);
        QCOMPARE(paths.count(), 0);
        // This user's launches are still served.
        auto own = std::async(std::launch::async, [&] {
            return SingleInstance::sendToRunning(index.path(),
                                                 QStringList{QStringLiteral("/mine")});
        });
        while (own.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
            QTest::qWait(5);
        QVERIFY(own.get());
        QCOMPARE(paths.count(), 1);
    }
};

QTEST_MAIN(TestSingleInstanceSafety)
#include "test_single_instance_safety.moc"
