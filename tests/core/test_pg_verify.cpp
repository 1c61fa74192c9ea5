// verifySharedIndex() on a real PostgreSQL 15: an index written as writers write it is clean;
// each way of breaking it by hand (what a crash-free bug, a partial restore or an
// administrator's DELETE could leave) is found, counted and named. Each case has a database of
// its own.

#include "postgres_server.h"
#include "semsearch/shared_index_verify.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QtTest>

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
        QTest::newRow("vector size") << "UPDATE passages SET vector = '\\x00000000' WHERE id = "
                                        "(SELECT min(id) FROM passages)"
                                     << "1 passages have vectors of another size than the "
                                        "model's, e.g. in /srv/notes/a.txt"
                                     << 1;
        QTest::newRow("outside its source")
            << "UPDATE documents SET path = '/srv/notesX/b.txt' WHERE path = '/srv/notes/b.txt'"
            << "1 documents lie outside their source's folder, e.g. /srv/notesX/b.txt" << 1;
        QTest::newRow("passage deleted by hand")
            << "DELETE FROM passages WHERE ordinal = 1 AND document_id = (SELECT id FROM "
               "documents WHERE path = '/srv/notes/c.txt')"
            << "1 documents do not hold the passages their count says, in order from 0, e.g. "
               "/srv/notes/c.txt"
            << 2; // and the change log lists the deleted passage
        QTest::newRow("generation lost")
            << "INSERT INTO changes(generation, machine) VALUES (5, 'x')"
            << "the change log misses 1 generations, e.g. the one before 5" << 1;
        QTest::newRow("passage the log never announced")
            << "UPDATE changes SET added = added[2:]"
            << "1 passages are missing from the change log (searchers' caches do not have "
               "them), e.g. in /srv/notes/a.txt"
            << 1;
        QTest::newRow("log announces a passage that is gone")
            << "DELETE FROM passages WHERE id = (SELECT max(id) FROM passages); UPDATE "
               "documents SET passage_count = 2 WHERE path = '/srv/notes/c.txt'"
            << "the change log lists 1 passages the index does not hold (searchers' caches "
               "keep them)"
            << 1;
        QTest::newRow("model lost") << "DELETE FROM meta WHERE key LIKE 'model%'"
                                    << "the index holds 9 passages but no model" << 1;
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
