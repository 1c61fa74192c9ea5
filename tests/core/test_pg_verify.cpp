// verifySharedIndex() on a real PostgreSQL 15: an index written as writers write it is clean;
// each way of breaking it by hand (what a crash-free bug, a partial restore or an
// administrator's DELETE could leave) is found, counted and named. Each case has a database of
// its own.

#include "postgres_server.h"
#include "semsearch/shared_index_verify.h"
#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QtTest>

#include <set>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 4;
const QString kSource = QStringLiteral("/srv/notes");

ModelIdentity testModel() {
    return ModelIdentity{QStringLiteral("test-model"), kDimension, QStringLiteral("max"), false,
                         QStringLiteral("fingerprint-verify")};
}

// Three documents of three passages each under kSource, in one commit; "" or what failed.
QString writeDocuments(PgConnection& connection) {
    auto lease = SourceLease::take(connection, kSource);
    if (!lease)
        return lease.error().message;
    auto batch = SharedIndexBatch::begin(connection, QStringLiteral("laptop-a"), testModel());
    if (!batch)
        return batch.error().message;
    if (auto added = batch->addSource(kSource, 1000); !added)
        return added.error().message;
    for (const QString& name :
         {QStringLiteral("a.txt"), QStringLiteral("b.txt"), QStringLiteral("c.txt")}) {
        DocumentRecord document;
        document.path = kSource + QLatin1Char('/') + name;
        document.contentHash = name.toUtf8();
        std::vector<PassageRecord> passages(3);
        for (std::size_t i = 0; i < passages.size(); ++i)
            passages[i].text = QStringLiteral("passage %1 of %2").arg(i).arg(name);
        if (auto put = batch->putDocument(kSource, document, passages,
                                          std::vector<float>(3 * kDimension, 0.5f));
            !put)
            return put.error().message;
    }
    auto committed = batch->commit();
    return committed ? QString() : committed.error().message;
}

// The passages a searcher's cache holds after replaying the change log from the start; empty
// (and a failure) when its generations do not run 1, 2, ... without a gap.
std::set<std::int64_t> replayedChangeLog(PgConnection& connection) {
    auto changes = changesSince(connection, 0, 1000000);
    if (!changes)
        return {};
    std::set<std::int64_t> live;
    std::int64_t expected = 1;
    for (const ChangeRecord& change : *changes) {
        if (change.generation != expected++) {
            qWarning("generation %lld where %lld was due", qlonglong(change.generation),
                     qlonglong(expected - 1));
            return {};
        }
        live.insert(change.added.begin(), change.added.end());
        for (std::int64_t id : change.removed)
            live.erase(id);
    }
    return live;
}

std::set<std::int64_t> heldPassages(PgConnection& connection) {
    auto rows = connection.query("SELECT id FROM passages");
    if (!rows)
        return {};
    const std::vector<std::int64_t> ids = rows->integers(0);
    return std::set<std::int64_t>(ids.begin(), ids.end());
}

} // namespace

