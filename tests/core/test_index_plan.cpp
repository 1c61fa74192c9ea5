// The plan stage of an indexing run (core/src/pipeline/index_plan.h): which files are read, by
// their stat against the store's records.

#include "stage_fixture.h"

#include "pipeline/index_plan.h"

#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestIndexPlan : public QObject {
    Q_OBJECT

    std::unique_ptr<StageFixture> m_fixture;

    IndexPlan plan(const std::atomic<bool>* cancel = nullptr) {
        auto planned = planIndexing(m_fixture->store(), {m_fixture->docs()}, WalkOptions(), cancel);
        if (!planned) {
            QTest::qFail(qPrintable(planned.error().message), __FILE__, __LINE__);
            return {};
        }
        return *planned;
    }
    QString doc(const char* name) const { return m_fixture->doc(QLatin1String(name)); }

private Q_SLOTS:
    void init() {
        m_fixture = std::make_unique<StageFixture>();
        QVERIFY(m_fixture->open(StageFixture::smallModel()));
    }

    void newFilesAreRead() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), "alpha"));
        QVERIFY(m_fixture->put(QStringLiteral("b.txt"), "beta beta"));
        const IndexPlan planned = plan();
        QCOMPARE(planned.found, QStringList({doc("a.txt"), doc("b.txt")}));
        QCOMPARE(planned.toRead, planned.found);
        QCOMPARE(planned.unchanged, 0);
        QCOMPARE(planned.bytesToRead, 5 + 9);
        QVERIFY(!planned.cancelled);
    }

    // Read long after its last change, with the same size and times: not read again.
    void fileUnchangedByItsStatIsNotRead() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), "alpha"));
        QVERIFY(m_fixture->put(QStringLiteral("b.txt"), "beta"));
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("a.txt"), "alpha"), {"alpha"}) >
                0);
        const IndexPlan planned = plan();
        QCOMPARE(planned.found.size(), 2);
        QCOMPARE(planned.toRead, QStringList({doc("b.txt")}));
        QCOMPARE(planned.unchanged, 1);
        QCOMPARE(planned.bytesToRead, 4);
    }

    // Each difference on its own makes the file read: the size, the mtime, the ctime, a read
    // within the racy window, a record without a ctime.
    void anyStatDifferenceMakesTheFileRead_data() {
        QTest::addColumn<int>("field");
        QTest::newRow("size") << 0;
        QTest::newRow("modified") << 1;
        QTest::newRow("changed") << 2;
        QTest::newRow("read within 3 s of the change") << 3;
        QTest::newRow("no ctime recorded") << 4;
    }
    void anyStatDifferenceMakesTheFileRead() {
        QFETCH(int, field);
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), "alpha"));
        DocumentRecord record = m_fixture->recordOf(doc("a.txt"), "alpha");
        QVERIFY(statUnchanged(QFileInfo(doc("a.txt")), record));
        if (field == 0)
            record.size += 1;
        else if (field == 1)
            record.modifiedMs -= 1000;
        else if (field == 2)
            record.changedMs -= 1000;
        else if (field == 3)
            record = m_fixture->recordOf(doc("a.txt"), "alpha", 2999);
        else
            record.changedMs = 0;
        QVERIFY(!statUnchanged(QFileInfo(doc("a.txt")), record));
        QVERIFY(m_fixture->storeDocument(record, {"alpha"}) > 0);
        const IndexPlan planned = plan();
        QCOMPARE(planned.toRead, QStringList({doc("a.txt")}));
        QCOMPARE(planned.unchanged, 0);
    }

    void whatTheWalkSkipsIsListedNotRead() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), "alpha"));
        QVERIFY(m_fixture->put(QStringLiteral(".hidden.txt"), "secret"));
        const IndexPlan planned = plan();
        QCOMPARE(planned.found, QStringList({doc("a.txt")}));
        QCOMPARE(planned.toRead, QStringList({doc("a.txt")}));
        QCOMPARE(planned.skipped.size(), std::size_t(1));
        QCOMPARE(planned.skipped[0].path, doc(".hidden.txt"));
        QCOMPARE(planned.skipped[0].reason, QStringLiteral("hidden file"));
    }

    void cancelledBeforeTheWalkPlansNothing() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), "alpha"));
        const std::atomic<bool> cancel{true};
        const IndexPlan planned = plan(&cancel);
        QVERIFY(planned.cancelled);
        QVERIFY(planned.toRead.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestIndexPlan)
#include "test_index_plan.moc"
