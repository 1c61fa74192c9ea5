// The window's services on a shared index at a postgresql:// location, against a private
// PostgreSQL 15 (postgres_server.h): the search thread's overview shows what writers committed
// (the counts the test wrote itself, each source with its machine), and the change monitor hears
// a commit made after it started, without polling or reopening; a lost connection is said once,
// tried again, and said to be back, after which what was committed meanwhile is read.

#include "index_change_monitor.h"
#include "postgres_server.h"
#include "search_session.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QSignalSpy>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 4;

// Commits one document of `passages` passages under `source` as `machine`, in one batch with
// the source's lease held. "" or what went wrong.
QString commitDocument(const QString& location, const QString& source, const QString& machine,
                       const QString& name, int passages) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error().message;
    auto lease = SourceLease::take(*connection, source);
    if (!lease)
        return lease.error().message;
    const ModelIdentity model{QStringLiteral("test-model"), kDimension, QStringLiteral("mean"),
                              true, QStringLiteral("fingerprint")};
    auto batch = SharedIndexBatch::begin(*connection, machine, model);
    if (!batch)
        return batch.error().message;
    if (auto added = batch->addSource(source, 1000); !added)
        return added.error().message;
    DocumentRecord document;
    document.path = source + QLatin1Char('/') + name;
    std::vector<PassageRecord> records(std::size_t(passages), PassageRecord{});
    for (int p = 0; p < passages; ++p)
        records[std::size_t(p)].text = name + QStringLiteral(" passage %1").arg(p);
    const std::vector<float> vectors(std::size_t(passages * kDimension), 0.5f);
    if (auto put = batch->putDocument(source, document, records, vectors); !put)
        return put.error().message;
    auto committed = batch->commit();
    return committed ? QString() : committed.error().message;
}

} // namespace

class TestSharedIndexSession : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QString m_location;

