// semsearch-cli index / search / status / remove / verify / export, run as a user would,
// including a kill -9 in the middle of indexing.

#include "brute_force_ranking.h"
#include "cli_runner.h"
#include "generous_wait.h"
#include "reference_data.h"
#include "test_files.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
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

} // namespace

class TestCliIndex : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }

private Q_SLOTS:
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
                     QStringLiteral("--json"), QStringLiteral("-k"), QStringLiteral("5")});
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
        const RunResult top =
            cli.run({QStringLiteral("search"), QStringLiteral("day of the committee"),
                     QStringLiteral("--passages"), QStringLiteral("--json"), QStringLiteral("-k"),
                     QStringLiteral("6")});
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
                         QStringLiteral("--json"), QStringLiteral("-k"), QString::number(k)});
            QVERIFY2(search.exitCode == 0, search.err.constData());
            // The command shows three passages per document.
            const QString difference =
                compareRanking(expected, searchedDocuments(search.out), k, 3);
            QVERIFY2(difference.isEmpty(),
                     qPrintable(QStringLiteral("-k %1: ").arg(k) + difference));
        }
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
};

QTEST_GUILESS_MAIN(TestCliIndex)
#include "test_cli_index.moc"