class TestPgVerify : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    int m_databases = 0;

    // A new database holding a clean index; its name in `database`.
    QString freshIndex(QString& database) {
        database = QStringLiteral("verify_%1").arg(++m_databases);
        if (QString failed = m_server->runSql(QStringLiteral("CREATE DATABASE ") + database);
            !failed.isEmpty())
            return {};
        const QString location = m_server->location(database);
        auto connection = PgConnection::open(location);
        if (!connection || !migrateSharedIndex(*connection) ||
            !writeDocuments(*connection).isEmpty())
            return {};
        return location;
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
    }

    void aWrittenIndexIsClean() {
        QString database;
        const QString location = freshIndex(database);
        QVERIFY(!location.isEmpty());
        auto check = verifySharedIndex(location);
        QVERIFY2(check.ok(), check ? "" : qPrintable(check.error().message));
        QVERIFY2(check->ok(), qPrintable(check->problems.join(QLatin1Char('\n'))));
        QVERIFY(check->notes.isEmpty()); // the writer released its lease
    }

    void brokenIndexesAreFound_data() {
        QTest::addColumn<QString>("breakIt");
        QTest::addColumn<QString>("problem");
        QTest::addColumn<int>("problems"); // how many rules it breaks
        QTest::addColumn<int>("lost");     // documents repair removes as damaged; -1: not mended
        QTest::newRow("vector size") << "UPDATE passages SET vector = '\\x00000000' WHERE id = "
                                        "(SELECT min(id) FROM passages)"
                                     << "1 documents have vectors of another size than the "
                                        "model's, e.g. /srv/notes/a.txt"
                                     << 1 << 1;
        QTest::newRow("outside its source")
            << "UPDATE documents SET path = '/srv/notesX/b.txt' WHERE path = '/srv/notes/b.txt'"
            << "1 documents lie outside their source's folder, e.g. /srv/notesX/b.txt" << 1 << 1;
        QTest::newRow("passage deleted by hand")
            << "DELETE FROM passages WHERE ordinal = 1 AND document_id = (SELECT id FROM "
               "documents WHERE path = '/srv/notes/c.txt')"
            << "1 documents do not hold the passages their count says, in order from 0, e.g. "
               "/srv/notes/c.txt"
            << 2 << 1; // and the change log lists the deleted passage
        QTest::newRow("generation lost")
            << "INSERT INTO changes(generation, machine) VALUES (5, 'x')"
            << "the change log misses 3 generations, e.g. generation 2" << 1 << 0;
        QTest::newRow("passage the log never announced")
            << "UPDATE changes SET added = added[2:]"
            << "1 passages are missing from the change log (searchers' caches do not have "
               "them), e.g. in /srv/notes/a.txt"
            << 1 << 0;
        QTest::newRow("log announces a passage that is gone")
            << "DELETE FROM passages WHERE id = (SELECT max(id) FROM passages); UPDATE "
               "documents SET passage_count = 2 WHERE path = '/srv/notes/c.txt'"
            << "the change log lists 1 passages the index does not hold (searchers' caches "
               "keep them)"
            << 1 << 0;
        QTest::newRow("model lost") << "DELETE FROM meta WHERE key LIKE 'model%'"
                                    << "the index holds 9 passages but no model" << 1 << -1;
    }

    void brokenIndexesAreFound() {
        QFETCH(QString, breakIt);
        QFETCH(QString, problem);
        QFETCH(int, problems);
        QString database;
        const QString location = freshIndex(database);
        QVERIFY(!location.isEmpty());
        QCOMPARE(m_server->runSql(breakIt, database), QString());
        auto check = verifySharedIndex(location);
        QVERIFY2(check.ok(), check ? "" : qPrintable(check.error().message));
        const QString found = check->problems.join(QLatin1Char('\n'));
        QVERIFY2(check->problems.size() == problems, qPrintable(found));
        QVERIFY2(std::any_of(check->problems.begin(), check->problems.end(),
                             [&](const QString& line) { return line.startsWith(problem); }),
                 qPrintable(found));
    }

    void brokenIndexesAreRepaired_data() { brokenIndexesAreFound_data(); }

    // Repaired: verify is clean and, checked independently of verify's SQL, the change log
    // replays (generations 1, 2, ... without a gap) to exactly the passages held, which is what
    // a searcher's cache will hold. Damaged documents are removed and named with their machine.
    void brokenIndexesAreRepaired() {
        QFETCH(QString, breakIt);
        QFETCH(int, lost);
        QString database;
        const QString location = freshIndex(database);
        QVERIFY(!location.isEmpty());
        QCOMPARE(m_server->runSql(breakIt, database), QString());
        auto repair = repairSharedIndex(location, QStringLiteral("laptop-b"));
        QVERIFY2(repair.ok(), repair ? "" : qPrintable(repair.error().message));
        QCOMPARE(repair->losses.size(), qsizetype(std::max(lost, 0)));
        auto check = verifySharedIndex(location);
        QVERIFY(check.ok());
        if (lost < 0) { // a lost model is not mended
            QVERIFY(!check->ok() && repair->repairs.isEmpty());
            return;
        }
        QVERIFY2(check->ok(), qPrintable(check->problems.join(QLatin1Char('\n'))));
        QVERIFY(!repair->repairs.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        QCOMPARE(replayedChangeLog(*connection), heldPassages(*connection));
        if (lost > 0) {
            QVERIFY2(repair->losses.first().endsWith(QStringLiteral("(indexed by laptop-a)")),
                     qPrintable(repair->losses.first()));
            QCOMPARE(repair->sourcesToIndexAgain.size(), qsizetype(1));
            QCOMPARE(repair->sourcesToIndexAgain.first().first, kSource);
        }
        auto again = repairSharedIndex(location, QStringLiteral("laptop-b"));
        QVERIFY(again.ok() && again->repairs.isEmpty()); // nothing left to mend
    }

    // Repair writes: while another machine indexes a source it waits for nobody and changes
    // nothing (Busy, naming the holder); a read-only role is refused in one line.
    void repairNeedsEveryLeaseAndWriting() {
        QString database;
        const QString location = freshIndex(database);
        QVERIFY(!location.isEmpty());
        QCOMPARE(m_server->runSql(QStringLiteral("UPDATE changes SET added = added[2:]"), database),
                 QString());
        {
            auto holder = PgConnection::open(location);
            QVERIFY(holder.ok());
            auto lease = SourceLease::take(*holder, kSource);
            QVERIFY(lease.ok());
            auto busy = repairSharedIndex(location, QStringLiteral("laptop-b"));
            QVERIFY(!busy);
            QCOMPARE(busy.error().code, ErrorCode::Busy);
            QVERIFY2(busy.error().message.contains(PgConnection::defaultApplicationName()),
                     qPrintable(busy.error().message));
        }
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE ROLE verify_reader LOGIN; GRANT SELECT ON "
                                                 "ALL TABLES IN SCHEMA public TO verify_reader"),
                                  database),
                 QString());
        auto refused =
            repairSharedIndex(m_server->location(database, QStringLiteral("verify_reader")),
                              QStringLiteral("laptop-b"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(!refused.error().message.contains(QLatin1Char('\n')),
                 qPrintable(refused.error().message));
        auto check = verifySharedIndex(location);
        QVERIFY(check.ok() && check->problems.size() == 1); // still broken: nothing changed
    }

    // A lease row left by a writer whose session ended is a note, not a problem.
    void aLeftoverLeaseIsANote() {
        QString database;
        const QString location = freshIndex(database);
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        auto lease = SourceLease::take(*connection, kSource);
        QVERIFY(lease.ok());
        auto held = verifySharedIndex(location); // held: nothing to note
        QVERIFY(held.ok() && held->notes.isEmpty() && held->ok());
        // The writer's session ended by the server, as when its process is killed: the row
        // stays, the lock goes.
        QCOMPARE(m_server->runSql(
                     QStringLiteral("SELECT pg_terminate_backend(%1)").arg(connection->serverPid()),
                     database),
                 QString());
        QTRY_VERIFY_WITH_TIMEOUT(verifySharedIndex(location)->notes.size() == 1, 10000);
        auto check = verifySharedIndex(location);
        QVERIFY(check.ok() && check->ok());
        QVERIFY2(check->notes.first().contains(QStringLiteral("has gone")),
                 qPrintable(check->notes.first()));
    }

    void notAnIndex() {
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE empty_one")), QString());
        auto check = verifySharedIndex(m_server->location(QStringLiteral("empty_one")));
        QVERIFY(!check);
        QCOMPARE(check.error().code, ErrorCode::NotFound);
    }

    void cleanupTestCase() { m_server.reset(); }
};

QTEST_GUILESS_MAIN(TestPgVerify)
#include "test_pg_verify.moc"
