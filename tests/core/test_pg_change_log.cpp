// The change log on a real PostgreSQL 15: generations count up by one per commit and become
// visible in the order they were given, also when two writers commit at once.

#include "postgres_server.h"
#include "shared_index/change_listener.h"
#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"
#include "shared_index/pg_schema.h"

#include <QDeadlineTimer>
#include <QThread>
#include <QtTest>

#include <memory>
#include <thread>

using namespace semsearch;
using namespace semsearch::test;

class TestPgChangeLog : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;

    Result<PgConnection> open() {
        return PgConnection::open(m_server->location(QStringLiteral("team")));
    }

    // The generations a searcher sees now, after `after`.
    std::vector<std::int64_t> visible(PgConnection& connection, std::int64_t after = 0) {
        std::vector<std::int64_t> generations;
        auto changes = changesSince(connection, after);
        if (changes) {
            for (const ChangeRecord& change : *changes)
                generations.push_back(change.generation);
        }
        return generations;
    }

    // Whether `serverPid` waits for the change log's lock.
    bool waitsForChangeLog(PgConnection& observer, int serverPid) {
        auto waiting = observer.query(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = $1 AND objid = 0 AND objsubid = 2 AND pid = $2",
            {PgParam::integer(kChangeLogLockClass), PgParam::integer(serverPid)});
        return waiting && waiting->integer(0, 0) == 1;
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString made = m_server->runSql(QStringLiteral("CREATE DATABASE team"));
        QVERIFY2(made.isEmpty(), qPrintable(made));
        auto connection = open();
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        auto created = migrateSharedIndex(*connection);
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));
    }

    void cleanupTestCase() { m_server.reset(); }

    void generationsCountUpByOne() {
        auto connection = open();
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(connection->executeScript("BEGIN"));
        auto first = recordChange(*connection, QStringLiteral("laptop-a"), {12, 10, 11}, {});
        QVERIFY2(first.ok(), first ? "" : qPrintable(first.error().message));
        QVERIFY(connection->executeScript("COMMIT"));
        QVERIFY(connection->executeScript("BEGIN"));
        auto second = recordChange(*connection, QStringLiteral("laptop-b"), {13}, {11});
        QVERIFY2(second.ok(), second ? "" : qPrintable(second.error().message));
        QVERIFY(connection->executeScript("COMMIT"));
        QCOMPARE(*first, 1);
        QCOMPARE(*second, 2);

        auto changes = changesSince(*connection, 0);
        QVERIFY2(changes.ok(), changes ? "" : qPrintable(changes.error().message));
        QCOMPARE(changes->size(), std::size_t(2));
        QCOMPARE(changes->at(0).machine, QStringLiteral("laptop-a"));
        QCOMPARE(changes->at(0).added, (std::vector<std::int64_t>{10, 11, 12}));
        QVERIFY(changes->at(0).removed.empty());
        QCOMPARE(changes->at(1).added, (std::vector<std::int64_t>{13}));
        QCOMPARE(changes->at(1).removed, (std::vector<std::int64_t>{11}));
        QCOMPARE(visible(*connection, 1), (std::vector<std::int64_t>{2}));
        QVERIFY(visible(*connection, 2).empty());
    }

    // Writer A has its generation and has not committed; writer B asks for one. B must wait
    // for A (seen in pg_locks, not guessed from time), and then get the next number: never the
    // same one (a duplicate) and never one that a searcher could see before A's.
    void concurrentWritersCommitInOrder() {
        auto a = open();
        auto b = open();
        auto observer = open();
        QVERIFY2(a && b && observer, "cannot connect");
        const std::vector<std::int64_t> before = visible(*observer);
        const std::int64_t last = before.empty() ? 0 : before.back();

        QVERIFY(a->executeScript("BEGIN"));
        auto generationA = recordChange(*a, QStringLiteral("laptop-a"), {100}, {});
        QVERIFY2(generationA.ok(), generationA ? "" : qPrintable(generationA.error().message));
        QCOMPARE(*generationA, last + 1);

        QString failureB;
        std::int64_t generationB = 0;
        std::thread writerB([&] {
            if (!b->executeScript("BEGIN")) {
                failureB = QStringLiteral("BEGIN failed");
                return;
            }
            auto generation = recordChange(*b, QStringLiteral("laptop-b"), {200}, {});
            if (!generation) {
                failureB = generation.error().message;
                (void)b->executeScript("ROLLBACK");
                return;
            }
            generationB = *generation;
            if (auto committed = b->executeScript("COMMIT"); !committed)
                failureB = committed.error().message;
        });
        const QDeadlineTimer deadline(30000);
        bool waited = false;
        while (!(waited = waitsForChangeLog(*observer, b->serverPid())) && !deadline.hasExpired())
            QThread::msleep(10);
        // A searcher sees neither while A is open.
        const std::vector<std::int64_t> during = visible(*observer, last);
        QVERIFY(a->executeScript("COMMIT"));
        writerB.join();
        QVERIFY2(waited, "writer B never waited for the change log's lock");
        QVERIFY(during.empty());
        QVERIFY2(failureB.isEmpty(), qPrintable(failureB));
        QCOMPARE(generationB, last + 2);
        QCOMPARE(visible(*observer, last), (std::vector<std::int64_t>{last + 1, last + 2}));
    }

    // A rolled-back commit leaves no generation behind: the log has no gaps to wait for.
    void rollbackLeavesNoGap() {
        auto connection = open();
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const std::vector<std::int64_t> before = visible(*connection);
        const std::int64_t last = before.empty() ? 0 : before.back();
        QVERIFY(connection->executeScript("BEGIN"));
        QVERIFY(recordChange(*connection, QStringLiteral("laptop-a"), {300}, {}));
        QVERIFY(connection->executeScript("ROLLBACK"));
        QVERIFY(connection->executeScript("BEGIN"));
        auto next = recordChange(*connection, QStringLiteral("laptop-a"), {301}, {});
        QVERIFY2(next.ok(), next ? "" : qPrintable(next.error().message));
        QVERIFY(connection->executeScript("COMMIT"));
        QCOMPARE(*next, last + 1);
    }

    // A listener hears each commit's generation, when it commits and not before; a rolled-back
    // change announces nothing; several commits in a row announce the newest.
    void listenersHearCommits() {
        auto listener = ChangeListener::open(m_server->location(QStringLiteral("team")));
        QVERIFY2(listener.ok(), listener ? "" : qPrintable(listener.error().message));
        auto writer = open();
        QVERIFY(writer.ok());
        QVERIFY(writer->executeScript("BEGIN"));
        auto pending = recordChange(*writer, QStringLiteral("laptop-a"), {400}, {});
        QVERIFY(pending.ok());
        auto early = listener->waitForChange(300);
        QVERIFY(early.ok());
        QCOMPARE(*early, std::int64_t(0)); // not committed yet
        QVERIFY(writer->executeScript("COMMIT"));
        auto heard = listener->waitForChange(10000);
        QVERIFY2(heard.ok(), heard ? "" : qPrintable(heard.error().message));
        QCOMPARE(*heard, *pending);

        QVERIFY(writer->executeScript("BEGIN"));
        QVERIFY(recordChange(*writer, QStringLiteral("laptop-a"), {401}, {}));
        QVERIFY(writer->executeScript("ROLLBACK"));
        std::int64_t newest = 0;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(writer->executeScript("BEGIN"));
            auto committed = recordChange(*writer, QStringLiteral("laptop-b"), {402 + i}, {});
            QVERIFY(committed.ok());
            QVERIFY(writer->executeScript("COMMIT"));
            newest = *committed;
        }
        QCOMPARE(*pending + 3, newest); // the rolled-back one took no generation
        std::int64_t latest = 0;
        const QDeadlineTimer deadline(10000);
        while (latest < newest && !deadline.hasExpired()) {
            auto announced = listener->waitForChange(500);
            QVERIFY(announced.ok());
            latest = std::max(latest, *announced);
        }
        QCOMPARE(latest, newest);
    }

    // The server ending the listener's session: one Io line naming the index, not a hang.
    void aListenerWhoseServerWentAwaySaysSo() {
        auto listener = ChangeListener::open(m_server->location(QStringLiteral("team")));
        QVERIFY(listener.ok());
        auto admin = open();
        QVERIFY(admin.ok());
        QVERIFY(admin->execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                               "query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"));
        auto heard = listener->waitForChange(10000);
        QVERIFY(!heard);
        QCOMPARE(heard.error().code, ErrorCode::Io);
        QVERIFY2(heard.error().message.startsWith(QStringLiteral("postgresql://")),
                 qPrintable(heard.error().message));
        QVERIFY(!heard.error().message.contains(QLatin1Char('\n')));
    }
};

QTEST_GUILESS_MAIN(TestPgChangeLog)
#include "test_pg_change_log.moc"
