// semsearch-cli on a shared index at a postgresql:// location, against a private PostgreSQL 15
// (postgres_server.h): `status` reports what writers put there (the counts the test wrote
// itself, the machine of each source), and a refused index --reembed is one line that creates
// nothing and shows no password. Indexing into it is
// test_cli_shared_write's, verifying it test_cli_shared_verify's, searching it
// test_cli_shared_search's.

#include "cli_runner.h"
#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 8;

ModelIdentity testModel() {
    return ModelIdentity{QStringLiteral("test-model"), kDimension, QStringLiteral("max"), false,
                         QStringLiteral("fingerprint-1")};
}

// Commits `documents` documents of `passages` passages each under `source`, as `machine`, one
// batch per document, the first also recording one skipped file. "" or what went wrong.
QString writeSource(const QString& location, const QString& source, const QString& machine,
                    int documents, int passages) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error().message;
    auto lease = SourceLease::take(*connection, source);
    if (!lease)
        return lease.error().message;
    for (int d = 0; d < documents; ++d) {
        auto batch = SharedIndexBatch::begin(*connection, machine, testModel());
        if (!batch)
            return batch.error().message;
        if (auto added = batch->addSource(source, 1000); !added)
            return added.error().message;
        const SkippedRecord skipped{source + QStringLiteral("/broken.pdf"),
                                    QStringLiteral("not a PDF"), 1000};
        if (d == 0)
            if (auto recorded = batch->recordSkipped(source, skipped); !recorded)
                return recorded.error().message;
        DocumentRecord document;
        document.path = source + QStringLiteral("/note-%1.md").arg(d);
        std::vector<PassageRecord> records(static_cast<std::size_t>(passages));
        for (int p = 0; p < passages; ++p)
            records[std::size_t(p)].text = QStringLiteral("passage %1 of %2").arg(p).arg(d);
        const std::vector<float> vectors(std::size_t(passages * kDimension), 0.25f);
        if (auto put = batch->putDocument(source, document, records, vectors); !put)
            return put.error().message;
        if (auto committed = batch->commit(); !committed)
            return committed.error().message;
    }
    return QString();
}

// The pgvector version the test server could install, from its extension folder (Debian's
// PostgreSQL 15 layout); a null string when it has none, as on Debian 12.
QString pgvectorOnTheServer() {
    QFile control(QStringLiteral("/usr/share/postgresql/15/extension/vector.control"));
    if (!control.open(QIODevice::ReadOnly))
        return QString();
    static const QRegularExpression version(QStringLiteral("^default_version\\s*=\\s*'([^']+)'"),
                                            QRegularExpression::MultilineOption);
    return version.match(QString::fromUtf8(control.readAll())).captured(1);
}

} // namespace