private Q_SLOTS:
    void initTestCase() {
        qRegisterMetaType<services::IndexOverview>();
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team")), QString());
        m_location = m_server->location(QStringLiteral("team"));
        auto connection = PgConnection::open(m_location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection).ok());
    }

    // The sources panel's overview: the sources in path order with their machines, and the
    // counts of what was written here.
    void theOverviewShowsEachSourceWithItsMachine() {
        QCOMPARE(commitDocument(m_location, QStringLiteral("/home/ann/notes"),
                                QStringLiteral("laptop-a"), QStringLiteral("a.md"), 3),
                 QString());
        QCOMPARE(commitDocument(m_location, QStringLiteral("/srv/docs"), QStringLiteral("server-b"),
                                QStringLiteral("b.md"), 2),
                 QString());
        QCOMPARE(commitDocument(m_location, QStringLiteral("/srv/docs"), QStringLiteral("server-b"),
                                QStringLiteral("c.md"), 4),
                 QString());

        services::SearchSession session;
        session.setIndexFolder(m_location);
        QSignalSpy overviews(&session, &services::SearchSession::overviewReady);
        session.refreshOverview();
        QVERIFY(overviews.wait(20000));
        const auto overview = overviews.takeFirst().at(0).value<services::IndexOverview>();
        QVERIFY2(overview.problem.isEmpty(), qPrintable(overview.problem));
        QVERIFY(overview.exists);
        QVERIFY(!overview.needsUpgrade); // readers of a shared index never ask for an upgrade
        QCOMPARE(overview.counts.documents, 3);
        QCOMPARE(overview.counts.passages, 3 + 2 + 4);
        QVERIFY(overview.model.has_value());
        QCOMPARE(overview.model->name, QStringLiteral("test-model"));
        QCOMPARE(overview.sources.size(), std::size_t(2));
        QCOMPARE(overview.sources[0].source.path, QStringLiteral("/home/ann/notes"));
        QCOMPARE(overview.sources[0].machine, QStringLiteral("laptop-a"));
        QCOMPARE(overview.sources[0].counts.passages, 3);
        QCOMPARE(overview.sources[1].source.path, QStringLiteral("/srv/docs"));
        QCOMPARE(overview.sources[1].machine, QStringLiteral("server-b"));
        QCOMPARE(overview.sources[1].counts.documents, 2);
        QCOMPARE(overview.sources[1].counts.passages, 6);
    }

    // A database that does not exist: one line naming the location, without its password.
    void anUnreadableIndexIsOneLineWithoutThePassword() {
        services::SearchSession session;
        const QString missing = m_server->location(
            QStringLiteral("nothere"), QStringLiteral("postgres"), QStringLiteral("pw-s3cret"));
        session.setIndexFolder(missing);
        QSignalSpy overviews(&session, &services::SearchSession::overviewReady);
        session.refreshOverview();
        QVERIFY(overviews.wait(20000));
        const auto overview = overviews.takeFirst().at(0).value<services::IndexOverview>();
        QVERIFY(!overview.exists);
        QVERIFY(!overview.needsUpgrade);
        QVERIFY(!overview.problem.contains(QLatin1Char('\n')));
        QVERIFY2(overview.problem.contains(QStringLiteral("/nothere")),
                 qPrintable(overview.problem));
        QVERIFY2(!overview.problem.contains(QStringLiteral("s3cret")),
                 qPrintable(overview.problem));
    }

    // A commit made after the monitor started is heard (no polling of files: there are none),
    // and the overview read then shows it.
    void aLaterCommitIsHeard() {
        services::IndexChangeMonitor monitor;
        QSignalSpy changed(&monitor, &services::IndexChangeMonitor::changed);
        QSignalSpy lost(&monitor, &services::IndexChangeMonitor::listeningLost);
        monitor.setIndexFolder(m_location);
        QTest::qWait(1500); // connected and listening
        QCOMPARE(changed.count(), 0);
        QCOMPARE(commitDocument(m_location, QStringLiteral("/srv/docs"), QStringLiteral("server-b"),
                                QStringLiteral("late.md"), 1),
                 QString());
        QVERIFY(changed.wait(10000));
        QCOMPARE(lost.count(), 0);

        services::SearchSession session;
        session.setIndexFolder(m_location);
        QSignalSpy overviews(&session, &services::SearchSession::overviewReady);
        session.refreshOverview();
        QVERIFY(overviews.wait(20000));
        const auto overview = overviews.takeFirst().at(0).value<services::IndexOverview>();
        QCOMPARE(overview.counts.documents, 4);
    }

    // The server ends the listener's session: said once, tried again every retry interval,
    // said to be back, and then changed() so that what was committed meanwhile is read.
    void aLostConnectionIsSaidOnceAndRetried() {
        services::IndexChangeMonitor monitor;
        monitor.setRetryInterval(500);
        QSignalSpy changed(&monitor, &services::IndexChangeMonitor::changed);
        QSignalSpy lost(&monitor, &services::IndexChangeMonitor::listeningLost);
        QSignalSpy restored(&monitor, &services::IndexChangeMonitor::listeningRestored);
        monitor.setIndexFolder(m_location);
        QTest::qWait(1500);
        // Refused connections while the database is closed to new ones: several retries fail.
        QCOMPARE(m_server->runSql(
                     QStringLiteral("ALTER DATABASE team ALLOW_CONNECTIONS false; "
                                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = 'team' AND pid <> pg_backend_pid()")),
                 QString());
        QVERIFY(lost.wait(10000));
        const QString message = lost.takeFirst().at(0).toString();
        QVERIFY2(!message.contains(QLatin1Char('\n')) && message.contains(QStringLiteral("/team")),
                 qPrintable(message));
        QTest::qWait(2500); // about five retries
        QCOMPARE(lost.count(), 0);
        QCOMPARE(restored.count(), 0);
        changed.clear();
        QCOMPARE(m_server->runSql(QStringLiteral("ALTER DATABASE team ALLOW_CONNECTIONS true")),
                 QString());
        QVERIFY(restored.wait(10000));
        QVERIFY(changed.count() > 0 || changed.wait(5000));
        // Listening again: a new commit is heard.
        changed.clear();
        QCOMPARE(commitDocument(m_location, QStringLiteral("/srv/docs"), QStringLiteral("server-b"),
                                QStringLiteral("after.md"), 1),
                 QString());
        QVERIFY(changed.wait(10000));
    }
};

QTEST_GUILESS_MAIN(TestSharedIndexSession)
#include "test_shared_index_session.moc"
