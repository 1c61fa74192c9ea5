// The store's skipped-file records (SqliteSkippedFiles).

#include "store_fixture.h"

class TestStoreSkippedFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void skippedRecords() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        const std::int64_t before = QDateTime::currentMSecsSinceEpoch();
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/z.bin"), QStringLiteral("binary")));
        REQUIRE_OK(
            store->skipped().record(QStringLiteral("/d/a.iso"), QStringLiteral("too large")));
        REQUIRE_OK(
            store->skipped().record(QStringLiteral("/d/z.bin"), QStringLiteral("unreadable")));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/sub/x"), QStringLiteral("binary")));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/dd/y"), QStringLiteral("binary")));
        const std::int64_t after = QDateTime::currentMSecsSinceEpoch();

        auto records = store->skipped().all();
        REQUIRE_OK(records);
        QCOMPARE(records->size(), std::size_t(4));
        QCOMPARE((*records)[0].path, QStringLiteral("/d/a.iso"));
        QCOMPARE((*records)[0].reason, QStringLiteral("too large"));
        QCOMPARE((*records)[1].path, QStringLiteral("/d/sub/x"));
        QCOMPARE((*records)[2].path, QStringLiteral("/d/z.bin"));
        QCOMPARE((*records)[2].reason, QStringLiteral("unreadable"));
        QCOMPARE((*records)[3].path, QStringLiteral("/dd/y"));
        for (const SkippedRecord& record : *records)
            QVERIFY(record.atMs >= before && record.atMs <= after);

        REQUIRE_OK(store->skipped().clear(QStringLiteral("/d/z.bin")));
        REQUIRE_OK(store->skipped().clear(QStringLiteral("/d/never-recorded")));
        auto afterOne = store->skipped().all();
        REQUIRE_OK(afterOne);
        QCOMPARE(afterOne->size(), std::size_t(3));

        // A folder clears what lies in it, not its neighbour "/dd".
        REQUIRE_OK(store->skipped().clear(QStringLiteral("/d")));
        auto left = store->skipped().all();
        REQUIRE_OK(left);
        QCOMPARE(left->size(), std::size_t(1));
        QCOMPARE(left->front().path, QStringLiteral("/dd/y"));
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->skipped, 1);
    }
};

QTEST_GUILESS_MAIN(TestStoreSkippedFiles)
#include "test_store_skipped_files.moc"
