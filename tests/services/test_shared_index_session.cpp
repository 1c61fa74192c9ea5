// The window's services on a shared index at a postgresql:// location, against a private
// PostgreSQL 15 (postgres_server.h) and the tiny model: the search thread's overview shows what
// writers committed (the counts the test wrote itself, each source with its machine), its
// searches rank as brute-force cosine over the written vectors, and the change monitor hears
// a commit made after it started, without polling or reopening; a lost connection is said once,
// tried again, and said to be back, after which what was committed meanwhile is read.

#include "index_change_monitor.h"
#include "postgres_server.h"
#include "reference_data.h"
#include "search_session.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index_writes.h"

#include "semsearch/model.h"

#include <QSignalSpy>

#include <QtTest>
#include <algorithm>
#include <cmath>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kDocs = QStringLiteral("/srv/docs");
const QString kServer = QStringLiteral("server-b");

// One document of `passages` passages of made-up text.
TestDocument madeUp(const QString& path, int passages) {
    TestDocument document{path, {}};
    for (int p = 0; p < passages; ++p)
        document.passages << QStringLiteral("%1, part %2 of a note").arg(path).arg(p);
    return document;
}

} // namespace

class TestSharedIndexSession : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QString m_location;
    QTemporaryDir m_cache; // the searchers' vector caches, not the user's
    std::shared_ptr<SharedEmbedder> m_embedder;
    std::unique_ptr<Embedder> m_writer; // embeds what the test commits
    WrittenIndex m_written;

    // `hits` (documents, best first) are what brute-force cosine over the vectors the test wrote
    // ranks first: each document's score is its best passage's, in descending order, and each
    // names the machine that wrote it.
    void checkAgainstBruteForce(const QString& query, const services::DocumentHits& hits) {
        auto vector = m_writer->embed({query});
        QVERIFY(vector.ok());
        const std::vector<RankedId> ranked = bruteForce(m_written, vector->values);
        std::vector<std::pair<QString, double>> best; // document -> best passage score, in order
        for (const RankedId& passage : ranked) {
            const QString& path = m_written.at(passage.id).path;
            if (std::none_of(best.begin(), best.end(),
                             [&](const auto& b) { return b.first == path; }))
                best.emplace_back(path, passage.score);
        }
        QCOMPARE(hits.size(), best.size());
        for (std::size_t i = 0; i < hits.size(); ++i) {
            QVERIFY2(std::abs(hits[i].score - best[i].second) < 1e-4,
                     qPrintable(QStringLiteral("%1: %2, expected %3")
                                    .arg(hits[i].path)
                                    .arg(hits[i].score)
                                    .arg(best[i].second)));
            const auto own = std::find_if(best.begin(), best.end(),
                                          [&](const auto& b) { return b.first == hits[i].path; });
            QVERIFY(own != best.end());
            QVERIFY(std::abs(hits[i].score - own->second) < 1e-4);
            QVERIFY(!hits[i].passages.empty());
            const WrittenPassage& first = m_written.at(hits[i].passages.front().passageId);
            QCOMPARE(first.path, hits[i].path);
            QCOMPARE(hits[i].machine, first.machine);
        }
    }

    // What the search thread reads for the sources panel (read false: no answer in time).
    struct ReadOverview : services::IndexOverview {
        bool read = false;
    };
    static ReadOverview overviewOf(const QString& location) {
        services::SearchSession session;
        session.setIndexFolder(location);
        QSignalSpy overviews(&session, &services::SearchSession::overviewReady);
        session.refreshOverview();
        ReadOverview overview;
        if (overviews.wait(20000)) {
            static_cast<services::IndexOverview&>(overview) =
                overviews.takeFirst().at(0).value<services::IndexOverview>();
            overview.read = true;
        }
        return overview;
    }

    QString commit(const QString& source, const QString& machine,
                   const std::vector<TestDocument>& documents) {
        return commitDocuments(m_location, machine, source, documents, *m_writer, m_written);
    }

