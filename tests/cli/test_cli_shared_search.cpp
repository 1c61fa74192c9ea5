// semsearch-cli search and export on a shared index at a postgresql:// location, against a
// private PostgreSQL 15 (postgres_server.h), the index written through SharedIndexBatch with
// the tiny model's vectors. The reference is computed here: brute-force cosine in double
// precision over the vectors `export` prints, with the query's vector from `embed`.

#include "cli_runner.h"
#include "postgres_server.h"
#include "shared_index_writes.h"

#include "semsearch/shared_index_location.h"
#include "shared_index/pg_schema.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <map>

using namespace semsearch;
using namespace semsearch::test;

namespace {

QString tinyModelPath() {
    return QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bert-max");
}

struct ExportedPassage {
    QString path;
    QString machine;
    qint64 start = 0;
    QString text;
    std::vector<float> vector;
};

// The exported passages by cosine with `query` (brute_force_ranking.h), as (score, position in
// `passages`), best first; equal scores in export order.
std::vector<std::pair<double, std::size_t>> byCosine(const std::vector<ExportedPassage>& passages,
                                                     const std::vector<float>& query) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i = 0; i < passages.size(); ++i)
        ranked.push_back({cosine(query, passages[i].vector), i});
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    return ranked;
}

} // namespace

