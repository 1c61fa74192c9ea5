// One writer per source, on a real PostgreSQL 15: a second session asking for a held source is
// told who holds it, and the lease comes free when its holder's session ends in any way (a
// release, the server ending the session, the holding process killed with SIGKILL).

#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/source_lease.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QThread>
#include <QtTest>

#include <csignal>
#include <memory>

#include <sys/wait.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kLeaseFreeWaitMs = 30000;

// Takes the lease on `path`, trying again while it is Busy (the server frees a dead session's
// locks once it notices the session is gone, which is quick but not instant).
Result<SourceLease> takeWhenFree(PgConnection& connection, const QString& path) {
    const QDeadlineTimer deadline(kLeaseFreeWaitMs);
    for (;;) {
        auto lease = SourceLease::take(connection, path);
        if (lease || lease.error().code != ErrorCode::Busy || deadline.hasExpired())
            return lease;
        QThread::msleep(50);
    }
}

} // namespace

class TestPgSourceLease : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;

    Result<PgConnection> open(const QString& name, const QString& role = QStringLiteral("writer")) {
        PgConnectOptions options;
        options.applicationName = name;
        return PgConnection::open(m_server->location(QStringLiteral("team"), role), options);
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString setUp =
            m_server->runSql(QStringLiteral("CREATE ROLE writer LOGIN; CREATE ROLE reader LOGIN;"
                                            "CREATE DATABASE team OWNER writer;"));
        QVERIFY2(setUp.isEmpty(), qPrintable(setUp));
        auto connection = open(QStringLiteral("schema"));
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        auto created = migrateSharedIndex(*connection);
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));
        const QString grants = m_server->runSql(
            QStringLiteral("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader"),
            QStringLiteral("team"));
        QVERIFY2(grants.isEmpty(), qPrintable(grants));
    }

    void cleanupTestCase() { m_server.reset(); }

    void secondWriterIsToldWhoHoldsIt() {
        auto first = open(QStringLiteral("semsearch laptop-a 111"));
        auto second = open(QStringLiteral("semsearch laptop-b 222"));
        QVERIFY2(first && second, "cannot connect");
        auto lease = SourceLease::take(*first, QStringLiteral("/team/notes"));
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));

        auto refused = SourceLease::take(*second, QStringLiteral("/team/notes"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Busy);
        const QString message = refused.error().message;
        QVERIFY2(message.startsWith(second->location() + QStringLiteral(": the source "
                                                                        "/team/notes is being "
                                                                        "indexed by semsearch "
                                                                        "laptop-a 111 (from "
                                                                        "127.0.0.1) since ")),
                 qPrintable(message));
        QVERIFY2(message.contains(QLatin1String(" UTC")), qPrintable(message));

        // Another source is free meanwhile: two machines index into one database at once.
        auto other = SourceLease::take(*second, QStringLiteral("/team/docs"));
        QVERIFY2(other.ok(), other ? "" : qPrintable(other.error().message));

        QVERIFY(lease->release());
        QVERIFY(lease->release()); // twice is harmless
        auto taken = SourceLease::take(*second, QStringLiteral("/team/notes"));
        QVERIFY2(taken.ok(), taken ? "" : qPrintable(taken.error().message));
    }

    // The lease is released when the holder's object goes away.
    void destroyingTheLeaseReleasesIt() {
        auto first = open(QStringLiteral("semsearch laptop-a 111"));
        auto second = open(QStringLiteral("semsearch laptop-b 222"));
        QVERIFY2(first && second, "cannot connect");
        {
            auto lease = SourceLease::take(*first, QStringLiteral("/team/scoped"));
            QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
            QVERIFY(!SourceLease::take(*second, QStringLiteral("/team/scoped")));
        }
        auto taken = SourceLease::take(*second, QStringLiteral("/team/scoped"));
        QVERIFY2(taken.ok(), taken ? "" : qPrintable(taken.error().message));
    }

    // The session ends without a word from its holder (server restart, administrator, network):
    // the server frees the lease.
    void endedSessionFreesTheLease() {
        auto first = open(QStringLiteral("semsearch laptop-a 111"));
        auto second = open(QStringLiteral("semsearch laptop-b 222"));
        QVERIFY2(first && second, "cannot connect");
        auto lease = SourceLease::take(*first, QStringLiteral("/team/ended"));
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
        QVERIFY(!SourceLease::take(*second, QStringLiteral("/team/ended")));
        const QString ended = m_server->runSql(
            QStringLiteral("SELECT pg_terminate_backend(%1, 10000)").arg(first->serverPid()));
        QVERIFY2(ended.isEmpty(), qPrintable(ended));
        auto taken = takeWhenFree(*second, QStringLiteral("/team/ended"));
        QVERIFY2(taken.ok(), taken ? "" : qPrintable(taken.error().message));
        QVERIFY(lease->release()); // the lost session has nothing to give back
    }

    // The holding process is killed (kill -9): the kernel closes its socket, the server ends
    // its session and the lease comes free; the next writer takes it.
    void killedHolderLeavesNoLease() {
        int ready[2];
        QCOMPARE(::pipe(ready), 0);
        const QString location =
            m_server->location(QStringLiteral("team"), QStringLiteral("writer"));
        std::fflush(stdout);
        std::fflush(stderr);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(ready[0]);
            auto connection = PgConnection::open(location); // the default name, with its pid
            if (!connection)
                ::_exit(1);
            auto lease = SourceLease::take(*connection, QStringLiteral("/team/killed"));
            const char byte = lease ? '1' : '0';
            (void)::write(ready[1], &byte, 1);
            for (;;)
                ::pause();
        }
        ::close(ready[1]);
        char byte = 0;
        const bool told = ::read(ready[0], &byte, 1) == 1;
        ::close(ready[0]);
        const auto killChild = [child] {
            ::kill(child, SIGKILL);
            int status = 0;
            ::waitpid(child, &status, 0);
        };
        if (!told || byte != '1') {
            killChild();
            QFAIL("the child could not take the lease");
        }
        auto second = open(QStringLiteral("semsearch laptop-b 222"));
        QVERIFY2(second.ok(), second ? "" : qPrintable(second.error().message));
        auto refused = SourceLease::take(*second, QStringLiteral("/team/killed"));
        const QString holder =
            QStringLiteral("semsearch %1 %2").arg(QSysInfo::machineHostName()).arg(qint64(child));
        if (refused || !refused.error().message.contains(holder)) {
            killChild();
            QFAIL(qPrintable(
                QStringLiteral("expected Busy naming '%1', got: %2")
                    .arg(holder, refused ? QStringLiteral("the lease") : refused.error().message)));
        }
        killChild();
        auto taken = takeWhenFree(*second, QStringLiteral("/team/killed"));
        QVERIFY2(taken.ok(), taken ? "" : qPrintable(taken.error().message));
    }

    // Two paths whose keys collide: the second is refused, and the message says why and names
    // the source that holds the key, so that no one hunts for a writer that does not exist.
    void sharedKeyNamesTheOtherSource() {
        QHash<std::int32_t, QString> seen;
        QString first;
        QString second;
        for (int i = 0; first.isEmpty() && i < 2000000; ++i) {
            const QString path = QStringLiteral("/team/folder-%1").arg(i);
            const std::int32_t key = SourceLease::lockKey(path);
            QVERIFY(key >= 0);
            if (seen.contains(key)) {
                first = seen.value(key);
                second = path;
            }
            seen.insert(key, path);
        }
        QVERIFY2(!first.isEmpty(), "no two paths with one key");
        auto a = open(QStringLiteral("semsearch laptop-a 111"));
        auto b = open(QStringLiteral("semsearch laptop-b 222"));
        QVERIFY2(a && b, "cannot connect");
        auto lease = SourceLease::take(*a, first);
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
        auto refused = SourceLease::take(*b, second);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Busy);
        QVERIFY2(refused.error().message.contains(
                     QStringLiteral("shares its lease key with the source %1, which is being "
                                    "indexed by semsearch laptop-a 111")
                         .arg(first)),
                 qPrintable(refused.error().message));
    }

    void readOnlyRoleTakesNoLease() {
        auto reader = open(QStringLiteral("semsearch reader 333"), QStringLiteral("reader"));
        QVERIFY2(reader.ok(), reader ? "" : qPrintable(reader.error().message));
        auto refused = SourceLease::take(*reader, QStringLiteral("/team/read-only"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(refused.error().message.contains(QLatin1String("permission denied")),
                 qPrintable(refused.error().message));
        // And holds nothing afterwards: a writer takes the same source at once.
        auto writer = open(QStringLiteral("semsearch laptop-a 111"));
        QVERIFY2(writer.ok(), writer ? "" : qPrintable(writer.error().message));
        auto taken = SourceLease::take(*writer, QStringLiteral("/team/read-only"));
        QVERIFY2(taken.ok(), taken ? "" : qPrintable(taken.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPgSourceLease)
#include "test_pg_source_lease.moc"
