// semsearch-cli verify on a shared index, against a private PostgreSQL 15: a clean index says
// "ok" and exits 0; one broken by hand lists its problem on standard output, exits 1 and says
// so in one line; --repair mends it, naming what it removed and how to put that back. What the
// checks find and mend is test_pg_verify's; this is the command's contract.

#include "cli_runner.h"
#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestCliSharedVerify : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QString m_location;

    RunResult verify(const QStringList& more = {}) {
        return runCli(QStringList{QStringLiteral("verify"), QStringLiteral("--index"), m_location} +
                      more);
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team")), QString());
        m_location = m_server->location(QStringLiteral("team"));
        auto connection = PgConnection::open(m_location);
        QVERIFY(connection.ok() && migrateSharedIndex(*connection).ok());
        auto lease = SourceLease::take(*connection, QStringLiteral("/srv/notes"));
        QVERIFY(lease.ok());
        const ModelIdentity model{QStringLiteral("test-model"), 4, QStringLiteral("max"), false,
                                  QStringLiteral("fingerprint-1")};
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("laptop-a"), model);
        QVERIFY(batch.ok() && batch->addSource(QStringLiteral("/srv/notes"), 1).ok());
        DocumentRecord document;
        document.path = QStringLiteral("/srv/notes/plan.md");
        std::vector<PassageRecord> passages(2);
        QVERIFY(batch->putDocument(QStringLiteral("/srv/notes"), document, passages,
                                   std::vector<float>(8, 0.5f)));
        QVERIFY(batch->commit());
    }

    void aCleanIndexIsOk() {
        const RunResult run = verify();
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QByteArray("ok\n"));
        QVERIFY2(run.err.isEmpty(), run.err.constData());
    }

    void aBrokenIndexSaysWhat() {
        QCOMPARE(m_server->runSql(QStringLiteral("UPDATE changes SET added = '{}'"),
                                  QStringLiteral("team")),
                 QString());
        const RunResult run = verify();
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.startsWith("problem: 2 passages are missing from the change log"),
                 run.out.constData());
        QVERIFY2(run.out.endsWith("the index has problems\n"), run.out.constData());
        QVERIFY2(isOneLine(run.err), run.err.constData());
        QVERIFY2(run.err.startsWith("semsearch-cli: " + m_location.toUtf8() + ": 1 problems found"),
                 run.err.constData());
    }

    // What aBrokenIndexSaysWhat broke (the log never announced the passages) is mended
    // without losing anything: exit 0, and verify is clean afterwards.
    void repairMendsTheChangeLog() {
        const RunResult run = verify({QStringLiteral("--repair")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.startsWith("repaired: announced 2 passages added and 0 removed"),
                 run.out.constData());
        QVERIFY2(run.out.endsWith("\nok\n"), run.out.constData());
        QVERIFY2(run.err.isEmpty(), run.err.constData());
        QCOMPARE(verify().out, QByteArray("ok\n"));
    }

    // A damaged document is removed, named with its machine, and the one line says how to put
    // it back; exit 1 as for a local repair that lost something.
    void repairRemovesADamagedDocument() {
        QCOMPARE(m_server->runSql(QStringLiteral("DELETE FROM passages WHERE ordinal = 1"),
                                  QStringLiteral("team")),
                 QString());
        const RunResult run = verify({QStringLiteral("--repair")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains("lost: /srv/notes/plan.md (indexed by laptop-a)\n"),
                 run.out.constData());
        QVERIFY2(run.out.endsWith("ok now, but not everything could be kept\n"),
                 run.out.constData());
        QVERIFY2(isOneLine(run.err), run.err.constData());
        QVERIFY2(run.err.contains("1 damaged documents were removed") &&
                     run.err.contains("on laptop-a: semsearch-cli index --index " +
                                      m_location.toUtf8() + " /srv/notes"),
                 run.err.constData());
        QCOMPARE(verify().out, QByteArray("ok\n"));
    }

    void cleanupTestCase() { m_server.reset(); }
};

QTEST_GUILESS_MAIN(TestCliSharedVerify)
#include "test_cli_shared_verify.moc"
