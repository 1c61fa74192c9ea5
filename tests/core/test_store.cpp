// The SQLite store as a whole: a new store is empty and at the current schema, transactions are
// all-or-nothing, totals agree with what is stored, read-only stores never write, and readers in
// other connections see only committed data. Every test works in a fresh temporary folder.

#include "store/schema.h"
#include "store_fixture.h"

class TestStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void newStoreIsEmptyAndAtCurrentSchema() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto identity = (*store)->metadata().modelIdentity();
        REQUIRE_OK(identity);
        QVERIFY(!identity->has_value());
        auto counts = (*store)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        QCOMPARE(counts->passages, 0);
        QCOMPARE(counts->skipped, 0);
        auto generation = (*store)->metadata().vectorGeneration();
        REQUIRE_OK(generation);
        QCOMPARE(*generation, 0);
        auto saved = (*store)->metadata().savedIndexGeneration();
        REQUIRE_OK(saved);
        QVERIFY(!saved->has_value());

        RawDatabase raw(databasePath(dir));
        QCOMPARE(raw.integer("PRAGMA user_version"), currentSchemaVersion());
        QCOMPARE(raw.integer("PRAGMA application_id"), 0x534d5352);
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE name IN ('documents', "
                             "'passages', 'skipped', 'meta', 'sources', 'passage_places')"),
                 6);
    }

    void walModeAndForeignKeys() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        RawDatabase raw(databasePath(dir));
        sqlite3_stmt* statement = nullptr;
        QCOMPARE(sqlite3_prepare_v2(raw.handle(), "PRAGMA journal_mode", -1, &statement, nullptr),
                 SQLITE_OK);
        QCOMPARE(sqlite3_step(statement), SQLITE_ROW);
        QCOMPARE(
            QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))),
            QStringLiteral("wal"));
        sqlite3_finalize(statement);
    }

    void rollbackDiscards() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        QVERIFY(store->inTransaction());
        auto passages = passageList(2);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1)));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/b.bin"), QStringLiteral("binary")));
        REQUIRE_OK(store->metadata().setValue(QStringLiteral("note"), QStringLiteral("x")));
        REQUIRE_OK(store->rollback());
        QVERIFY(!store->inTransaction());

        auto found = store->documents().find(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QVERIFY(!found->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        QCOMPARE(counts->passages, 0);
        QCOMPARE(counts->skipped, 0);
        auto note = store->metadata().value(QStringLiteral("note"));
        REQUIRE_OK(note);
        QVERIFY(!note->has_value());
    }

    void closingWithAnOpenTransactionDiscardsIt() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            REQUIRE_OK(store->begin());
            auto passages = passageList(1);
            REQUIRE_OK(store->documents().put(document(QStringLiteral("/d/a")), passages,
                                              vectorRows(1, 1)));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto counts = (*store)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        REQUIRE_OK((*store)->begin()); // the write lock was released
        REQUIRE_OK((*store)->commit());
    }

    void transactionCommitsAllTogether() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto reader = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(reader);
        REQUIRE_OK(store->begin());
        for (int i = 0; i < 3; ++i) {
            auto passages = passageList(1);
            REQUIRE_OK(store->documents().put(document(QStringLiteral("/d/%1").arg(i)), passages,
                                              vectorRows(1, i)));
            auto seen = (*reader)->counts();
            REQUIRE_OK(seen);
            QCOMPARE(seen->documents, 0);
        }
        REQUIRE_OK(store->commit());
        auto seen = (*reader)->counts();
        REQUIRE_OK(seen);
        QCOMPARE(seen->documents, 3);
    }

    void failedCallInsideATransactionLeavesTheRestIntact() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        auto passages = passageList(2);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1)));
        // Fails after it has started writing (the source is looked up inside the transaction).
        auto failed = store->documents().putCopy(document(QStringLiteral("/d/b")), 987654);
        QVERIFY(!failed.ok());
        auto partial = store->documents().find(QStringLiteral("/d/b"));
        REQUIRE_OK(partial);
        QVERIFY(!partial->has_value());
        REQUIRE_OK(store->commit());
        auto kept = store->documents().find(QStringLiteral("/d/a"));
        REQUIRE_OK(kept);
        QVERIFY(kept->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 1);
        QCOMPARE(counts->passages, 2);
    }

    // A call that fails after it has written part of its rows leaves none of them behind,
    // inside a transaction and outside. A trigger planted in the database makes the second
    // passage insert fail.
    void failedCallLeavesNoPartialRows() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        {
            RawDatabase raw(databasePath(dir));
            QVERIFY(
                raw.exec("CREATE TRIGGER poison BEFORE INSERT ON passages "
                         "WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"));
        }
        auto poisoned = [] {
            auto passages = passageList(2);
            passages[1].text = QStringLiteral("poison");
            return passages;
        };
        auto generation = store->metadata().vectorGeneration();
        REQUIRE_OK(generation);

        auto alone = poisoned();
        auto failedAlone =
            store->documents().put(document(QStringLiteral("/d/alone")), alone, vectorRows(2, 1));
        QVERIFY(!failedAlone.ok());
        QVERIFY(failedAlone.error().message.contains(QStringLiteral("poisoned")));

        REQUIRE_OK(store->begin());
        auto good = passageList(1);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/good")), good, vectorRows(1, 2)));
        auto inBatch = poisoned();
        auto failedInBatch =
            store->documents().put(document(QStringLiteral("/d/bad")), inBatch, vectorRows(2, 3));
        QVERIFY(!failedInBatch.ok());
        // Replacing an existing document fails the same way and keeps the old version.
        auto replacement = poisoned();
        QVERIFY(!store->documents()
                     .put(document(QStringLiteral("/d/good")), replacement, vectorRows(2, 4))
                     .ok());
        REQUIRE_OK(store->commit());

        auto documents = store->documents().under(QString());
        REQUIRE_OK(documents);
        QCOMPARE(pathsOf(*documents), QStringList{QStringLiteral("/d/good")});
        auto kept = store->documents().passagesOf(documents->front().id);
        REQUIRE_OK(kept);
        QCOMPARE(idsOf(*kept), idsOf(good));
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 1);
        auto after = store->metadata().vectorGeneration();
        REQUIRE_OK(after);
        QCOMPARE(*after, *generation + 1); // the one committed transaction
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void countsUnderAFolder() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto two = passageList(2);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/a/x.md")), two, vectorRows(2, 1)));
        auto three = passageList(3);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/a/y.md")), three, vectorRows(3, 2)));
        auto one = passageList(1);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/ab.md")), one, vectorRows(1, 3)));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/a/z.bin"), QStringLiteral("binary")));
        auto under = store->countsUnder(QStringLiteral("/d/a"));
        REQUIRE_OK(under);
        QCOMPARE(under->documents, 2);
        QCOMPARE(under->passages, 5);
        QCOMPARE(under->skipped, 1);
        auto all = store->countsUnder(QString());
        REQUIRE_OK(all);
        QCOMPARE(all->documents, 3);
        QCOMPARE(all->passages, 6);
    }

    void readOnlyOnAMissingFileCreatesNothing() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        auto store = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::NotFound, path, QStringLiteral("no such"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
                 QStringList());
    }

    void readWriteInAMissingFolderIsNotFound() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing/index.sqlite"));
        auto store = SqliteStore::open(path);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::NotFound, path, QStringLiteral("does not exist"));
    }

    // Version 0 is a database whose first transaction never committed (a writer killed at
    // once): to a reader there is no index yet; the next writer creates the schema.
    void readOnlySeesAnUncommittedDatabaseAsNoIndex() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path); // a database at version 0: the state before any migration
            QVERIFY(raw.exec("PRAGMA journal_mode = WAL"));
        }
        auto old = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!old.ok());
        expectError(old.error(), ErrorCode::NotFound, path, QStringLiteral("no index here yet"));
        REQUIRE_OK(SqliteStore::open(path, StoreMode::ReadWrite));
        REQUIRE_OK(SqliteStore::open(path, StoreMode::ReadOnly));
    }

    void readOnlyStoreRefusesWrites() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
        }
        auto store = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(store);
        auto passages = passageList(1);
        auto put =
            (*store)->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        QVERIFY(!put.ok());
        QCOMPARE(int(put.error().code), int(ErrorCode::InvalidArgument));
        auto skipped = (*store)->skipped().record(QStringLiteral("/d/b"), QStringLiteral("binary"));
        QVERIFY(!skipped.ok());
        auto saved = (*store)->metadata().setSavedIndexGeneration(3);
        QVERIFY(!saved.ok());
        QVERIFY(saved.error().message.contains(QStringLiteral("read-only")));
    }

    void readerSeesOnlyCommittedDataAndNeverWaits() {
        QTemporaryDir dir;
        auto writer = newStore(dir);
        QVERIFY(writer);
        auto first = passageList(1);
        REQUIRE_OK(
            writer->documents().put(document(QStringLiteral("/d/a")), first, vectorRows(1, 1)));

        REQUIRE_OK(writer->begin());
        auto pending = passageList(2);
        REQUIRE_OK(
            writer->documents().put(document(QStringLiteral("/d/b")), pending, vectorRows(2, 2)));

        // Opened while the write transaction is open; reads must neither wait nor fail. (A read
        // that waited for the writer's lock would wait in vain, the writer being this thread,
        // and fail with "database is locked".)
        auto opened = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(opened);
        SqliteStore& reader = **opened;
        auto a = reader.documents().find(QStringLiteral("/d/a"));
        REQUIRE_OK(a);
        QVERIFY(a->has_value());
        auto b = reader.documents().find(QStringLiteral("/d/b"));
        REQUIRE_OK(b);
        QVERIFY2(!b->has_value(), "a reader saw uncommitted data");
        auto counts = reader.counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 1);
        auto pendingPassages = reader.documents().passages(idsOf(pending));
        REQUIRE_OK(pendingPassages);
        QVERIFY(pendingPassages->empty());
        auto generationBefore = reader.metadata().vectorGeneration();
        REQUIRE_OK(generationBefore);

        REQUIRE_OK(writer->commit());
        auto committed = reader.documents().find(QStringLiteral("/d/b"));
        REQUIRE_OK(committed);
        QVERIFY(committed->has_value());
        auto generationAfter = reader.metadata().vectorGeneration();
        REQUIRE_OK(generationAfter);
        QVERIFY(*generationAfter > *generationBefore);

        // A reader's transaction is one snapshot: commits made meanwhile appear after it ends.
        REQUIRE_OK(reader.begin());
        auto snapshot = reader.counts();
        REQUIRE_OK(snapshot);
        auto third = passageList(1);
        REQUIRE_OK(
            writer->documents().put(document(QStringLiteral("/d/c")), third, vectorRows(1, 3)));
        auto during = reader.counts();
        REQUIRE_OK(during);
        QCOMPARE(during->documents, snapshot->documents);
        REQUIRE_OK(reader.commit());
        auto afterwards = reader.counts();
        REQUIRE_OK(afterwards);
        QCOMPARE(afterwards->documents, snapshot->documents + 1);
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