class TestCliSharedSearch : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    std::unique_ptr<Embedder> m_embedder;
    WrittenIndex m_written;
    QString m_location;
    QTemporaryDir m_cacheHome; // XDG_CACHE_HOME of the CLI: its vector cache lives there

    // The command with --index (the team's, unless another location is given) and --model;
    // searches in fp32, the precision `embed` and the writers used, so scores compare closely.
    RunResult cli(QStringList arguments, const QString& location = QString()) {
        if (arguments.first() == QLatin1String("search"))
            arguments << QStringLiteral("--precision") << QStringLiteral("fp32");
        arguments << QStringLiteral("--index") << (location.isEmpty() ? m_location : location)
                  << QStringLiteral("--model") << tinyModelPath();
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("XDG_CACHE_HOME"), m_cacheHome.path());
        return runCli(arguments, {}, environment);
    }

    std::vector<ExportedPassage> exported() {
        const RunResult run = cli({QStringLiteral("export")});
        if (run.exitCode != 0)
            qWarning("%s", run.err.constData());
        std::vector<ExportedPassage> passages;
        for (const QByteArray& line : run.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            ExportedPassage passage{object.value(QStringLiteral("path")).toString(),
                                    object.value(QStringLiteral("machine")).toString(),
                                    object.value(QStringLiteral("start")).toInteger(),
                                    object.value(QStringLiteral("text")).toString(),
                                    {}};
            for (const QJsonValue& value : object.value(QStringLiteral("embedding")).toArray())
                passage.vector.push_back(float(value.toDouble()));
            passages.push_back(passage);
        }
        return passages;
    }

    std::vector<float> embedded(const QString& query) {
        const RunResult run =
            runCli({QStringLiteral("embed"), QStringLiteral("--model"), tinyModelPath()},
                   query.toUtf8() + '\n');
        std::vector<float> vector;
        for (const QJsonValue& value : QJsonDocument::fromJson(run.out).array())
            vector.push_back(float(value.toDouble()));
        return vector;
    }

    // `search --passages --json` equals the brute force over `export`: same passages in the
    // same order, scores within 1e-5.
    void checkPassageSearch(const QString& query, const QStringList& extra) {
        const std::vector<ExportedPassage> passages = exported();
        QVERIFY(!passages.empty());
        const std::vector<float> vector = embedded(query);
        QCOMPARE(vector.size(), passages.front().vector.size());
        const auto ranked = byCosine(passages, vector);

        const RunResult run = cli(
            QStringList{QStringLiteral("search"), query, QStringLiteral("--passages"),
                        QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("10")} +
            extra);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray results =
            QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 10);
        for (qsizetype i = 0; i < results.size(); ++i) {
            const QJsonObject hit = results.at(i).toObject();
            const ExportedPassage& expected = passages[ranked[std::size_t(i)].second];
            QCOMPARE(hit.value(QStringLiteral("path")).toString(), expected.path);
            QCOMPARE(hit.value(QStringLiteral("start")).toInteger(), expected.start);
            QCOMPARE(hit.value(QStringLiteral("text")).toString(), expected.text);
            QCOMPARE(hit.value(QStringLiteral("machine")).toString(), expected.machine);
            QVERIFY(std::abs(hit.value(QStringLiteral("score")).toDouble() -
                             ranked[std::size_t(i)].first) < 1e-5);
        }
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_cacheHome.isValid());
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team; CREATE DATABASE empty")),
                 QString());
        m_location = m_server->location(QStringLiteral("team"));
        auto connection = PgConnection::open(m_location);
        QVERIFY(connection.ok());
        QVERIFY(migrateSharedIndex(*connection).ok());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::move(embedder).value();
        const QStringList topics = {QStringLiteral("river boats and harbour cranes"),
                                    QStringLiteral("apple pie recipe"),
                                    QStringLiteral("quantum spin of electrons"),
                                    QStringLiteral("tax return deadline"),
                                    QStringLiteral("hiking in the alps"),
                                    QStringLiteral("violin lessons")};
        for (const auto& [machine, source] :
             {std::pair{QStringLiteral("alpha"), QStringLiteral("/share/docs")},
              std::pair{QStringLiteral("beta"), QStringLiteral("/share/notes")}}) {
            std::vector<TestDocument> documents;
            for (int d = 0; d < 6; ++d) {
                TestDocument document{source + QStringLiteral("/file-%1.txt").arg(d), {}};
                for (int p = 0; p < 3; ++p)
                    document.passages << QStringLiteral("%1 %2 %3 in %4")
                                             .arg(topics[(d + p) % topics.size()])
                                             .arg(d)
                                             .arg(p)
                                             .arg(source);
                documents.push_back(document);
            }
            QCOMPARE(
                commitDocuments(m_location, machine, source, documents, *m_embedder, m_written),
                QString());
        }
    }

    // Every passage once, with its machine, and its vector bit for bit as it was written.
    void exportGivesEveryPassageOnce() {
        const std::vector<ExportedPassage> passages = exported();
        QCOMPARE(passages.size(), m_written.size());
        QSet<QString> seen;
        for (const ExportedPassage& passage : passages) {
            QVERIFY(!seen.contains(passage.text));
            seen.insert(passage.text);
            const auto written =
                std::find_if(m_written.begin(), m_written.end(),
                             [&](const auto& entry) { return entry.second.text == passage.text; });
            QVERIFY(written != m_written.end());
            QCOMPARE(passage.path, written->second.path);
            QCOMPARE(passage.machine, written->second.machine);
            QCOMPARE(passage.vector.size(), written->second.vector.size());
            QVERIFY(std::memcmp(passage.vector.data(), written->second.vector.data(),
                                passage.vector.size() * sizeof(float)) == 0);
        }
    }

    // --mode semantic equals the brute force; documents group it by path; text output names the
    // other machine.
    void searchEqualsBruteForceOverExport() {
        checkPassageSearch(QStringLiteral("boats in a harbour"),
                           {QStringLiteral("--mode"), QStringLiteral("semantic")});
        checkPassageSearch(QStringLiteral("a violin lesson"),
                           {QStringLiteral("--mode"), QStringLiteral("semantic")});

        const std::vector<ExportedPassage> passages = exported();
        const std::vector<float> vector = embedded(QStringLiteral("electron spin"));
        const auto ranked = byCosine(passages, vector);
        QStringList paths;
        for (const auto& [score, i] : ranked)
            if (!paths.contains(passages[i].path))
                paths << passages[i].path;
        const RunResult run =
            cli({QStringLiteral("search"), QStringLiteral("electron spin"),
                 QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("4"),
                 QStringLiteral("--mode"), QStringLiteral("semantic")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray results =
            QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 4);
        for (qsizetype d = 0; d < results.size(); ++d)
            QCOMPARE(results.at(d).toObject().value(QStringLiteral("path")).toString(), paths[d]);

        const RunResult text = cli({QStringLiteral("search"), QStringLiteral("notes"),
                                    QStringLiteral("--path"), QStringLiteral("/share/notes")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY2(text.out.contains("/share/notes/"), text.out.constData());
        QVERIFY2(!text.out.contains("/share/docs/"), text.out.constData());
        if (QSysInfo::machineHostName() != QLatin1String("beta"))
            QVERIFY2(text.out.contains("(on beta)"), text.out.constData());
    }

    // A commit after a search: the next search finds it, and the cache moved on by one
    // generation (it applied the change rather than exporting again).
    void searchCatchesUp() {
        QVERIFY(cli({QStringLiteral("search"), QStringLiteral("x"), QStringLiteral("--mode"),
                     QStringLiteral("semantic")})
                    .exitCode == 0);
        QFile header(defaultCacheFile());
        QVERIFY2(header.open(QIODevice::ReadOnly), qPrintable(header.fileName()));
        const qint64 before = QJsonDocument::fromJson(header.readAll())
                                  .object()
                                  .value(QStringLiteral("generation"))
                                  .toInteger();
        header.close();
        QCOMPARE(commitDocuments(m_location, QStringLiteral("beta"), QStringLiteral("/share/notes"),
                                 {{QStringLiteral("/share/notes/late.txt"),
                                   {QStringLiteral("a late note on lighthouse keepers")}}},
                                 *m_embedder, m_written),
                 QString());
        checkPassageSearch(QStringLiteral("lighthouse keepers"),
                           {QStringLiteral("--mode"), QStringLiteral("semantic")});
        const RunResult run = cli({QStringLiteral("search"), QStringLiteral("lighthouse keepers"),
                                   QStringLiteral("--passages"), QStringLiteral("--json"),
                                   QStringLiteral("-k"), QStringLiteral("1")});
        QVERIFY(run.out.contains("/share/notes/late.txt"));
        QVERIFY(header.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(header.readAll())
                     .object()
                     .value(QStringLiteral("generation"))
                     .toInteger(),
                 before + 1);
    }

    // Keyword search (the default, hybrid, too) finds the passages that hold the word, as plain
    // string search over `export` finds them; -word leaves out every document holding it.
    void keywordsOnTheServer() {
        const std::vector<ExportedPassage> passages = exported();
        QSet<QString> holding;
        QSet<QString> excludedPaths;
        for (const ExportedPassage& passage : passages) {
            if (passage.text.contains(QStringLiteral("violin")))
                holding.insert(passage.text);
            if (passage.text.contains(QStringLiteral("alps")))
                excludedPaths.insert(passage.path);
        }
        QVERIFY(!holding.isEmpty() && !excludedPaths.isEmpty());
        for (const QString& mode : {QStringLiteral("keyword"), QStringLiteral("hybrid")}) {
            const RunResult run =
                cli({QStringLiteral("search"), QStringLiteral("VIOLIN"), QStringLiteral("--mode"),
                     mode, QStringLiteral("--passages"), QStringLiteral("--json"),
                     QStringLiteral("--limit"), QString::number(holding.size())});
            QVERIFY2(run.exitCode == 0, run.err.constData());
            QSet<QString> found;
            for (const QJsonValue& hit : QJsonDocument::fromJson(run.out)
                                             .object()
                                             .value(QStringLiteral("results"))
                                             .toArray())
                found.insert(hit.toObject().value(QStringLiteral("text")).toString());
            QCOMPARE(found, holding); // hybrid: a passage in both rankings outranks the others
        }
        const RunResult without =
            cli({QStringLiteral("search"), QStringLiteral("hiking -alps"), QStringLiteral("--json"),
                 QStringLiteral("--limit"), QStringLiteral("100")});
        QVERIFY2(without.exitCode == 0, without.err.constData());
        const QJsonArray documents = QJsonDocument::fromJson(without.out)
                                         .object()
                                         .value(QStringLiteral("results"))
                                         .toArray();
        QVERIFY(!documents.isEmpty());
        for (const QJsonValue& document : documents)
            QVERIFY(!excludedPaths.contains(
                document.toObject().value(QStringLiteral("path")).toString()));
    }

    // A database without an index, a port nobody listens on: one line each, exit code 1.
    // --like PATH#ORDINAL: the documents by their best passage's cosine with that stored
    // passage's vector (brute force over export's vectors, the passage found by its place
    // among its document's passages in export's order), the document itself left out; no
    // such passage, or no #ORDINAL, is one line.
    void likeFindsDocumentsByAStoredPassage() {
        const std::vector<ExportedPassage> passages = exported();
        QVERIFY(passages.size() > 1);
        const QString liked = passages.front().path;
        QCOMPARE(passages[1].path, liked); // export's order: by path, then ordinal
        const std::vector<float>& vector = passages[1].vector;
        std::map<QString, double> best;
        for (const ExportedPassage& passage : passages)
            if (passage.path != liked) {
                const double score = cosine(vector, passage.vector);
                if (!best.count(passage.path) || score > best[passage.path])
                    best[passage.path] = score;
            }
        std::vector<std::pair<double, QString>> expected;
        for (const auto& [path, score] : best)
            expected.push_back({score, path});
        std::stable_sort(expected.begin(), expected.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });

        const RunResult run =
            cli({QStringLiteral("search"), QStringLiteral("--like"), liked + QStringLiteral("#1"),
                 QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("3")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray results =
            QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 3);
        for (qsizetype d = 0; d < results.size(); ++d) {
            const QJsonObject document = results.at(d).toObject();
            QCOMPARE(document.value(QStringLiteral("path")).toString(),
                     expected[std::size_t(d)].second);
            QVERIFY(std::abs(document.value(QStringLiteral("score")).toDouble() -
                             expected[std::size_t(d)].first) < 1e-5);
        }

        for (const QString& like : {QStringLiteral("/share/nowhere.md#0"), liked}) {
            const RunResult refused =
                cli({QStringLiteral("search"), QStringLiteral("--like"), like});
            QCOMPARE(refused.exitCode, 1);
            QVERIFY2(isOneLine(refused.err), refused.err.constData());
            QVERIFY2(refused.err.contains(like.toUtf8()), refused.err.constData());
        }
    }

    void refusalsAreOneLine() {
        const QString nowhere = QStringLiteral("postgresql://postgres@127.0.0.1:%1/team")
                                    .arg(PostgresServer::freePort());
        for (const QString& location : {m_server->location(QStringLiteral("empty")), nowhere})
            for (const QStringList& command :
                 {QStringList{QStringLiteral("search"), QStringLiteral("boats")},
                  QStringList{QStringLiteral("export")}}) {
                const RunResult run = cli(command, location);
                QCOMPARE(run.exitCode, 1);
                QVERIFY2(isOneLine(run.err), run.err.constData());
                QVERIFY2(run.err.contains(location.toUtf8() + ": "), run.err.constData());
            }
    }

    // With passwords: a wrong one is one line that does not show it; a read-only role searches.
    void passwordsAndReadOnlyRole() {
        PostgresServer server(PostgresServer::Auth::Password);
        QVERIFY2(server.isRunning(), qPrintable(server.error()));
        QCOMPARE(server.runSql(QStringLiteral("CREATE DATABASE team")), QString());
        const QString owner =
            server.location(QStringLiteral("team"), QStringLiteral("postgres"),
                            QString::fromLatin1(PostgresServer::kSuperuserPassword));
        auto connection = PgConnection::open(owner);
        QVERIFY(connection.ok());
        QVERIFY(migrateSharedIndex(*connection).ok());
        WrittenIndex written;
        QCOMPARE(commitDocuments(owner, QStringLiteral("alpha"), QStringLiteral("/s"),
                                 {{QStringLiteral("/s/a.txt"), {QStringLiteral("boats")}}},
                                 *m_embedder, written),
                 QString());
        QCOMPARE(server.runSql(QStringLiteral("CREATE ROLE reader LOGIN PASSWORD 'Read-0nly'; "
                                              "GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
                                              "reader"),
                               QStringLiteral("team")),
                 QString());

        const QString wrong = server.location(QStringLiteral("team"), QStringLiteral("reader"),
                                              QStringLiteral("Not-The-Pw"));
        for (const QStringList& command :
             {QStringList{QStringLiteral("search"), QStringLiteral("boats")},
              QStringList{QStringLiteral("export")}}) {
            const RunResult run = cli(command, wrong);
            QCOMPARE(run.exitCode, 1);
            QVERIFY2(isOneLine(run.err), run.err.constData());
            QVERIFY2(!run.err.contains("Not-The-Pw"), run.err.constData());
        }
        const RunResult reader =
            cli({QStringLiteral("search"), QStringLiteral("boats"), QStringLiteral("--json")},
                server.location(QStringLiteral("team"), QStringLiteral("reader"),
                                QStringLiteral("Read-0nly")));
        QVERIFY2(reader.exitCode == 0, reader.err.constData());
        QVERIFY2(reader.out.contains("/s/a.txt"), reader.out.constData());
        QVERIFY(!reader.out.contains("Read-0nly"));
    }

private:
    QString defaultCacheFile() const {
        return m_cacheHome.path() + QStringLiteral("/semsearch/shared/") +
               sharedIndexFolderName(m_location) + QStringLiteral("/search/cache.json");
    }
};

QTEST_GUILESS_MAIN(TestCliSharedSearch)
#include "test_cli_shared_search.moc"
