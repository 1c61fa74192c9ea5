// The store's metadata (SqliteIndexMetadata): the model identity, the precision, the vector
// generation and free-form settings round-trip, and the store's own keys are refused.

#include "store_fixture.h"

#include "store/schema.h"

class TestStoreMetadata : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void vectorGenerationGrowsOnCommittedChangesOnly() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto generation = [&] {
            auto value = store->metadata().vectorGeneration();
            return value ? *value : -1;
        };
        const std::int64_t start = generation();
        QVERIFY(start >= 0);

        auto passages = passageList(1);
        auto id =
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        REQUIRE_OK(id);
        const std::int64_t afterPut = generation();
        QVERIFY(afterPut > start);

        // A change inside a transaction shows only once committed.
        REQUIRE_OK(store->begin());
        auto more = passageList(1);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/b")), more, vectorRows(1, 2)));
        QCOMPARE(generation(), afterPut);
        REQUIRE_OK(store->rollback());
        QCOMPARE(generation(), afterPut);

        REQUIRE_OK(store->begin());
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/b")), more, vectorRows(1, 2)));
        REQUIRE_OK(store->commit());
        const std::int64_t afterCommit = generation();
        QVERIFY(afterCommit > afterPut);

        // Changes that leave the vectors alone.
        REQUIRE_OK(store->documents().updateStat(*id, document(QStringLiteral("/d/a"), 2)));
        REQUIRE_OK(store->metadata().setSavedIndexGeneration(afterCommit));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/c"), QStringLiteral("binary")));
        REQUIRE_OK(store->metadata().setValue(QStringLiteral("k"), QStringLiteral("v")));
        REQUIRE_OK(store->metadata().setModelIdentity(testModel())); // the same identity again
        REQUIRE_OK(store->begin());
        REQUIRE_OK(store->commit());
        QCOMPARE(generation(), afterCommit);

        auto copy = store->documents().putCopy(document(QStringLiteral("/d/copy")), *id);
        REQUIRE_OK(copy);
        const std::int64_t afterCopy = generation();
        QVERIFY(afterCopy > afterCommit);
        REQUIRE_OK(store->documents().remove(*copy));
        QVERIFY(generation() > afterCopy);

        auto saved = store->metadata().savedIndexGeneration();
        REQUIRE_OK(saved);
        QCOMPARE(saved->value_or(-1), afterCommit);
    }

    void modelIdentityRoundTrip() {
        QTemporaryDir dir;
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            REQUIRE_OK((*store)->metadata().setModelIdentity(testModel()));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto identity = (*store)->metadata().modelIdentity();
        REQUIRE_OK(identity);
        QVERIFY(identity->has_value());
        QCOMPARE((*identity)->name, QStringLiteral("test-model"));
        QCOMPARE((*identity)->dimension, kDim);
        QCOMPARE((*identity)->pooling, QStringLiteral("max"));
        QCOMPARE((*identity)->normalize, true);
        QCOMPARE((*identity)->weightsFingerprint, QStringLiteral("0123abcd"));

        // While the store is empty the model may change.
        ModelIdentity other = testModel(4);
        other.name = QStringLiteral("other");
        other.normalize = false;
        REQUIRE_OK((*store)->metadata().setModelIdentity(other));
        auto changed = (*store)->metadata().modelIdentity();
        REQUIRE_OK(changed);
        QCOMPARE((*changed)->dimension, 4);
        QCOMPARE((*changed)->normalize, false);

        // Once it holds vectors it may not.
        auto passages = passageList(1);
        std::vector<float> vector(4, 0.5f);
        REQUIRE_OK((*store)->documents().put(document(QStringLiteral("/d/a")), passages, vector));
        auto refused = (*store)->metadata().setModelIdentity(testModel());
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error().code), int(ErrorCode::Mismatch));
        QVERIFY(refused.error().message.contains(databasePath(dir)));

        ModelIdentity invalid = testModel(0);
        auto rejected = (*store)->metadata().setModelIdentity(invalid);
        QVERIFY(!rejected.ok());
        QCOMPARE(int(rejected.error().code), int(ErrorCode::InvalidArgument));
    }

    void metaValues() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->metadata().setValue(QStringLiteral("ui.sort"), QStringLiteral("score")));
        REQUIRE_OK(store->metadata().setValue(QStringLiteral("ui.sort"), QStringLiteral("path")));
        auto value = store->metadata().value(QStringLiteral("ui.sort"));
        REQUIRE_OK(value);
        QCOMPARE(value->value_or(QString()), QStringLiteral("path"));
        auto missing = store->metadata().value(QStringLiteral("nothing"));
        REQUIRE_OK(missing);
        QVERIFY(!missing->has_value());
        for (const QString& reserved :
             {QStringLiteral("vector_generation"), QStringLiteral("saved_index_generation"),
              QStringLiteral("model_dimension")}) {
            auto refused = store->metadata().setValue(reserved, QStringLiteral("7"));
            QVERIFY(!refused.ok());
            QCOMPARE(int(refused.error().code), int(ErrorCode::InvalidArgument));
        }
    }

    void precisionRoundTripsUnderItsReservedKey() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto none = store->metadata().precision();
        REQUIRE_OK(none);
        QVERIFY(!none->has_value());
        REQUIRE_OK(store->metadata().setPrecision(Precision::Int8));
        auto recorded = store->metadata().precision();
        REQUIRE_OK(recorded);
        QVERIFY(*recorded == Precision::Int8);
        // The key and spelling that indexes made before the metadata had its own class hold.
        RawDatabase raw(databasePath(dir));
        sqlite3_stmt* statement = nullptr;
        QCOMPARE(sqlite3_prepare_v2(raw.handle(), "SELECT value FROM meta WHERE key = 'precision'",
                                    -1, &statement, nullptr),
                 SQLITE_OK);
        QCOMPARE(sqlite3_step(statement), SQLITE_ROW);
        QCOMPARE(
            QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))),
            QStringLiteral("int8"));
        sqlite3_finalize(statement);

        auto free = store->metadata().setValue(QStringLiteral("precision"), QStringLiteral("fp32"));
        QVERIFY(!free.ok());
        expectError(free.error(), ErrorCode::InvalidArgument, databasePath(dir),
                    QStringLiteral("reserved"));
        auto choice = store->metadata().setPrecision(Precision::Auto);
        QVERIFY(!choice.ok());
        expectError(choice.error(), ErrorCode::InvalidArgument, databasePath(dir),
                    QStringLiteral("not auto"));
        auto kept = store->metadata().precision();
        REQUIRE_OK(kept);
        QVERIFY(*kept == Precision::Int8);
    }

    void unknownRecordedPrecisionIsCorrupt() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
        }
        {
            RawDatabase raw(databasePath(dir));
            QVERIFY(raw.exec("INSERT INTO meta(key, value) VALUES ('precision', 'fp13')"));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto precision = (*store)->metadata().precision();
        QVERIFY(!precision.ok());
        expectError(precision.error(), ErrorCode::Corrupt, databasePath(dir),
                    QStringLiteral("'fp13'"));
    }

    void schemaVersionIsTheCurrentOne() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto version = store->metadata().schemaVersion();
        REQUIRE_OK(version);
        QCOMPARE(*version, currentSchemaVersion());
        RawDatabase raw(databasePath(dir));
        QCOMPARE(raw.integer("PRAGMA user_version"), std::int64_t(*version));
    }
};

QTEST_GUILESS_MAIN(TestStoreMetadata)
#include "test_store_metadata.moc"
