// semsearch-cli search's modes, query language and JSON, and the keyword index's crash safety,
// run as a user would.

#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "test_files.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include <set>

using namespace semsearch::test;

namespace {

class Cli {
public:
    explicit Cli(const QString& base) {
        m_environment = QProcessEnvironment::systemEnvironment();
        m_environment.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
        m_environment.insert(QStringLiteral("SEMSEARCH_INDEX"), base + QStringLiteral("/index"));
    }
    RunResult run(const QStringList& arguments) const {
        return runCli(arguments, {}, m_environment);
    }
    const QProcessEnvironment& environment() const { return m_environment; }

private:
    QProcessEnvironment m_environment;
};

// Runs SQL on a connection of its own, as another program would.
bool execSql(const QString& database, const char* sql) {
    sqlite3* db = nullptr;
    const bool ok = sqlite3_open(QFile::encodeName(database).constData(), &db) == SQLITE_OK &&
                    sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok)
        qWarning("%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok;
}

QJsonArray results(const RunResult& run) {
    return QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray();
}

} // namespace

class TestCliSearch : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }

private Q_SLOTS:
    // Killed inside a commit, the passages and the keyword index are still one: verify finds
    // nothing to repair, and the keyword index finds exactly the documents that were committed.
    void killedRunLeavesPassagesAndKeywordIndexAgreeing() {
        Cli cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        for (int i = 0; i < 40; ++i)
            QVERIFY(writeFile(docs + QStringLiteral("/n%1.txt").arg(i),
                              "The heron " + QByteArray::number(i) + " waits by the pond.\n"));
        QProcessEnvironment environment = cli.environment();
        environment.insert(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"),
                           QStringLiteral("after-commit"));
        QProcess killed;
        killed.setProcessEnvironment(environment);
        killed.start(QStringLiteral(SEMSEARCH_CLI),
                     {QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY(killed.waitForFinished(300000));
        QCOMPARE(killed.exitStatus(), QProcess::CrashExit);

        const RunResult verify = cli.run({QStringLiteral("verify"), QStringLiteral("--repair")});
        QVERIFY2(verify.exitCode == 0, (verify.out + verify.err).constData());
        QVERIFY2(!verify.out.contains("keyword"), verify.out.constData());
        std::set<QString> exported;
        const RunResult all = cli.run({QStringLiteral("export")});
        for (const QByteArray& line : all.out.split('\n'))
            if (!line.isEmpty())
                exported.insert(QJsonDocument::fromJson(line)
                                    .object()
                                    .value(QStringLiteral("path"))
                                    .toString());
        QVERIFY(!exported.empty());
        const RunResult found =
            cli.run({QStringLiteral("search"), QStringLiteral("heron"), QStringLiteral("--mode"),
                     QStringLiteral("keyword"), QStringLiteral("--json"), QStringLiteral("-k"),
                     QStringLiteral("100")});
        QCOMPARE(found.exitCode, 0);
        std::set<QString> byKeyword;
        for (const QJsonValue& hit : results(found))
            byKeyword.insert(hit.toObject().value(QStringLiteral("path")).toString());
        QVERIFY(byKeyword == exported);
    }

    void jsonCarriesKeywordHitsAndDuplicates() {
        Cli cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        const QByteArray note = "Caf\xc3\xa9 notes: the osprey returned in spring.\n";
        QVERIFY(writeFile(docs + QStringLiteral("/a/note.txt"), note));
        QVERIFY(writeFile(docs + QStringLiteral("/b/note.txt"), note));
        QVERIFY(writeFile(docs + QStringLiteral("/c.txt"), "Nothing about birds here.\n"));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        const RunResult found = cli.run({QStringLiteral("search"), QStringLiteral("Osprey"),
                                         QStringLiteral("--json")}); // hybrid, the default
        QVERIFY2(found.exitCode == 0, found.err.constData());
        const QJsonArray hits = results(found);
        QCOMPARE(hits.size(), 2); // the copies fold into one
        const QJsonObject first = hits[0].toObject();
        const QString path = first.value(QStringLiteral("path")).toString();
        QCOMPARE(path, docs + QStringLiteral("/a/note.txt"));
        QCOMPARE(first.value(QStringLiteral("duplicates")).toArray(),
                 QJsonArray{docs + QStringLiteral("/b/note.txt")});
        const QJsonArray ranges = first.value(QStringLiteral("passages"))
                                      .toArray()[0]
                                      .toObject()
                                      .value(QStringLiteral("keyword_hits"))
                                      .toArray();
        QCOMPARE(ranges.size(), 1);
        const qint64 start = ranges[0].toObject().value(QStringLiteral("start")).toInteger();
        const qint64 end = ranges[0].toObject().value(QStringLiteral("end")).toInteger();
        QCOMPARE(note.mid(start, end - start), QByteArray("osprey"));
        QVERIFY(hits[1].toObject().value(QStringLiteral("duplicates")).toArray().isEmpty());

        // --like: never the file itself nor its copy.
        const RunResult like =
            cli.run({QStringLiteral("search"), QStringLiteral("--like"),
                     docs + QStringLiteral("/a/note.txt"), QStringLiteral("--json")});
        QVERIFY2(like.exitCode == 0, like.err.constData());
        QCOMPARE(results(like).size(), 1);
        QCOMPARE(results(like)[0].toObject().value(QStringLiteral("path")).toString(),
                 docs + QStringLiteral("/c.txt"));
    }

    // Keyword search reads only the database: it answers with a model folder that holds no
    // model (and so could not load one), where the other modes fail naming the model.
    void keywordModeLoadsNoModel() {
        Cli cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/kite.txt"), "A red kite circled the hill.\n"));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        QTemporaryDir empty;
        const QStringList search{QStringLiteral("search"), QStringLiteral("kite"),
                                 QStringLiteral("--model"), empty.path(), QStringLiteral("--json")};
        const RunResult keyword =
            cli.run(search + QStringList{QStringLiteral("--mode"), QStringLiteral("keyword")});
        QVERIFY2(keyword.exitCode == 0, keyword.err.constData());
        QCOMPARE(results(keyword).size(), 1);
        const QJsonObject passage = results(keyword)[0]
                                        .toObject()
                                        .value(QStringLiteral("passages"))
                                        .toArray()[0]
                                        .toObject();
        QVERIFY(passage.value(QStringLiteral("best_sentences")).toArray().isEmpty());
        QCOMPARE(passage.value(QStringLiteral("keyword_hits")).toArray().size(), 1);
        const RunResult hybrid = cli.run(search);
        QVERIFY(hybrid.exitCode != 0);
        QVERIFY2(isOneLine(hybrid.err), hybrid.err.constData());
    }

    // The text output marks the query's words as grep --color does, only when asked (or on a
    // terminal), and keeps the rest of the line as it was.
    void colorMarksTheQueryWords() {
        Cli cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/owl.txt"),
                          "The barn  owl\nhunts at dusk over the snake_case field.\n"));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        const QStringList search{QStringLiteral("search"), QStringLiteral("\"barn owl\" snake"),
                                 QStringLiteral("--mode"), QStringLiteral("keyword")};
        const RunResult marked =
            cli.run(search + QStringList{QStringLiteral("--color"), QStringLiteral("always")});
        QVERIFY2(marked.exitCode == 0, marked.err.constData());
        QVERIFY2(marked.out.contains("The \x1b[1;31mbarn owl\x1b[0m hunts at dusk over the "
                                     "\x1b[1;31msnake_case\x1b[0m field."),
                 marked.out.constData());
        // Not a terminal: auto marks nothing.
        for (const QStringList& plain :
             {search, search + QStringList{QStringLiteral("--color"), QStringLiteral("never")}}) {
            const RunResult run = cli.run(plain);
            QVERIFY2(run.exitCode == 0, run.err.constData());
            QVERIFY2(run.out.contains("The barn owl hunts at dusk over the snake_case field."),
                     run.out.constData());
            QVERIFY(!run.out.contains('\x1b'));
        }
        const RunResult bad =
            cli.run(search + QStringList{QStringLiteral("--color"), QStringLiteral("sometimes")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(isOneLine(bad.err), bad.err.constData());
    }

    // A keyword index that lost its trigger (a program writing the database without it) is a
    // problem verify names; verify --repair rebuilds it from the passages, and the words of
    // every passage are found again.
    void verifyFindsABrokenKeywordIndexAndRepairRebuildsIt() {
        Cli cli(base());
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/wren.txt"), "A wren sang in the hedge.\n"));
        QCOMPARE(cli.run({QStringLiteral("index"), docs, QStringLiteral("--quiet")}).exitCode, 0);
        const QString database = base() + QStringLiteral("/index/index.sqlite");
        QVERIFY(execSql(database, "DELETE FROM passage_keywords_docsize"));
        const RunResult found = cli.run({QStringLiteral("verify")});
        QVERIFY(found.exitCode != 0);
        QVERIFY2(found.out.contains("keyword index lacks 1 passages") ||
                     found.err.contains("keyword index lacks 1 passages"),
                 (found.out + found.err).constData());
        const RunResult repaired = cli.run({QStringLiteral("verify"), QStringLiteral("--repair")});
        QVERIFY2(repaired.exitCode == 0, (repaired.out + repaired.err).constData());
        QVERIFY2(repaired.out.contains("keyword index was rebuilt"), repaired.out.constData());
        QCOMPARE(cli.run({QStringLiteral("verify")}).exitCode, 0);
        const RunResult wren =
            cli.run({QStringLiteral("search"), QStringLiteral("wren"), QStringLiteral("--mode"),
                     QStringLiteral("keyword"), QStringLiteral("--json")});
        QCOMPARE(results(wren).size(), 1);
    }

    void badModeAndLikeUsageAreOneLineErrors() {
        Cli cli(base());
        for (const QStringList& arguments :
             {QStringList{QStringLiteral("search"), QStringLiteral("--mode"),
                          QStringLiteral("fuzzy"), QStringLiteral("x")},
              QStringList{QStringLiteral("search"), QStringLiteral("--like"), QStringLiteral("f"),
                          QStringLiteral("x")},
              QStringList{QStringLiteral("search"), QStringLiteral("--like"), QStringLiteral("f"),
                          QStringLiteral("--passages")}}) {
            const RunResult run = cli.run(arguments);
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(isOneLine(run.err), run.err.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestCliSearch)
#include "test_cli_search.moc"