private Q_SLOTS:
    void initTestCase() {
        qRegisterMetaType<services::IndexOverview>();
        QVERIFY(m_cache.isValid());
        qputenv("XDG_CACHE_HOME", m_cache.path().toUtf8());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::make_shared<SharedEmbedder>(std::move(embedder).value());
        m_writer = m_embedder->client(SharedEmbedder::Priority::Background);
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
        QCOMPARE(commit(QStringLiteral("/home/ann/notes"), QStringLiteral("laptop-a"),
                        {madeUp(QStringLiteral("/home/ann/notes/a.md"), 3)}),
                 QString());
        QCOMPARE(commit(kDocs, kServer, {madeUp(kDocs + QStringLiteral("/b.md"), 2)}), QString());
        QCOMPARE(commit(kDocs, kServer, {madeUp(kDocs + QStringLiteral("/c.md"), 4)}), QString());

        const auto overview = overviewOf(m_location);
        QVERIFY(overview.read);
        QVERIFY2(overview.problem.isEmpty(), qPrintable(overview.problem));
        QVERIFY(overview.exists);
        QVERIFY(!overview.needsUpgrade); // the schema is current
        QCOMPARE(overview.counts.documents, 3);
        QCOMPARE(overview.counts.passages, 3 + 2 + 4);
        QVERIFY(overview.model.has_value());
        QCOMPARE(overview.model->name, m_writer->model().name);
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
        const auto overview = overviewOf(m_server->location(
            QStringLiteral("nothere"), QStringLiteral("postgres"), QStringLiteral("pw-s3cret")));
        QVERIFY(overview.read);
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
        QCOMPARE(commit(kDocs, kServer, {madeUp(kDocs + QStringLiteral("/late.md"), 1)}),
                 QString());
        QVERIFY(changed.wait(10000));
        QCOMPARE(lost.count(), 0);

        const auto overview = overviewOf(m_location);
        QVERIFY(overview.read);
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
        QCOMPARE(commit(kDocs, kServer, {madeUp(kDocs + QStringLiteral("/after.md"), 1)}),
                 QString());
        QVERIFY(changed.wait(10000));
    }

    // The window's worker, given a shared location, finds what writers committed, ranked as
    // brute-force cosine over the vectors the test wrote ranks it; a document committed after
    // the worker opened, heard by the monitor, is found without reopening anything, by meaning
    // and by its words.
    void theWorkerFindsWhatWasCommittedAndWhatCameLater() {
        services::SearchSession session;
        session.setIndexFolder(m_location);
        session.setEmbedder(m_embedder);
        QSignalSpy results(&session, &services::SearchSession::resultsReady);
        QSignalSpy failed(&session, &services::SearchSession::searchFailed);
        const QString query = QStringLiteral("watering the tomatoes in summer");
        SearchOptions options;
        options.limit = 100;
        options.passagesPerDocument = 5;
        options.mode = SearchMode::Semantic;
        session.search(query, options);
        QVERIFY2(results.wait(60000),
                 failed.isEmpty() ? "no answer" : qPrintable(failed.first().at(0).toString()));
        checkAgainstBruteForce(query, results.takeFirst().at(1).value<services::DocumentHits>());

        services::IndexChangeMonitor monitor;
        QSignalSpy changed(&monitor, &services::IndexChangeMonitor::changed);
        monitor.setIndexFolder(m_location);
        QTest::qWait(1500);
        const QString late = kDocs + QStringLiteral("/late-tomatoes.md");
        QCOMPARE(commit(kDocs, kServer, {TestDocument{late, {query}}}), QString());
        QVERIFY(changed.wait(10000));
        session.search(query, options);
        QVERIFY(results.wait(60000));
        const auto hits = results.takeFirst().at(1).value<services::DocumentHits>();
        QCOMPARE(hits.front().path, late);
        QCOMPARE(hits.front().machine, kServer);
        checkAgainstBruteForce(query, hits);
        // Words, on the server: only the documents holding them.
        options.mode = SearchMode::Keyword;
        session.search(QStringLiteral("summer"), options);
        QVERIFY(results.wait(60000));
        const auto byWords = results.takeFirst().at(1).value<services::DocumentHits>();
        QCOMPARE(byWords.size(), std::size_t(1));
        QCOMPARE(byWords.front().path, late);
        QCOMPARE(failed.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSharedIndexSession)
#include "test_shared_index_session.moc"
