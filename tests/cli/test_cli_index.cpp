// semsearch-cli index / search / status / remove / verify / export, run as a user would,
// including a kill -9 in the middle of indexing.

#include "brute_force_ranking.h"
#include "cli_runner.h"
#include "document_tools.h"
#include "generous_wait.h"
#include "reference_data.h"
#include "test_files.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include <signal.h>

using namespace semsearch::test;

namespace {

class CliFixture {
public:
    explicit CliFixture(const QString& base) : m_index(base + QStringLiteral("/index")) {
        m_environment = QProcessEnvironment::systemEnvironment();
        m_environment.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
        m_environment.insert(QStringLiteral("SEMSEARCH_INDEX"), m_index);
    }
    RunResult run(const QStringList& arguments) const {
        return runCli(arguments, {}, m_environment);
    }
    const QString& index() const { return m_index; }
    const QProcessEnvironment& environment() const { return m_environment; }
    void setEnvironment(const QString& name, const QString& value) {
        m_environment.insert(name, value);
    }

private:
    QString m_index;
    QProcessEnvironment m_environment;
};

std::vector<QJsonObject> jsonLines(const QByteArray& out) {
    std::vector<QJsonObject> rows;
    for (const QByteArray& line : out.split('\n'))
        if (!line.isEmpty())
            rows.push_back(QJsonDocument::fromJson(line).object());
    return rows;
}

// The query's vector as `semsearch-cli embed` gives it, in the precision the index's vectors
// were made in (as search embeds it); empty on failure.
std::vector<float> embedQuery(const CliFixture& cli, const QByteArray& query) {
    const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
    const QString precision =
        QJsonDocument::fromJson(status.out).object().value(QStringLiteral("precision")).toString();
    if (status.exitCode != 0 || precision.isEmpty())
        return {};
    const RunResult embedded =
        runCli({QStringLiteral("embed"), QStringLiteral("--precision"), precision}, query + '\n',
               cli.environment());
    std::vector<float> vector;
    if (embedded.exitCode == 0)
        for (const QJsonValue& value : QJsonDocument::fromJson(embedded.out).array())
            vector.push_back(float(value.toDouble()));
    return vector;
}

// Every exported passage, keyed by its byte offset in its file.
std::vector<PassageVector> exportedPassages(const QByteArray& out) {
    std::vector<PassageVector> passages;
    for (const QJsonObject& row : jsonLines(out)) {
        PassageVector passage{row.value(QStringLiteral("path")).toString(),
                              QString::number(row.value(QStringLiteral("start")).toInteger()),
                              {}};
        for (const QJsonValue& value : row.value(QStringLiteral("embedding")).toArray())
            passage.vector.push_back(float(value.toDouble()));
        passages.push_back(std::move(passage));
    }
    return passages;
}

// `search --json`'s documents, their passages keyed by byte offset.
std::vector<ReportedDocument> searchedDocuments(const QByteArray& json) {
    std::vector<ReportedDocument> documents;
    const QJsonArray results =
        QJsonDocument::fromJson(json).object().value(QStringLiteral("results")).toArray();
    for (const QJsonValue& result : results) {
        const QJsonObject r = result.toObject();
        documents.push_back({r.value(QStringLiteral("path")).toString(),
                             r.value(QStringLiteral("score")).toDouble(),
                             {}});
        for (const QJsonValue& passage : r.value(QStringLiteral("passages")).toArray())
            documents.back().passages.push_back(
                {QString::number(passage.toObject().value(QStringLiteral("start")).toInteger()),
                 passage.toObject().value(QStringLiteral("score")).toDouble()});
    }
    return documents;
}

// Deterministic filler prose: `count` sentences for file `seed`.
QByteArray prose(int seed, int count) {
    static const char* subjects[] = {"The committee",  "My neighbour", "This function",
                                     "The old bridge", "A small bird", "Our budget"};
    static const char* verbs[] = {"approved", "repaired", "returns",
                                  "crossed",  "watched",  "exceeded"};
    static const char* objects[] = {"the new plan",   "a broken fence",  "an empty list",
                                    "the cold river", "the morning sky", "last year's costs"};
    QByteArray text;
    for (int i = 0; i < count; ++i) {
        const int k = seed * 31 + i * 7;
        text += QByteArray(subjects[k % 6]) + ' ' + verbs[(k / 6) % 6] + ' ' +
                objects[(k / 36) % 6] + " on day " + QByteArray::number(k % 97) + ".";
        text += (i % 4 == 3) ? "\n\n" : " ";
    }
    return text + '\n';
}

// The index's passages as `export` prints them, keyed "path:start".
std::map<QString, QJsonObject> exportedPassages(const CliFixture& cli) {
    std::map<QString, QJsonObject> passages;
    const RunResult exported = cli.run({QStringLiteral("export")});
    for (const QJsonObject& row : jsonLines(exported.out))
        passages.emplace(row.value(QStringLiteral("path")).toString() + QLatin1Char(':') +
                             QString::number(row.value(QStringLiteral("start")).toInteger()),
                         row);
    return passages;
}

// Where two exports differ (at most a few lines): passages, their text and line, and their
// vectors beyond float rounding between batches.
QStringList exportDifferences(const std::map<QString, QJsonObject>& actual,
                              const std::map<QString, QJsonObject>& expected) {
    QStringList lines;
    for (const auto& [key, row] : expected) {
        auto it = actual.find(key);
        if (it == actual.end()) {
            lines << key + QStringLiteral(": missing");
            continue;
        }
        for (const char* field : {"end", "line", "text"})
            if (it->second.value(QLatin1String(field)) != row.value(QLatin1String(field)))
                lines << key + QStringLiteral(": %1 differs").arg(QLatin1String(field));
        const QJsonArray a = it->second.value(QStringLiteral("embedding")).toArray();
        const QJsonArray e = row.value(QStringLiteral("embedding")).toArray();
        bool close = a.size() == e.size();
        for (qsizetype i = 0; close && i < a.size(); ++i)
            close = std::fabs(a[i].toDouble() - e[i].toDouble()) <= 1e-5;
        if (!close)
            lines << key + QStringLiteral(": the vector differs");
    }
    for (const auto& [key, row] : actual)
        if (!expected.count(key))
            lines << key + QStringLiteral(": not in a clean index");
    return lines.mid(0, 10);
}

} // namespace

