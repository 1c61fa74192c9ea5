// The sweep stage of an indexing run (core/src/pipeline/index_sweep.h): what vanished from the
// sources removed, the skip records and sources made final; and removal of a whole path.

#include "stage_fixture.h"

#include "pipeline/index_sweep.h"

#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestIndexSweep : public QObject {
    Q_OBJECT

    std::unique_ptr<StageFixture> m_fixture;

    QString doc(const char* name) const { return m_fixture->doc(QLatin1String(name)); }
    void storeAt(const char* name) {
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc(name), name), {name}) > 0);
    }
    QStringList documentPaths() {
        QStringList paths;
        auto documents = m_fixture->store().documents().under(QString());
        if (documents)
            for (const DocumentRecord& document : *documents)
                paths << document.path;
        return paths;
    }
    QStringList skippedPaths() {
        QStringList paths;
        auto skipped = m_fixture->store().skipped().all();
        if (skipped)
            for (const SkippedRecord& record : *skipped)
                paths << record.path + QLatin1Char('=') + record.reason;
        return paths;
    }

private Q_SLOTS:
    void init() {
        m_fixture = std::make_unique<StageFixture>();
        QVERIFY(m_fixture->open(StageFixture::smallModel()));
    }

    // Under the root, what the walk did not find goes; outside it, nothing is touched.
    void documentsNotFoundUnderTheRootsAreRemoved() {
        storeAt("in/kept.txt");
        storeAt("in/gone.txt");
        storeAt("in/deep/gone.txt");
        storeAt("out/other.txt");
        auto removed =
            sweepGone(m_fixture->index(), {doc("in")}, {doc("in/kept.txt"), doc("in/new.txt")});
        QVERIFY2(removed.ok(), removed ? "" : qPrintable(removed.error().message));
        QCOMPARE(*removed, 2);
        QCOMPARE(documentPaths(), QStringList({doc("in/kept.txt"), doc("out/other.txt")}));
        QCOMPARE(m_fixture->cachedVectorCount(), 2);
    }

    void skipRecordsUnderTheRootsBecomeThisRunsOnly() {
        SqliteStore& store = m_fixture->store();
        QVERIFY(store.skipped().record(doc("in/old.bin"), QStringLiteral("binary file")).ok());
        QVERIFY(store.skipped().record(doc("out/x.bin"), QStringLiteral("binary file")).ok());
        QVERIFY(
            replaceSkipRecords(store, {doc("in")}, {{doc("in/.h"), QStringLiteral("hidden file")}})
                .ok());
        QCOMPARE(skippedPaths(), QStringList({doc("in/.h") + QStringLiteral("=hidden file"),
                                              doc("out/x.bin") + QStringLiteral("=binary file")}));
    }

    // A root inside an older source is not that source: the source stays not indexed.
    void onlyRecordedRootsAreMarkedIndexed() {
        SqliteStore& store = m_fixture->store();
        QVERIFY(store.sources().add(doc("a")).ok());
        QVERIFY(store.sources().add(doc("b")).ok());
        QVERIFY(markSourcesIndexed(store, {doc("a"), doc("b/inner")}).ok());
        auto sources = store.sources().all();
        QVERIFY(sources.ok());
        QCOMPARE(sources->size(), std::size_t(2));
        QVERIFY((*sources)[0].indexedMs > 0);
        QCOMPARE((*sources)[1].indexedMs, 0);
    }

    void removingAPathRemovesEverythingUnderIt() {
        SqliteStore& store = m_fixture->store();
        storeAt("a/one.txt");
        storeAt("a/two.txt");
        storeAt("b/three.txt");
        QVERIFY(store.sources().add(doc("a")).ok());
        QVERIFY(store.sources().add(doc("b")).ok());
        QVERIFY(store.skipped().record(doc("a/x.bin"), QStringLiteral("binary file")).ok());
        auto removed = removeEverythingUnder(m_fixture->index(), {doc("a")});
        QVERIFY(removed.ok());
        QCOMPARE(*removed, 2);
        QCOMPARE(documentPaths(), QStringList({doc("b/three.txt")}));
        QVERIFY(skippedPaths().isEmpty());
        auto sources = store.sources().all();
        QVERIFY(sources.ok());
        QCOMPARE(sources->size(), std::size_t(1));
        QCOMPARE(sources->front().path, doc("b"));
        QCOMPARE(m_fixture->cachedVectorCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TestIndexSweep)
#include "test_index_sweep.moc"
