// SearchSession and IndexingSession on an index of an older schema: the reader never writes (the
// database stays at version 2 and the overview says an upgrade is needed), the one writer
// upgrades it on request, and the reader then searches it.

#include "generous_wait.h"
#include "indexing_session.h"
#include "older_schema.h"
#include "reference_data.h"
#include "search_session.h"

#include "semsearch/indexer.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestSearchSession : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_index;
    std::shared_ptr<SharedEmbedder> m_embedder;

    static services::IndexOverview overviewOf(services::SearchSession& session) {
        QSignalSpy ready(&session, &services::SearchSession::overviewReady);
        session.refreshOverview();
        if (!ready.wait(kGenerousWaitMs))
            return {};
        return ready.takeFirst().at(0).value<services::IndexOverview>();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::make_shared<SharedEmbedder>(std::move(embedder).value());
    }

    void init() {
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        const QString docs = base + QStringLiteral("/docs");
        m_index = base + QStringLiteral("/index");
        QVERIFY(QDir().mkpath(docs));
        QFile file(docs + QStringLiteral("/cats.txt"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("Cats sleep for most of the day. They like warm places near windows.\n");
        file.close();
        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        auto embedder = m_embedder->client(SharedEmbedder::Priority::Background);
        Indexer indexer(**index, *embedder);
        QVERIFY(indexer.run({docs}).ok());
    }

    void readerOfAnOlderSchemaNeverWritesAndTheWriterUpgrades() {
        const QString database = m_index + QStringLiteral("/index.sqlite");
        QVERIFY(makeSchemaVersion2(database));
        QCOMPARE(schemaVersionOf(database), 2);

        services::SearchSession search;
        search.setIndexFolder(m_index);
        search.setEmbedder(m_embedder);
        const services::IndexOverview before = overviewOf(search);
        QVERIFY(before.needsUpgrade);
        QVERIFY2(before.problem.contains(QStringLiteral("schema version 2")),
                 qPrintable(before.problem));
        QVERIFY(!before.exists);
        QSignalSpy failed(&search, &services::SearchSession::searchFailed);
        search.search(QStringLiteral("cats"), {});
        QVERIFY(failed.wait(kGenerousWaitMs));
        QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("upgrade")));
        QCOMPARE(schemaVersionOf(database), 2); // the reader did not write

        services::IndexingSession writer;
        writer.setIndexFolder(m_index);
        QSignalSpy finished(&writer, &services::IndexingSession::jobFinished);
        writer.upgrade(); // needs no model
        QVERIFY(finished.wait(kGenerousWaitMs));
        const auto result = finished.first().at(0).value<services::IndexJobResult>();
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(result.job.kind == services::IndexJob::Kind::Upgrade);
        QCOMPARE(schemaVersionOf(database), currentSchemaVersion());

        const services::IndexOverview after = overviewOf(search);
        QVERIFY2(after.problem.isEmpty(), qPrintable(after.problem));
        QVERIFY(!after.needsUpgrade);
        QVERIFY(after.exists);
        QCOMPARE(after.counts.documents, 1);
        QSignalSpy results(&search, &services::SearchSession::resultsReady);
        search.search(QStringLiteral("cats"), {});
        QVERIFY(results.wait(kGenerousWaitMs));
        QCOMPARE(results.first().at(1).value<services::DocumentHits>().size(), std::size_t(1));
    }

    // A schema newer than this semsearch knows: the writer refuses, saying so, and writes
    // nothing.
    void writerRefusesANewerSchema() {
        const QString database = m_index + QStringLiteral("/index.sqlite");
        QVERIFY(execOn(database, "PRAGMA user_version = 99"));
        services::SearchSession search;
        search.setIndexFolder(m_index);
        const services::IndexOverview overview = overviewOf(search);
        QVERIFY2(overview.needsUpgrade, qPrintable(overview.problem));
        services::IndexingSession writer;
        writer.setIndexFolder(m_index);
        QSignalSpy finished(&writer, &services::IndexingSession::jobFinished);
        writer.upgrade();
        QVERIFY(finished.wait(kGenerousWaitMs));
        const auto result = finished.first().at(0).value<services::IndexJobResult>();
        QVERIFY(!result.ok);
        QVERIFY(result.errorCode == ErrorCode::Unsupported);
        QVERIFY2(result.error.contains(QStringLiteral("newer")), qPrintable(result.error));
        QCOMPARE(schemaVersionOf(database), 99);
    }
};

QTEST_GUILESS_MAIN(TestSearchSession)
#include "test_search_session.moc"