class TestCliIndex : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }

private Q_SLOTS:
    void searchJsonSaysPageAndSection() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        const ToolRun pdf = groffPdf(".PP\nA first page about nothing much.\n.bp\n"
                                     ".PP\nThe lighthouse keeper counts ships.\n");
        QVERIFY2(pdf.ok, qPrintable(pdf.problem));
        QVERIFY(writeFile(docs + QStringLiteral("/light.pdf"), pdf.out));
        QVERIFY(writeFile(docs + QStringLiteral("/page.html"),
                          "<h1>Bread</h1><p>Knead the dough for ten minutes.</p>"));
        QVERIFY(writeFile(docs + QStringLiteral("/plain.txt"), "Cats sleep all day.\n"));
        // semsearch-cli finds semsearch-extract beside itself, as installed.
        const RunResult indexed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        auto top = [&](const char* query) {
            const RunResult search = cli.run(
                {QStringLiteral("search"), QString::fromUtf8(query), QStringLiteral("--json"),
                 QStringLiteral("--passages"), QStringLiteral("-k"), QStringLiteral("1")});
            return QJsonDocument::fromJson(search.out)
                .object()
                .value(QStringLiteral("results"))
                .toArray()
                .at(0)
                .toObject();
        };
        const QJsonObject light = top("The lighthouse keeper counts ships.");
        QCOMPARE(light.value(QStringLiteral("path")).toString(),
                 docs + QStringLiteral("/light.pdf"));
        QCOMPARE(light.value(QStringLiteral("page")).toInt(), 2);
        QVERIFY(!light.contains(QStringLiteral("section")));
        const QJsonObject bread = top("Knead the dough for ten minutes.");
        QCOMPARE(bread.value(QStringLiteral("section")).toString(), QStringLiteral("Bread"));
        QVERIFY(!bread.contains(QStringLiteral("page")));
        const QJsonObject cats = top("Cats sleep all day.");
        QVERIFY(!cats.contains(QStringLiteral("page")) &&
                !cats.contains(QStringLiteral("section")));
    }

    void indexSearchStatusExport() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), "Cats sleep all day. They purr.\n"));
        QVERIFY(writeFile(docs + QStringLiteral("/b.md"), prose(1, 40)));
        QVERIFY(writeFile(docs + QStringLiteral("/blob.bin"), QByteArray("\0\1\2\3", 4)));

        const RunResult indexed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());

        const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(status.exitCode, 0);
        const QJsonObject s = QJsonDocument::fromJson(status.out).object();
        QCOMPARE(s.value(QStringLiteral("documents")).toInt(), 2);
        QVERIFY(s.value(QStringLiteral("passages")).toInt() >= 2);
        QCOMPARE(
            s.value(QStringLiteral("model")).toObject().value(QStringLiteral("pooling")).toString(),
            QStringLiteral("max"));
        QCOMPARE(s.value(QStringLiteral("skipped")).toArray().size(), 1);
        QVERIFY(s.value(QStringLiteral("size_bytes")).toDouble() > 0);

        const RunResult search =
            cli.run({QStringLiteral("search"), QStringLiteral("sleeping cat"),
                     QStringLiteral("--json"), QStringLiteral("-k"), QStringLiteral("5"),
                     QStringLiteral("--mode"), QStringLiteral("semantic")});
        QVERIFY2(search.exitCode == 0, search.err.constData());
        const QJsonObject answer = QJsonDocument::fromJson(search.out).object();
        QCOMPARE(answer.value(QStringLiteral("query")).toString(), QStringLiteral("sleeping cat"));
        const QJsonArray results = answer.value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 2);
        for (const QJsonValue& result : results) {
            const QJsonObject r = result.toObject();
            QVERIFY(QDir::isAbsolutePath(r.value(QStringLiteral("path")).toString()));
            const QJsonArray passages = r.value(QStringLiteral("passages")).toArray();
            QVERIFY(!passages.isEmpty());
            // A document's score is its best passage's.
            QCOMPARE(r.value(QStringLiteral("score")).toDouble(),
                     passages.first().toObject().value(QStringLiteral("score")).toDouble());
            for (const char* key : {"text", "line", "start", "end", "score"})
                QVERIFY2(passages.first().toObject().contains(QLatin1String(key)), key);
        }

        // --passages is the exact top-k over all passages: check against a brute-force
        // cosine over the exported vectors and a query vector from `embed`.
        const RunResult exported = cli.run({QStringLiteral("export"), QStringLiteral("--jsonl")});
        QCOMPARE(exported.exitCode, 0);
        const auto rows = jsonLines(exported.out);
        QCOMPARE(qint64(rows.size()), qint64(s.value(QStringLiteral("passages")).toInt()));

        const std::vector<float> query = embedQuery(cli, "day of the committee");
        QCOMPARE(query.size(), std::size_t(32));
        std::vector<std::pair<double, QString>> expected; // (-cosine, "path:start")
        for (const PassageVector& passage : exportedPassages(exported.out))
            expected.emplace_back(-cosine(passage.vector, query),
                                  passage.path + QLatin1Char(':') + passage.key);
        std::sort(expected.begin(), expected.end());
        const RunResult top = cli.run(
            {QStringLiteral("search"), QStringLiteral("day of the committee"),
             QStringLiteral("--mode"), QStringLiteral("semantic"), QStringLiteral("--passages"),
             QStringLiteral("--json"), QStringLiteral("-k"), QStringLiteral("6")});
        QCOMPARE(top.exitCode, 0);
        const QJsonArray hits =
            QJsonDocument::fromJson(top.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(hits.size(), 6);
        QVERIFY(expected.size() >= 6);
        for (qsizetype i = 0; i < hits.size(); ++i) {
            const QJsonObject hit = hits[i].toObject();
            QCOMPARE(hit.value(QStringLiteral("path")).toString() + QLatin1Char(':') +
                         QString::number(hit.value(QStringLiteral("start")).toInteger()),
                     expected[std::size_t(i)].second);
            QVERIFY(std::fabs(hit.value(QStringLiteral("score")).toDouble() +
                              expected[std::size_t(i)].first) < 1e-5);
        }

        const RunResult verify = cli.run({QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, verify.out.constData());

        const RunResult removed =
            cli.run({QStringLiteral("remove"), docs + QStringLiteral("/b.md")});
        QCOMPARE(removed.exitCode, 0);
        const RunResult after = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(
            QJsonDocument::fromJson(after.out).object().value(QStringLiteral("documents")).toInt(),
            1);
    }

    // `search` (documents) against brute force over the exported vectors: a document scores its
    // best passage. One file's 220 passages all outrank the other files' best; `-k 5` must still
    // give five files, in their order.
    void documentSearchEqualsBruteForce() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        const QByteArray query = "The lighthouse keeper counts the ships that pass at night.";
        QByteArray keeper;
        for (int i = 0; i < 220; ++i)
            keeper += query + " Entry " + QByteArray::number(i) + ".\n\n";
        QVERIFY(writeFile(docs + QStringLiteral("/keeper.txt"), keeper));
        for (int i = 0; i < 10; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/other/%1.md").arg(i), prose(i, 6)));
        const RunResult indexed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());

        const RunResult exported = cli.run({QStringLiteral("export"), QStringLiteral("--jsonl")});
        QCOMPARE(exported.exitCode, 0);
        const std::vector<float> queryVector = embedQuery(cli, query);
        QCOMPARE(queryVector.size(), std::size_t(32));
        const std::vector<RankedDocument> expected =
            rankDocuments(exportedPassages(exported.out), queryVector);
        QCOMPARE(expected.size(), std::size_t(11));
        QCOMPARE(expected.front().path, docs + QStringLiteral("/keeper.txt"));
        QCOMPARE(expected.front().passages.size(), std::size_t(220));
        const std::size_t ahead = passagesAheadOfTheRest(expected);
        QVERIFY2(ahead >= 200, qPrintable(QString::number(ahead)));

        for (int k : {5, 20}) {
            const RunResult search =
                cli.run({QStringLiteral("search"), QString::fromUtf8(query),
                         QStringLiteral("--mode"), QStringLiteral("semantic"),
                         QStringLiteral("--json"), QStringLiteral("-k"), QString::number(k)});
            QVERIFY2(search.exitCode == 0, search.err.constData());
            // The command shows three passages per document.
            const QString difference =
                compareRanking(expected, searchedDocuments(search.out), k, 3);
            QVERIFY2(difference.isEmpty(),
                     qPrintable(QStringLiteral("-k %1: ").arg(k) + difference));
        }
    }

    // The summary's counts share out the files: nothing counted twice (binary files were
    // counted as files and as skipped, walk skips as skipped only).
    void summaryAddsUp() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), "Cats sleep all day.\n"));
        QVERIFY(writeFile(docs + QStringLiteral("/b.txt"), "Dogs bark at night.\n"));
        QVERIFY(writeFile(docs + QStringLiteral("/blob.bin"), QByteArray("\0\1\2\3", 4)));
        QVERIFY(writeFile(docs + QStringLiteral("/.hidden.txt"), "Hidden.\n"));
        const QRegularExpression summary(
            QStringLiteral("^(\\d+) files: (\\d+) added, (\\d+) updated, (\\d+) reused, "
                           "(\\d+) unchanged, (\\d+) skipped; (\\d+) removed \\(gone\\); "));
        auto counts = [&](const RunResult& run) {
            QList<int> values;
            const QRegularExpressionMatch match = summary.match(QString::fromUtf8(run.out));
            for (int i = 1; match.hasMatch() && i <= 7; ++i)
                values << match.captured(i).toInt();
            return values;
        };
        const RunResult first = cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QCOMPARE(counts(first), (QList<int>{4, 2, 0, 0, 0, 2, 0}));

        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), QByteArray("\0\0", 2)));
        QVERIFY(QFile::remove(docs + QStringLiteral("/b.txt")));
        const RunResult second = cli.run(
            {QStringLiteral("index"), docs, QStringLiteral("--quiet"), QStringLiteral("--json")});
        QVERIFY2(second.exitCode == 0, second.err.constData());
        const QJsonObject json = QJsonDocument::fromJson(second.out).object();
        int shared = 0;
        for (const char* key : {"added", "updated", "reused", "unchanged", "skipped"})
            shared += json.value(QLatin1String(key)).toInt();
        QCOMPARE(json.value(QStringLiteral("files")).toInt(), 3);
        QCOMPARE(shared, 3);
        QCOMPARE(json.value(QStringLiteral("skipped")).toInt(), 3);
        QCOMPARE(json.value(QStringLiteral("removed")).toInt(), 1);
    }

    // Issue 16, 3: counts with the word for one or for more, and numbers in the locale's
    // format (grouped under de_DE, plain under C); JSON keeps plain numbers.
    void countsReadInTheLocalesFormat() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QByteArray many;
        for (int i = 0; i < 1100; ++i)
            many += "Note " + QByteArray::number(i) + " is about the garden.\n\n";
        QVERIFY(writeFile(docs + QStringLiteral("/garden.txt"), many));
        QProcessEnvironment german = cli.environment();
        german.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
        const RunResult run =
            runCli({QStringLiteral("index"), docs, QStringLiteral("--quiet")}, {}, german);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QRegularExpression summary(QStringLiteral(
            "^1 file: 1 added, 0 updated, 0 reused, 0 unchanged, 0 skipped; 0 removed \\(gone\\); "
            "(1\\.\\d{3}) passages embedded in \\d+,\\d s\n$"));
        const QRegularExpressionMatch match = summary.match(QString::fromUtf8(run.out));
        QVERIFY2(match.hasMatch(), run.out.constData());
        QString passages = match.captured(1);

        QProcessEnvironment plain = cli.environment();
        plain.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
        const RunResult status = runCli({QStringLiteral("status")}, {}, plain);
        QVERIFY2(status.exitCode == 0, status.err.constData());
        QVERIFY2(
            status.out.contains("passages:  " + passages.remove(QLatin1Char('.')).toUtf8() + "\n"),
            status.out.constData());
        QVERIFY(status.out.contains("documents: 1\n"));
    }

    // Crash safety by design: the run is killed (SIGKILL) at a chosen point through the
    // test-only SEMSEARCH_TEST_ABORT_AT; the index must verify, and the next run must bring it
    // to exactly what a clean index of the same files holds.
    // The "lists-" rows build the approximate index (a threshold of 8 passages), so the kill
    // lands in the middle of saving that.
    void killedAtEachPointResumesToACleanIndex_data() {
        QTest::addColumn<QString>("point");
        QTest::addColumn<QString>("approximateFrom");
        for (const char* point :
             {"before-commit", "inside-commit", "after-commit", "cache-written", "cache-renamed"})
            QTest::newRow(point) << QString::fromLatin1(point) << QString();
        for (const char* point : {"cache-written", "cache-renamed"})
            QTest::newRow(qPrintable(QStringLiteral("lists-") + QLatin1String(point)))
                << QString::fromLatin1(point) << QStringLiteral("8");
    }
    void killedAtEachPointResumesToACleanIndex() {
        QFETCH(QString, point);
        QFETCH(QString, approximateFrom);
        CliFixture cli(base() + QLatin1Char('/') + QTest::currentDataTag());
        if (!approximateFrom.isEmpty())
            cli.setEnvironment(QStringLiteral("SEMSEARCH_APPROXIMATE_FROM"), approximateFrom);
        const QString docs =
            base() + QLatin1Char('/') + QTest::currentDataTag() + QStringLiteral("/docs");
        for (int i = 0; i < 8; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/note%1.txt").arg(i), prose(i, 6)));
        const RunResult first = cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        // Changes of every kind for the killed run to be in the middle of.
        QVERIFY(writeFile(docs + QStringLiteral("/note0.txt"), prose(100, 5)));
        QVERIFY(writeFile(docs + QStringLiteral("/new.txt"), prose(101, 7)));
        QVERIFY(writeFile(docs + QStringLiteral("/copy.txt"), prose(3, 6)));
        QVERIFY(QFile::remove(docs + QStringLiteral("/note5.txt")));
        QVERIFY(writeFile(docs + QStringLiteral("/note1.txt"), prose(2, 6)));
        QVERIFY(writeFile(docs + QStringLiteral("/note2.txt"), prose(1, 6)));

        QProcessEnvironment environment = cli.environment();
        environment.insert(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"), point);
        QProcess killed;
        killed.setProcessEnvironment(environment);
        killed.start(QStringLiteral(SEMSEARCH_CLI),
                     {QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY(killed.waitForFinished(300000));
        QCOMPARE(killed.exitStatus(), QProcess::CrashExit);

        const RunResult verify = cli.run({QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, (verify.out + verify.err).constData());
        const RunResult resumed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const RunResult verified = cli.run({QStringLiteral("verify")});
        QVERIFY2(verified.exitCode == 0, (verified.out + verified.err).constData());
        if (!approximateFrom.isEmpty()) {
            const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
            const QJsonObject vectorIndex = QJsonDocument::fromJson(status.out)
                                                .object()
                                                .value(QStringLiteral("vector_index"))
                                                .toObject();
            QCOMPARE(vectorIndex.value(QStringLiteral("in_use")).toString(),
                     QStringLiteral("approximate"));
        }

        CliFixture clean(base() + QLatin1Char('/') + QTest::currentDataTag() +
                         QStringLiteral("/clean"));
        const RunResult built =
            clean.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(built.exitCode == 0, built.err.constData());
        const auto expected = exportedPassages(clean);
        QVERIFY2(expected.size() >= 10, qPrintable(QString::number(expected.size())));
        const QStringList differences = exportDifferences(exportedPassages(cli), expected);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(QLatin1Char('\n'))));
    }

    // status says which vector index is in use and its measured recall; a recall the guard
    // cannot lift (the test hook caps it) makes it fall back to the scan, and status says so;
    // search --exact (every stored vector) agrees with the index's results and scores.
    void statusShowsTheVectorIndexAndItsRecall() {
        const QString docs = base() + QStringLiteral("/docs");
        for (int i = 0; i < 12; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/note%1.txt").arg(i), prose(i, 8)));
        const auto vectorIndexOf = [](const CliFixture& cli) {
            const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
            return QJsonDocument::fromJson(status.out)
                .object()
                .value(QStringLiteral("vector_index"))
                .toObject();
        };

        CliFixture lists(base() + QStringLiteral("/lists"));
        lists.setEnvironment(QStringLiteral("SEMSEARCH_APPROXIMATE_FROM"), QStringLiteral("8"));
        const RunResult indexed =
            lists.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        const QJsonObject used = vectorIndexOf(lists);
        QCOMPARE(used.value(QStringLiteral("in_use")).toString(), QStringLiteral("approximate"));
        QVERIFY(used.value(QStringLiteral("recall_at_10")).toDouble() >= 0.95);
        QCOMPARE(used.value(QStringLiteral("fell_back")).toBool(), false);
        const RunResult text = lists.run({QStringLiteral("status")});
        QVERIFY2(text.out.contains("search:    approximate"), text.out.constData());

        // By meaning alone, so that the scores compared are cosines (hybrid's are rank fusion's).
        const QStringList query = {QStringLiteral("search"),   QStringLiteral("--passages"),
                                   QStringLiteral("--json"),   QStringLiteral("--mode"),
                                   QStringLiteral("semantic"), QStringLiteral("-k"),
                                   QStringLiteral("5"),        QStringLiteral("walking the dog")};
        const RunResult approximate = lists.run(query);
        const RunResult exact = lists.run(QStringList(query) << QStringLiteral("--exact"));
        QVERIFY2(approximate.exitCode == 0 && exact.exitCode == 0, exact.err.constData());
        const auto results = [](const RunResult& run) {
            return QJsonDocument::fromJson(run.out)
                .object()
                .value(QStringLiteral("results"))
                .toArray();
        };
        QCOMPARE(results(approximate).size(), 5);
        QCOMPARE(results(exact).size(), 5);
        for (int i = 0; i < 5; ++i) {
            const QJsonObject a = results(approximate)[i].toObject();
            const QJsonObject e = results(exact)[i].toObject();
            QCOMPARE(a.value(QStringLiteral("path")), e.value(QStringLiteral("path")));
            QVERIFY(std::abs(a.value(QStringLiteral("score")).toDouble() -
                             e.value(QStringLiteral("score")).toDouble()) < 1e-5);
        }

        // --exact names a vector comparison; a keyword search has none to make exact.
        const RunResult keyword =
            lists.run({QStringLiteral("search"), QStringLiteral("--exact"),
                       QStringLiteral("--mode"), QStringLiteral("keyword"), QStringLiteral("dog")});
        QCOMPARE(keyword.exitCode, 2);
        QVERIFY2(isOneLine(keyword.err) && keyword.err.contains("--exact"),
                 keyword.err.constData());
        const RunResult hybrid = lists.run(QStringList(query.mid(0, 3))
                                           << QStringLiteral("--exact") << QStringLiteral("dog"));
        QVERIFY2(hybrid.exitCode == 0, hybrid.err.constData());

        CliFixture capped(base() + QStringLiteral("/capped"));
        capped.setEnvironment(QStringLiteral("SEMSEARCH_APPROXIMATE_FROM"), QStringLiteral("8"));
        capped.setEnvironment(QStringLiteral("SEMSEARCH_TEST_RECALL_CAP"), QStringLiteral("0.5"));
        const RunResult cappedRun =
            capped.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(cappedRun.exitCode == 0, cappedRun.err.constData());
        const QJsonObject fellBack = vectorIndexOf(capped);
        QCOMPARE(fellBack.value(QStringLiteral("in_use")).toString(), QStringLiteral("scan"));
        QCOMPARE(fellBack.value(QStringLiteral("fell_back")).toBool(), true);
        QCOMPARE(fellBack.value(QStringLiteral("recall_at_10")).toDouble(), 0.5);

        capped.setEnvironment(QStringLiteral("SEMSEARCH_APPROXIMATE_FROM"), QStringLiteral("lots"));
        const RunResult bad = capped.run({QStringLiteral("status")});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(isOneLine(bad.err) && bad.err.contains("SEMSEARCH_APPROXIMATE_FROM"),
                 bad.err.constData());
    }

    void unknownAbortPointIsABadUsage() {
        CliFixture cli(base());
        QVERIFY(QDir().mkpath(base()));
        QProcessEnvironment environment = cli.environment();
        environment.insert(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"), QStringLiteral("lunch"));
        const RunResult run = runCli({QStringLiteral("index"), base()}, {}, environment);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(isOneLine(run.err) && run.err.contains("lunch"), run.err.constData());
    }

    // Random byte damage to index.sqlite: verify says so on stderr too; index and remove refuse
    // to write into it and leave it as it is; verify --repair rebuilds it from what can be read
    // and says what was lost; the next index run makes it whole again.
    void damagedDatabaseIsRefusedThenRepaired() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        for (int i = 0; i < 60; ++i)
            QVERIFY(
                writeFile(docs + QStringLiteral("/%1/note%2.txt").arg(i % 4).arg(i), prose(i, 12)));
        const RunResult indexed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        const QString database = cli.index() + QStringLiteral("/index.sqlite");
        QVERIFY(!QFile::exists(database + QStringLiteral("-wal"))); // folded in on close
        {
            QFile file(database);
            QVERIFY(file.open(QIODevice::ReadWrite));
            const qint64 size = file.size();
            QVERIFY(size > 64 * 1024);
            std::mt19937 random(12);
            for (int burst = 0; burst < 8; ++burst) {
                // Never page 1: with the schema gone nothing at all could be read.
                QVERIFY(file.seek(4096 + qint64(random() % quint32(size - 4096 - 256))));
                QByteArray bytes(256, '\0');
                for (char& byte : bytes)
                    byte = char(random());
                QCOMPARE(file.write(bytes), qint64(bytes.size()));
            }
        }
        const QByteArray damaged = readFile(database);

        const RunResult verify = cli.run({QStringLiteral("verify")});
        QCOMPARE(verify.exitCode, 1);
        QVERIFY2(verify.out.contains("problem: "), verify.out.constData());
        QVERIFY2(isOneLine(verify.err) && verify.err.contains("verify --repair"),
                 verify.err.constData());
        for (const QStringList& write :
             {QStringList{QStringLiteral("index"), docs, QStringLiteral("--quiet")},
              QStringList{QStringLiteral("remove"), docs + QStringLiteral("/0")}}) {
            const RunResult refused = cli.run(write);
            QCOMPARE(refused.exitCode, 1);
            QVERIFY2(isOneLine(refused.err) && refused.err.contains("damaged") &&
                         refused.err.contains("verify --repair"),
                     refused.err.constData());
            QVERIFY(readFile(database) == damaged);
        }

        const RunResult repair = cli.run({QStringLiteral("verify"), QStringLiteral("--repair")});
        QVERIFY2(repair.out.contains("repaired: ") && repair.out.contains("index.sqlite.damaged"),
                 repair.out.constData());
        if (repair.exitCode != 0) { // something was lost: said on stdout, and on stderr
            QCOMPARE(repair.exitCode, 1);
            QVERIFY2(repair.out.contains("lost: "), repair.out.constData());
            QVERIFY2(isOneLine(repair.err) && repair.err.contains(docs.toUtf8()),
                     repair.err.constData());
        }
        QVERIFY(readFile(database + QStringLiteral(".damaged")) == damaged);
        const RunResult healthy = cli.run({QStringLiteral("verify")});
        QVERIFY2(healthy.exitCode == 0, (healthy.out + healthy.err).constData());

        const RunResult again = cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const RunResult verified = cli.run({QStringLiteral("verify")});
        QVERIFY2(verified.exitCode == 0, (verified.out + verified.err).constData());
        CliFixture clean(base() + QStringLiteral("/clean"));
        QCOMPARE(clean.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        const QStringList differences =
            exportDifferences(exportedPassages(cli), exportedPassages(clean));
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(QLatin1Char('\n'))));
    }

    // A lost database beside a cache full of vectors is not "no index here yet", and no
    // command quietly makes a new, empty one.
    void lostDatabaseIsReportedAsLost_data() {
        QTest::addColumn<bool>("truncated");
        QTest::newRow("0 bytes") << true;
        QTest::newRow("deleted") << false;
    }
    void lostDatabaseIsReportedAsLost() {
        QFETCH(bool, truncated);
        CliFixture cli(base() + (truncated ? QStringLiteral("/empty") : QStringLiteral("/gone")));
        const QString docs = base() + QStringLiteral("/docs");
        for (int i = 0; i < 5; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/note%1.txt").arg(i), prose(i, 8)));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
        const int passages =
            QJsonDocument::fromJson(status.out).object().value(QStringLiteral("passages")).toInt();
        QVERIFY(passages > 5);
        const QString database = cli.index() + QStringLiteral("/index.sqlite");
        if (truncated)
            QVERIFY(QFile(database).resize(0));
        else
            QVERIFY(QFile::remove(database));

        for (const QStringList& command :
             {QStringList{QStringLiteral("status")},
              QStringList{QStringLiteral("search"), QStringLiteral("cats")},
              QStringList{QStringLiteral("verify")},
              QStringList{QStringLiteral("verify"), QStringLiteral("--repair")},
              QStringList{QStringLiteral("index"), docs, QStringLiteral("--quiet")},
              QStringList{QStringLiteral("remove"), docs}}) {
            const RunResult run = cli.run(command);
            QCOMPARE(run.exitCode, 1);
            QVERIFY2(isOneLine(run.err) &&
                         run.err.contains(truncated ? "the database is empty"
                                                    : "the database is missing") &&
                         run.err.contains(QByteArray::number(passages) + " vectors") &&
                         run.err.contains("lost or truncated"),
                     run.err.constData());
            QVERIFY(!run.out.contains("ok"));
        }
        QCOMPARE(QFileInfo::exists(database), truncated);
        if (truncated)
            QCOMPARE(QFileInfo(database).size(), 0);
    }

    // verify's exit 1 comes with its one line on stderr, as every command's does; a damaged
    // vector cache is what --repair can rebuild entirely.
    void verifyFailureGivesOneLineOnStderr() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), prose(1, 8)));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        QFile cache(cli.index() + QStringLiteral("/vectors.faiss"));
        QVERIFY(cache.open(QIODevice::ReadWrite) && cache.resize(cache.size() - 8));
        cache.close();
        const RunResult verify = cli.run({QStringLiteral("verify")});
        QCOMPARE(verify.exitCode, 1);
        QVERIFY2(verify.out.contains("problem: ") && verify.out.contains("vectors.faiss"),
                 verify.out.constData());
        QVERIFY2(isOneLine(verify.err) && verify.err.contains(cli.index().toUtf8()) &&
                     verify.err.contains("1 problems"),
                 verify.err.constData());
        const RunResult repair = cli.run({QStringLiteral("verify"), QStringLiteral("--repair")});
        QVERIFY2(repair.exitCode == 0 && repair.err.isEmpty(), repair.err.constData());
        QVERIFY(repair.out.contains("repaired: the vector index was rebuilt"));
        QCOMPARE(cli.run({QStringLiteral("verify")}).exitCode, 0);
    }

    void badInputGivesOneLineAndExitOne() {
        CliFixture cli(base());
        const RunResult missing =
            cli.run({QStringLiteral("index"), base() + QStringLiteral("/nope")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(isOneLine(missing.err), missing.err.constData());
        QVERIFY(missing.err.contains("/nope"));

        const RunResult noIndex = cli.run({QStringLiteral("search"), QStringLiteral("x")});
        QCOMPARE(noIndex.exitCode, 1);
        QVERIFY2(isOneLine(noIndex.err), noIndex.err.constData());

        const RunResult noQuery = cli.run({QStringLiteral("search")});
        QCOMPARE(noQuery.exitCode, 2);

        // A database that is not one: a clear error naming it, and the file is left alone.
        QVERIFY(writeFile(cli.index() + QStringLiteral("/index.sqlite"), QByteArray(4096, 'x')));
        const RunResult corrupt = cli.run({QStringLiteral("status")});
        QCOMPARE(corrupt.exitCode, 1);
        QVERIFY2(isOneLine(corrupt.err), corrupt.err.constData());
        QVERIFY2(corrupt.err.contains("index.sqlite"), corrupt.err.constData());
        QFile file(cli.index() + QStringLiteral("/index.sqlite"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray(4096, 'x'));
    }

    // Ctrl-C stops after the current batch: exit 1, a one-line note, a healthy index.
    void interruptStopsCleanly() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        for (int i = 0; i < 1500; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/%1/note%2.txt").arg(i % 10).arg(i),
                              prose(i, 24)));
        QProcess process;
        process.setProcessEnvironment(cli.environment());
        process.start(QStringLiteral(SEMSEARCH_CLI),
                      {QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY(process.waitForStarted());
        const QString wal = cli.index() + QStringLiteral("/index.sqlite-wal");
        QElapsedTimer waited;
        waited.start();
        // Past the schema and into the documents: the WAL holds a few batches.
        while (process.state() == QProcess::Running && QFileInfo(wal).size() < 512 * 1024 &&
               waited.elapsed() < kGenerousWaitMs)
            QTest::qWait(10);
        const qint64 pid = process.processId();
        QVERIFY2(process.state() == QProcess::Running && pid > 0, "indexing ended too soon");
        ::kill(pid_t(pid), SIGINT);
        QVERIFY(process.waitForFinished(kGenerousWaitMs));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(isOneLine(err) && err.contains("interrupted"), err.constData());

        const RunResult verify = cli.run({QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, (verify.out + verify.err).constData());
        const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
        const int kept =
            QJsonDocument::fromJson(status.out).object().value(QStringLiteral("documents")).toInt();
        QVERIFY2(kept > 0 && kept < 1500, qPrintable(QString::number(kept)));
    }

    // kill -9 at several moments: the index always opens and verifies, and a final run
    // completes it with every file exactly once.
    void killedIndexingResumes() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        const int files = 1500;
        for (int i = 0; i < files; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/%1/note%2.txt").arg(i % 10).arg(i),
                              prose(i, 24)));

        // Each round waits for the first commit of its run (the WAL file grows), then kills
        // the process at once or a little later, and checks the index it leaves behind.
        const QString wal = cli.index() + QStringLiteral("/index.sqlite-wal");
        int killedMidRun = 0;
        for (int extraMs : {0, 150, 400}) {
            const qint64 walBefore = QFileInfo(wal).size();
            QProcess process;
            process.setProcessEnvironment(cli.environment());
            process.start(QStringLiteral(SEMSEARCH_CLI),
                          {QStringLiteral("index"), docs, QStringLiteral("--quiet")});
            QVERIFY(process.waitForStarted());
            QElapsedTimer waited;
            waited.start();
            while (process.state() == QProcess::Running && QFileInfo(wal).size() <= walBefore &&
                   waited.elapsed() < kGenerousWaitMs)
                QTest::qWait(10);
            QTest::qWait(extraMs);
            // processId() is 0 once the process has ended, and kill(0) would signal this test's
            // whole process group.
            const qint64 pid = process.processId();
            if (process.state() == QProcess::Running && pid > 0)
                ::kill(pid_t(pid), SIGKILL);
            process.waitForFinished(kGenerousWaitMs);
            QCOMPARE(process.state(), QProcess::NotRunning);
            killedMidRun += process.exitStatus() == QProcess::CrashExit ? 1 : 0;

            const RunResult verify = cli.run({QStringLiteral("verify")});
            if (verify.exitCode == 1 && verify.err.contains("no index here yet"))
                continue; // killed inside the very first transaction: nothing to keep
            QVERIFY2(verify.exitCode == 0, (verify.out + verify.err).constData());
        }
        qInfo("%d of 3 runs killed in the middle", killedMidRun);
        QVERIFY2(killedMidRun > 0, "indexing always finished before the kill; make it longer");
        const RunResult finished =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(finished.exitCode == 0, finished.err.constData());
        const RunResult verify = cli.run({QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, verify.out.constData());

        const RunResult exported = cli.run({QStringLiteral("export")});
        QCOMPARE(exported.exitCode, 0);
        std::set<QString> documents;
        std::set<QString> passages;
        for (const QJsonObject& row : jsonLines(exported.out)) {
            documents.insert(row.value(QStringLiteral("path")).toString());
            const QString key = row.value(QStringLiteral("path")).toString() + QLatin1Char(':') +
                                QString::number(row.value(QStringLiteral("start")).toInteger());
            QVERIFY2(passages.insert(key).second, qPrintable(QStringLiteral("duplicate ") + key));
        }
        QCOMPARE(int(documents.size()), files);
    }

    // search --json gives each passage's best sentences: checked against a brute force over
    // sentences cut by hand, each embedded by `semsearch-cli embed`, positions in code points
    // (the first sentence holds a character outside the BMP, two UTF-16 units).
    void searchJsonGivesEachPassagesBestSentences() {
        CliFixture cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        const QStringList sentences = {
            QStringLiteral("My cat \U0001F408 sleeps on the warm windowsill."),
            QStringLiteral("The tax return is due in April."),
            QStringLiteral("Whisk the eggs with sugar until pale."),
            QStringLiteral("Where does the old bridge cross the river?")};
        const QString text = sentences.join(QLatin1Char(' '));
        QVERIFY(writeFile(docs + QStringLiteral("/notes.txt"), text.toUtf8() + '\n'));
        const RunResult indexed =
            cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());

        int losers = 0;
        for (const QString& query :
             {QStringLiteral("where does the cat sleep"), QStringLiteral("baking a cake"),
              QStringLiteral("crossing water")}) {
            const std::vector<float> q = embedQuery(cli, query.toUtf8());
            QCOMPARE(q.size(), std::size_t(32));
            std::vector<double> scores;
            for (const QString& sentence : sentences) {
                const std::vector<float> v = embedQuery(cli, sentence.toUtf8());
                QCOMPARE(v.size(), q.size());
                scores.push_back(cosine(v, q));
            }
            const double top = *std::max_element(scores.begin(), scores.end());
            QJsonArray expected; // start, end in code points
            qint64 at = 0;
            for (qsizetype i = 0; i < sentences.size(); ++i) {
                const qint64 length = sentences[i].toUcs4().size();
                if (scores[i] >= top - 0.02)
                    expected.append(QJsonArray{at, at + length});
                else
                    ++losers;
                at += length + 1;
            }

            for (const bool passagesMode : {false, true}) {
                QStringList arguments = {QStringLiteral("search"), query, QStringLiteral("--json")};
                if (passagesMode)
                    arguments << QStringLiteral("--passages");
                const RunResult search = cli.run(arguments);
                QVERIFY2(search.exitCode == 0, search.err.constData());
                QJsonObject passage = QJsonDocument::fromJson(search.out)
                                          .object()
                                          .value(QStringLiteral("results"))
                                          .toArray()
                                          .first()
                                          .toObject();
                if (!passagesMode)
                    passage =
                        passage.value(QStringLiteral("passages")).toArray().first().toObject();
                QCOMPARE(passage.value(QStringLiteral("text")).toString(), text);
                QJsonArray actual;
                const QJsonArray best = passage.value(QStringLiteral("best_sentences")).toArray();
                for (const QJsonValue& sentence : best) {
                    const QJsonObject s = sentence.toObject();
                    actual.append(QJsonArray{s.value(QStringLiteral("start")).toInteger(),
                                             s.value(QStringLiteral("end")).toInteger()});
                    const qint64 start = s.value(QStringLiteral("start")).toInteger();
                    const auto found = std::find_if(
                        sentences.begin(), sentences.end(), [&](const QString& candidate) {
                            return text.toUcs4().mid(start, candidate.toUcs4().size()) ==
                                   candidate.toUcs4();
                        });
                    QVERIFY(found != sentences.end());
                    const double score = scores[std::size_t(found - sentences.begin())];
                    QVERIFY2(std::fabs(s.value(QStringLiteral("score")).toDouble() - score) <= 1e-4,
                             qPrintable(QString::number(score)));
                }
                QCOMPARE(actual, expected);
            }
        }
        QVERIFY2(losers > 0, "every sentence tied: the queries do not test the choice");
    }
};

QTEST_GUILESS_MAIN(TestCliIndex)
#include "test_cli_index.moc"
