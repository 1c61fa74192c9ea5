// The store's sources (SqliteSources): they never nest.

#include "store_fixture.h"

class TestStoreSources : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sourcesNeverNest() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes/work")));
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes/home/")));
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes-old")));
        auto listed = store->sources().all();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(3));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes-old"));
        QCOMPARE(listed->at(1).path, QStringLiteral("/home/u/notes/home"));
        QCOMPARE(listed->at(2).path, QStringLiteral("/home/u/notes/work"));
        QVERIFY(listed->at(1).addedMs > 0);
        QCOMPARE(listed->at(1).indexedMs, 0);

        // A parent replaces its children but not a sibling that only shares a prefix.
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes")));
        listed = store->sources().all();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(2));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes"));
        QCOMPARE(listed->at(1).path, QStringLiteral("/home/u/notes-old"));
        // A child of a source, or the source again, changes nothing.
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes/work/a.md")));
        REQUIRE_OK(store->sources().add(QStringLiteral("/home/u/notes")));
        listed = store->sources().all();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(2));

        REQUIRE_OK(store->sources().markIndexed(QStringLiteral("/home/u/notes"), 777));
        listed = store->sources().all();
        REQUIRE_OK(listed);
        QCOMPARE(listed->at(0).indexedMs, 777);
        auto unknown = store->sources().markIndexed(QStringLiteral("/elsewhere"), 1);
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));

        REQUIRE_OK(store->sources().remove(QStringLiteral("/home/u/notes")));
        listed = store->sources().all();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes-old"));
        expectError(store->sources().add(QStringLiteral("relative/path")).error(),
                    ErrorCode::InvalidArgument, databasePath(dir), QStringLiteral("absolute"));
    }
};

QTEST_GUILESS_MAIN(TestStoreSources)
#include "test_store_sources.moc"
