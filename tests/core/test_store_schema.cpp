// The store's schema: damaged, foreign or newer files are refused with an error that names them,
// an index of an older version upgrades keeping its documents, and migrations run in order,
// all or nothing.

#include "store_fixture.h"

#include "store/keyword_tokenizer.h"
#include "store/schema.h"

class TestStoreSchema : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void garbageFileIsCorrupt_data() {
        QTest::addColumn<int>("mode");
        QTest::newRow("read-write") << int(StoreMode::ReadWrite);
        QTest::newRow("read-only") << int(StoreMode::ReadOnly);
    }

    void garbageFileIsCorrupt() {
        QFETCH(int, mode);
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("This is a plain text file, not a database.\n").repeated(200));
        file.close();
        auto store = SqliteStore::open(path, StoreMode(mode));
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::Corrupt, path, QStringLiteral("not a database"));
    }

    void foreignDatabaseIsRefused() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            QVERIFY(raw.exec("CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES('x')"));
        }
        auto store = SqliteStore::open(path);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::Unsupported, path, QStringLiteral("not a semsearch"));
        RawDatabase raw(path);
        QCOMPARE(raw.integer("SELECT count(*) FROM recipes"), 1);

        // Another application that versions its schema the same way.
        QVERIFY(raw.exec("PRAGMA user_version = 1"));
        for (StoreMode mode : {StoreMode::ReadWrite, StoreMode::ReadOnly}) {
            auto versioned = SqliteStore::open(path, mode);
            QVERIFY(!versioned.ok());
            expectError(versioned.error(), ErrorCode::Unsupported, path,
                        QStringLiteral("not a semsearch"));
        }
    }

    void newerSchemaIsRefused() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            auto store = newStore(dir);
            QVERIFY(store);
        }
        {
            RawDatabase raw(path);
            QVERIFY(raw.exec("PRAGMA user_version = 99"));
        }
        for (StoreMode mode : {StoreMode::ReadWrite, StoreMode::ReadOnly}) {
            auto store = SqliteStore::open(path, mode);
            QVERIFY(!store.ok());
            expectError(store.error(), ErrorCode::Unsupported, path, QStringLiteral("version 99"));
        }
        RawDatabase raw(path);
        QCOMPARE(raw.integer("PRAGMA user_version"), 99);
    }

    void versionOneIndexUpgradesKeepingItsDocuments() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            REQUIRE_OK(migrateSchema(raw.handle(), path, {schemaMigrations().front()}));
            QVERIFY(raw.exec("INSERT INTO documents VALUES (1, '/d/a.md', 1, 2, x'00', 'utf-8', "
                             "3, 0)"));
        }
        auto readOnly = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!readOnly.ok());
        expectError(readOnly.error(), ErrorCode::Unsupported, path, QStringLiteral("upgrade"));
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        auto found = (*store)->documents().find(QStringLiteral("/d/a.md"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE((*found)->changedMs, 0); // unknown: the indexer reads the file once more
        auto sources = (*store)->sources().all();
        REQUIRE_OK(sources);
        QVERIFY(sources->empty());
    }

    void versionThreeIndexUpgradesWithPassagesWithoutPlaces() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            const std::vector<SchemaMigration> three(schemaMigrations().begin(),
                                                     schemaMigrations().begin() + 3);
            REQUIRE_OK(migrateSchema(raw.handle(), path, three));
            QCOMPARE(raw.integer("PRAGMA user_version"), 3);
            QVERIFY(raw.exec("INSERT INTO documents VALUES (1, '/d/a.md', 1, 2, x'00', 'utf-8', "
                             "3, 1, 4)"));
            QVERIFY(raw.exec("INSERT INTO passages VALUES (7, 1, 0, 0, 5, 1, 'hello', x'00')"));
        }
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        RawDatabase raw(path);
        QCOMPARE(raw.integer("PRAGMA user_version"), 5);
        auto passages = (*store)->documents().passages({7});
        REQUIRE_OK(passages);
        QCOMPARE(passages->size(), std::size_t(1));
        QCOMPARE(passages->front().text, QStringLiteral("hello"));
        QCOMPARE(passages->front().page, 0);
        QCOMPARE(passages->front().section, QString());
    }

    // An index of version 4 (the keyword index, no places) gains the places table and keeps
    // its keyword index working: step 5 runs after step 4, not instead of it.
    void versionFourIndexUpgradesKeepingItsKeywordIndex() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            REQUIRE_OK(registerKeywordTokenizer(raw.handle(), path));
            const std::vector<SchemaMigration> four(schemaMigrations().begin(),
                                                    schemaMigrations().begin() + 4);
            REQUIRE_OK(migrateSchema(raw.handle(), path, four));
            QCOMPARE(raw.integer("PRAGMA user_version"), 4);
            QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'passage_places'"),
                     0);
            QVERIFY(raw.exec("INSERT INTO documents VALUES (1, '/d/a.md', 1, 2, x'00', 'utf-8', "
                             "3, 1, 4)"));
            QVERIFY(raw.exec("INSERT INTO passages VALUES (7, 1, 0, 0, 5, 1, 'kestrel', x'00')"));
        }
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        RawDatabase raw(path);
        QCOMPARE(raw.integer("PRAGMA user_version"), 5);
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE name IN ('passage_places', "
                             "'passage_keywords')"),
                 2);
        auto passages = (*store)->documents().passages({7});
        REQUIRE_OK(passages);
        QCOMPARE(passages->size(), std::size_t(1));
        QCOMPARE(passages->front().page, 0);
        auto problems = (*store)->keywords().check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join('\n')));
    }

    // The migration runner itself, with a made-up history.
    void migrationsRunInOrderAndAllOrNothing() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        RawDatabase raw(path);
        const std::vector<SchemaMigration> three = {
            {1, "one", "CREATE TABLE t(v INTEGER); PRAGMA application_id = 1397576530"},
            {2, "two", "INSERT INTO t VALUES (2)"},
            {3, "three", "UPDATE t SET v = v * 10 + 3"}, // 23 only if run after step 2
        };
        REQUIRE_OK(migrateSchema(raw.handle(), path, {three[0]}));
        QCOMPARE(raw.integer("PRAGMA user_version"), 1);
        REQUIRE_OK(migrateSchema(raw.handle(), path, three));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
        QCOMPARE(raw.integer("SELECT v FROM t"), 23);
        REQUIRE_OK(migrateSchema(raw.handle(), path, three)); // nothing left to do
        QCOMPARE(raw.integer("SELECT v FROM t"), 23);

        // A failing step undoes the steps before it in the same run.
        std::vector<SchemaMigration> broken = three;
        broken.push_back({4, "four", "INSERT INTO t VALUES (4)"});
        broken.push_back({5, "five", "INSERT INTO no_such_table VALUES (5)"});
        auto failed = migrateSchema(raw.handle(), path, broken);
        QVERIFY(!failed.ok());
        expectError(failed.error(), ErrorCode::Internal, path, QStringLiteral("version 5"));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
        QCOMPARE(raw.integer("SELECT count(*) FROM t"), 1);

        // Newer than the history known: refused, untouched.
        auto newer = migrateSchema(raw.handle(), path, {three[0], three[1]});
        QVERIFY(!newer.ok());
        expectError(newer.error(), ErrorCode::Unsupported, path, QStringLiteral("version 3"));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
    }
};

QTEST_GUILESS_MAIN(TestStoreSchema)
#include "test_store_schema.moc"
