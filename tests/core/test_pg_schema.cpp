// The shared index's schema on a real PostgreSQL 15: created once even when several machines
// create it at once, refused when newer, upgraded only by writers, and the promises its tables
// make (passage ids never reused).

#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"

#include <QtTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace semsearch;
using namespace semsearch::test;

class TestPgSchema : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;
    int m_databases = 0;

    // A new, empty database owned by the writer role; its name.
    QString newDatabase() {
        const QString name = QStringLiteral("index_%1").arg(++m_databases);
        const QString made =
            m_server->runSql(QStringLiteral("CREATE DATABASE %1 OWNER writer").arg(name));
        if (!made.isEmpty())
            qWarning("%s", qPrintable(made));
        return made.isEmpty() ? name : QString();
    }

    Result<PgConnection> open(const QString& database,
                              const QString& role = QStringLiteral("writer")) {
        return PgConnection::open(m_server->location(database, role));
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString roles =
            m_server->runSql(QStringLiteral("CREATE ROLE writer LOGIN; CREATE ROLE reader LOGIN;"));
        QVERIFY2(roles.isEmpty(), qPrintable(roles));
    }

    void cleanupTestCase() { m_server.reset(); }

    void createsTheSchemaOnce() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = open(database);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        auto before = sharedIndexVersion(*connection);
        QVERIFY2(before.ok(), before ? "" : qPrintable(before.error().message));
        QCOMPARE(*before, 0);
        auto created = migrateSharedIndex(*connection);
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));
        auto after = sharedIndexVersion(*connection);
        QVERIFY2(after.ok(), after ? "" : qPrintable(after.error().message));
        QCOMPARE(*after, currentSharedIndexVersion());
        auto tables = connection->query(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
            "WHERE table_schema = current_schema()");
        QVERIFY2(tables.ok(), tables ? "" : qPrintable(tables.error().message));
        QCOMPARE(tables->text(0, 0), QStringLiteral("changes,documents,meta,passage_vectors_next,"
                                                    "passages,skipped,source_leases,sources"));
        // Again: nothing to do, nothing changes.
        auto again = migrateSharedIndex(*connection);
        QVERIFY2(again.ok(), again ? "" : qPrintable(again.error().message));
        QVERIFY(requireCurrentSharedIndex(*connection));
    }

    // Two (here four) machines creating the same new database at once all succeed. Without the
    // advisory lock the losers fail on "relation already exists" or a duplicate type; several
    // rounds on fresh databases make the race likely to show if the lock is ever lost.
    void concurrentCreatorsAllSucceed() {
        constexpr int kRounds = 8;
        constexpr int kCreators = 4;
        for (int round = 0; round < kRounds; ++round) {
            const QString database = newDatabase();
            QVERIFY(!database.isEmpty());
            std::vector<std::unique_ptr<PgConnection>> connections;
            for (int i = 0; i < kCreators; ++i) {
                auto connection = open(database);
                QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
                connections.push_back(std::make_unique<PgConnection>(std::move(*connection)));
            }
            std::atomic<int> ready{0};
            std::vector<QString> failures(kCreators);
            std::vector<std::thread> creators;
            for (int i = 0; i < kCreators; ++i) {
                creators.emplace_back([&, i] {
                    ++ready;
                    while (ready.load() < kCreators) {
                    }
                    auto created = migrateSharedIndex(*connections[std::size_t(i)]);
                    if (!created)
                        failures[std::size_t(i)] = created.error().message;
                });
            }
            for (std::thread& creator : creators)
                creator.join();
            for (const QString& failure : failures)
                QVERIFY2(failure.isEmpty(), qPrintable(failure));
            auto version = sharedIndexVersion(*connections.front());
            QVERIFY2(version.ok(), version ? "" : qPrintable(version.error().message));
            QCOMPARE(*version, currentSharedIndexVersion());
        }
    }

    void newerSchemaIsRefused() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = open(database);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection));
        QVERIFY(connection->execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'"));
        for (const auto& check : {migrateSharedIndex, requireCurrentSharedIndex}) {
            auto refused = check(*connection, sharedIndexMigrations());
            QVERIFY(!refused);
            QCOMPARE(refused.error().code, ErrorCode::Unsupported);
            QVERIFY2(refused.error().message.contains(QLatin1String("schema version 99, newer")),
                     qPrintable(refused.error().message));
            QVERIFY(refused.error().message.startsWith(connection->location()));
        }
    }

    // A later build's step stands in for the next version: the read-only opener is told a
    // writer must upgrade first, and the writer's upgrade then satisfies it.
    void olderSchemaNeedsAWriter() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = open(database);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection));
        std::vector<PgMigration> later = sharedIndexMigrations();
        later.push_back({later.back().version + 1, "a later column",
                         "ALTER TABLE documents ADD COLUMN later integer NOT NULL DEFAULT 0"});
        auto reader = requireCurrentSharedIndex(*connection, later);
        QVERIFY(!reader);
        QCOMPARE(reader.error().code, ErrorCode::Unsupported);
        QVERIFY2(reader.error().message.contains(QLatin1String("only a writer can do")),
                 qPrintable(reader.error().message));
        auto upgraded = migrateSharedIndex(*connection, later);
        QVERIFY2(upgraded.ok(), upgraded ? "" : qPrintable(upgraded.error().message));
        QVERIFY(requireCurrentSharedIndex(*connection, later));
        auto version = sharedIndexVersion(*connection);
        QVERIFY(version);
        QCOMPARE(*version, later.back().version);
    }

    void readOnlyRoleCannotCreate() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto reader = open(database, QStringLiteral("reader"));
        QVERIFY2(reader.ok(), reader ? "" : qPrintable(reader.error().message));
        auto nothing = requireCurrentSharedIndex(*reader);
        QVERIFY(!nothing);
        QCOMPARE(nothing.error().code, ErrorCode::NotFound);
        auto refused = migrateSharedIndex(*reader);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(refused.error().message.contains(QLatin1String("permission denied")),
                 qPrintable(refused.error().message));
        // Refused as a whole: not one table was left behind.
        auto version = sharedIndexVersion(*reader);
        QVERIFY(version);
        QCOMPARE(*version, 0);
    }

    void foreignMetaTableIsNotAnIndex() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = open(database);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(connection->execute("CREATE TABLE meta (key text, value text)"));
        auto refused = migrateSharedIndex(*connection);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.contains(QLatin1String("not a semsearch shared index")),
                 qPrintable(refused.error().message));
    }

    // Passage ids are the ids in every searcher's vector cache: the largest one deleted, the
    // next passage still gets a new id, and no one can choose an id by hand.
    void passageIdsAreNeverReused() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = open(database);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection));
        QVERIFY(connection->execute(
            "INSERT INTO sources(path, machine, added_ms) VALUES ('/team/notes', 'a', 0)"));
        auto document = connection->query(
            "INSERT INTO documents(source, machine, path, size, modified_ms, content_hash, "
            "encoding, indexed_at_ms, passage_count) VALUES ('/team/notes', 'a', "
            "'/team/notes/a.md', 1, 0, '\\x00', 'UTF-8', 0, 0) RETURNING id");
        QVERIFY2(document.ok(), document ? "" : qPrintable(document.error().message));
        const std::int64_t documentId = document->integer(0, 0);
        const QByteArray vector(8, '\0');
        const auto addPassage = [&](int ordinal) -> std::int64_t {
            auto added = connection->query(
                "INSERT INTO passages(document_id, ordinal, byte_start, byte_end, line, text, "
                "vector) VALUES ($1, $2, 0, 1, 1, 'x', $3) RETURNING id",
                {PgParam::integer(documentId), PgParam::integer(ordinal), PgParam::bytes(vector)});
            return added ? added->integer(0, 0) : -1;
        };
        const std::int64_t first = addPassage(0);
        const std::int64_t second = addPassage(1);
        QVERIFY(first > 0 && second > first);
        QVERIFY(
            connection->execute("DELETE FROM passages WHERE id = $1", {PgParam::integer(second)}));
        QVERIFY(addPassage(1) > second);
        auto chosen = connection->execute(
            "INSERT INTO passages(id, document_id, ordinal, byte_start, byte_end, line, text, "
            "vector) VALUES ($1, $2, 2, 0, 1, 1, 'x', $3)",
            {PgParam::integer(second), PgParam::integer(documentId), PgParam::bytes(vector)});
        QVERIFY(!chosen);
        // A vector that is not whole float32 values is refused.
        auto ragged = connection->execute(
            "INSERT INTO passages(document_id, ordinal, byte_start, byte_end, line, text, "
            "vector) VALUES ($1, 3, 0, 1, 1, 'x', $2)",
            {PgParam::integer(documentId), PgParam::bytes(QByteArray(6, '\0'))});
        QVERIFY(!ragged);
    }
};

QTEST_GUILESS_MAIN(TestPgSchema)
#include "test_pg_schema.moc"