class TestCliSharedIndex : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team; CREATE DATABASE empty")),
                 QString());
        auto connection = PgConnection::open(m_server->location(QStringLiteral("team")));
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection).ok());
    }

    // Two machines wrote two sources; status shows what they wrote, as JSON and as text.
    void statusShowsWhatTheWritersPutThere() {
        const QString location = m_server->location(QStringLiteral("team"));
        QCOMPARE(
            writeSource(location, QStringLiteral("/share/docs"), QStringLiteral("alpha"), 3, 4),
            QString());
        QCOMPARE(
            writeSource(location, QStringLiteral("/share/notes"), QStringLiteral("beta"), 2, 5),
            QString());

        const RunResult json = runCli({QStringLiteral("status"), QStringLiteral("--index"),
                                       location, QStringLiteral("--json")});
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const QJsonObject status = QJsonDocument::fromJson(json.out).object();
        QCOMPARE(status.value(QStringLiteral("shared")).toBool(), true);
        QCOMPARE(status.value(QStringLiteral("documents")).toInt(), 3 + 2);
        QCOMPARE(status.value(QStringLiteral("passages")).toInt(), 3 * 4 + 2 * 5);
        QCOMPARE(status.value(QStringLiteral("skipped_count")).toInt(), 2); // one per source
        // One generation per commit that changed passages: one per document here.
        QCOMPARE(status.value(QStringLiteral("generation")).toInt(), 3 + 2);
        const QJsonObject model = status.value(QStringLiteral("model")).toObject();
        QCOMPARE(model.value(QStringLiteral("name")).toString(), QStringLiteral("test-model"));
        QCOMPARE(model.value(QStringLiteral("dimension")).toInt(), kDimension);
        const QJsonArray sources = status.value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 2);
        const QJsonObject docs = sources.at(0).toObject();
        QCOMPARE(docs.value(QStringLiteral("path")).toString(), QStringLiteral("/share/docs"));
        QCOMPARE(docs.value(QStringLiteral("machine")).toString(), QStringLiteral("alpha"));
        QCOMPARE(docs.value(QStringLiteral("passages")).toInt(), 12);
        QCOMPARE(docs.value(QStringLiteral("skipped_count")).toInt(), 1);
        const QJsonObject notes = sources.at(1).toObject();
        QCOMPARE(notes.value(QStringLiteral("machine")).toString(), QStringLiteral("beta"));
        QCOMPARE(notes.value(QStringLiteral("documents")).toInt(), 2);
        // pgvector: what the server's extension folder offers (Debian 12 ships none), never
        // installed here, never used.
        const QJsonObject pgvector = status.value(QStringLiteral("pgvector")).toObject();
        if (pgvectorOnTheServer().isEmpty())
            QVERIFY(pgvector.value(QStringLiteral("available")).isNull());
        else
            QCOMPARE(pgvector.value(QStringLiteral("available")).toString(), pgvectorOnTheServer());
        QVERIFY(pgvector.value(QStringLiteral("installed")).isNull());
        QCOMPARE(pgvector.value(QStringLiteral("used")).toBool(true), false);

        const RunResult text =
            runCli({QStringLiteral("status"), QStringLiteral("--index"), location});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY2(text.out.contains("(shared)"), text.out.constData());
        QVERIFY2(text.out.contains("passages:  22\n"), text.out.constData());
        QVERIFY2(text.out.contains("generation: 5\n"), text.out.constData());
        QVERIFY2(text.out.contains("/share/notes (indexed by beta): 2 documents, 10 passages"),
                 text.out.constData());
        QVERIFY2(text.out.contains(pgvectorOnTheServer().isNull()
                                       ? QByteArray("pgvector:  not on the server")
                                       : "pgvector:  " + pgvectorOnTheServer().toUtf8() +
                                             " available, not installed"),
                 text.out.constData());
    }

    // A database without an index, or a server that is not there: one line, exit 1.
    void statusOfNoIndexIsOneLine() {
        const RunResult empty = runCli({QStringLiteral("status"), QStringLiteral("--index"),
                                        m_server->location(QStringLiteral("empty"))});
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(isOneLine(empty.err), empty.err.constData());
        QVERIFY2(empty.err.contains("/empty"), empty.err.constData());

        const QString nowhere = QStringLiteral("postgresql://postgres@127.0.0.1:%1/team")
                                    .arg(PostgresServer::freePort());
        const RunResult unreachable =
            runCli({QStringLiteral("status"), QStringLiteral("--index"), nowhere});
        QCOMPARE(unreachable.exitCode, 1);
        QVERIFY2(isOneLine(unreachable.err), unreachable.err.constData());
        QVERIFY2(unreachable.err.contains(nowhere.toUtf8() + ": "), unreachable.err.constData());
    }

    // Taken for a folder, the location became folders named "postgresql:" below the working
    // directory, with the password in a folder name. Every command works on a shared index now;
    // a refused index --reembed (the test's writers used another model) still leaves nothing
    // behind and shows no password.
    void otherCommandsRefuseTheLocation() {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        const QString secret = QStringLiteral("Pw-in-the-URI");
        const QString location = QStringLiteral("postgresql://postgres:%1@127.0.0.1:%2/team")
                                     .arg(secret)
                                     .arg(m_server->port());
        const QList<QStringList> commands = {
            {QStringLiteral("index"), QStringLiteral("--reembed")},
        };
        for (QStringList command : commands) {
            command << QStringLiteral("--index") << location << QStringLiteral("--model")
                    << QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bert-max");
            QProcess process;
            process.setWorkingDirectory(work.path());
            process.start(QStringLiteral(SEMSEARCH_CLI), command);
            const RunResult run = finishRun(process);
            QVERIFY2(run.exitCode == 1, qPrintable(command.first()));
            QVERIFY2(isOneLine(run.err), run.err.constData());
            // The test's writers used another model than the tiny one: a re-embed cannot switch.
            QVERIFY2(run.err.contains("new database"), run.err.constData());
            QVERIFY2(!run.err.contains(secret.toUtf8()), run.err.constData());
            QVERIFY2(!run.out.contains(secret.toUtf8()), run.out.constData());
        }
        QCOMPARE(QDir(work.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
                 QStringList());
    }
};

QTEST_GUILESS_MAIN(TestCliSharedIndex)
#include "test_cli_shared_index.moc"
