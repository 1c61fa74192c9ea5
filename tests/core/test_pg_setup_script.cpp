// The administrator's set-up script (packaging/shared-index/setup.sql, which the README's
// "Shared index" section tells them to run) on a real PostgreSQL 15 with passwords required:
// the writer role it makes can create the index and write, the reader role can read all of it
// and change nothing, and nobody else gets in. The roles' rights are checked by doing what
// semsearch does, never by reading the catalogue.

#include "postgres_server.h"
#include "semsearch/shared_index_overview.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"

#include <QFile>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 8;
const QString kSource = QStringLiteral("/srv/team/notes");

ModelIdentity testModel() {
    return ModelIdentity{QStringLiteral("test-model"), kDimension, QStringLiteral("max"), false,
                         QStringLiteral("fingerprint-setup")};
}

QString setupScript() {
    QFile file(QStringLiteral(SEMSEARCH_SETUP_SQL));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// One document of two passages under kSource, written as `index` writes: lease, batch, commit.
QString writeOneDocument(PgConnection& connection) {
    auto lease = SourceLease::take(connection, kSource);
    if (!lease)
        return lease.error().message;
    auto batch = SharedIndexBatch::begin(connection, QStringLiteral("writer-machine"), testModel());
    if (!batch)
        return batch.error().message;
    if (auto added = batch->addSource(kSource, 1000); !added)
        return added.error().message;
    DocumentRecord document;
    document.path = kSource + QStringLiteral("/plan.txt");
    document.contentHash = QByteArrayLiteral("hash-1");
    std::vector<PassageRecord> passages(2);
    passages[0].text = QStringLiteral("The plan for spring.");
    passages[1].text = QStringLiteral("Who does what.");
    if (auto put = batch->putDocument(kSource, document, passages,
                                      std::vector<float>(2 * kDimension, 0.5f));
        !put)
        return put.error().message;
    auto committed = batch->commit();
    return committed ? QString() : committed.error().message;
}

} // namespace

class TestPgSetupScript : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;

    QString location(const QString& user, const QString& password) const {
        return m_server->location(QStringLiteral("team_index"), user, password);
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>(PostgresServer::Auth::Password);
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString script = setupScript();
        QVERIFY2(script.contains(QLatin1String("CREATE DATABASE")), SEMSEARCH_SETUP_SQL);
        // The names as an administrator would pass them with psql -v; the passwords as
        // \password would set them.
        const QString failed =
            m_server->runSql(QStringLiteral("\\set db team_index\n\\set writer team_writer\n"
                                            "\\set reader team_reader\n") +
                             script +
                             QStringLiteral("\nALTER ROLE team_writer PASSWORD 'w-pass';\n"
                                            "ALTER ROLE team_reader PASSWORD 'r-pass';\n"
                                            "CREATE ROLE stranger LOGIN PASSWORD 's-pass';\n"));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    // The writer, no superuser, creates the tables on first use and indexes.
    void theWriterCreatesTheIndexAndWrites() {
        auto writer =
            PgConnection::open(location(QStringLiteral("team_writer"), QStringLiteral("w-pass")));
        QVERIFY2(writer.ok(), writer ? "" : qPrintable(writer.error().message));
        auto created = migrateSharedIndex(*writer);
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));
        QCOMPARE(writeOneDocument(*writer), QString());
    }

    // The reader sees everything the writer made, through what a searcher calls.
    void theReaderReadsEverything() {
        auto overview = readSharedIndexOverview(
            location(QStringLiteral("team_reader"), QStringLiteral("r-pass")));
        QVERIFY2(overview.ok(), overview ? "" : qPrintable(overview.error().message));
        QCOMPARE(overview->totals.documents, std::int64_t(1));
        QCOMPARE(overview->totals.passages, std::int64_t(2));
        QCOMPARE(int(overview->sources.size()), 1);
        QCOMPARE(overview->sources[0].machine, QStringLiteral("writer-machine"));
        auto reader =
            PgConnection::open(location(QStringLiteral("team_reader"), QStringLiteral("r-pass")));
        QVERIFY(reader.ok());
        QStringList texts;
        auto exported = exportPassages(*reader, [&](const SharedPassage& passage, const float*) {
            texts << passage.passage.text;
            return true;
        });
        QVERIFY2(exported.ok(), exported ? "" : qPrintable(exported.error().message));
        QCOMPARE(texts, QStringList({"The plan for spring.", "Who does what."}));
        auto changes = changesSinceWithVectors(*reader, 0);
        QVERIFY2(changes.ok(), changes ? "" : qPrintable(changes.error().message));
        QVERIFY(!changes->empty());
    }

    // The reader changes nothing: each way in is refused with one line, and the index is as
    // the writer left it.
    void theReaderChangesNothing() {
        auto reader =
            PgConnection::open(location(QStringLiteral("team_reader"), QStringLiteral("r-pass")));
        QVERIFY(reader.ok());
        const QString written = writeOneDocument(*reader);
        QVERIFY(!written.isEmpty());
        QVERIFY2(written.startsWith(QStringLiteral("postgresql://team_reader@127.0.0.1:")),
                 qPrintable(written));
        QVERIFY2(!written.contains(QLatin1Char('\n')) &&
                     !written.contains(QStringLiteral("r-pass")),
                 qPrintable(written));
        auto batch =
            SharedIndexBatch::begin(*reader, QStringLiteral("reader-machine"), testModel());
        QVERIFY(!batch);
        QCOMPARE(batch.error().code, ErrorCode::InvalidArgument);
        auto sql = reader->execute("DELETE FROM passages", {});
        QVERIFY(!sql);
        QCOMPARE(sql.error().code, ErrorCode::InvalidArgument);
        auto counts = sharedCounts(*reader);
        QVERIFY(counts.ok());
        QCOMPARE(counts->total.passages, std::int64_t(2));
    }

    // A role the script did not name cannot even connect.
    void othersCannotConnect() {
        // Let the stranger in to see what a role without the script's grants meets: a read it
        // is refused says it may not read (not "change").
        QCOMPARE(m_server->runSql(QStringLiteral("GRANT CONNECT ON DATABASE team_index TO "
                                                 "stranger")),
                 QString());
        auto admitted =
            PgConnection::open(location(QStringLiteral("stranger"), QStringLiteral("s-pass")));
        QVERIFY2(admitted.ok(), admitted ? "" : qPrintable(admitted.error().message));
        auto refused = sharedCounts(*admitted);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.contains(QStringLiteral("may not read the index")),
                 qPrintable(refused.error().message));
        QCOMPARE(m_server->runSql(QStringLiteral("REVOKE CONNECT ON DATABASE team_index FROM "
                                                 "stranger")),
                 QString());

        auto stranger =
            PgConnection::open(location(QStringLiteral("stranger"), QStringLiteral("s-pass")));
        QVERIFY(!stranger);
        QCOMPARE(stranger.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(!stranger.error().message.contains(QStringLiteral("s-pass")),
                 qPrintable(stranger.error().message));
    }

    void cleanupTestCase() { m_server.reset(); }
};

QTEST_GUILESS_MAIN(TestPgSetupScript)
#include "test_pg_setup_script.moc"
