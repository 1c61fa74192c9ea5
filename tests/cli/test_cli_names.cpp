// File names and file contents that a terminal or Qt would mangle, through semsearch-cli as a
// user meets them: names that are not UTF-8 are reported, never dropped; control characters
// in names and passages are shown escaped, never sent to the terminal as they are.

#include "cli_runner.h"
#include "reference_data.h"
#include "test_files.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace semsearch::test;

namespace {

QProcessEnvironment environmentFor(const QString& index) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
    environment.insert(QStringLiteral("SEMSEARCH_INDEX"), index);
    return environment;
}

// Runs semsearch-cli with arguments made by a shell script (printf makes any bytes); the
// script sees the program as $0 and `values` as $1, $2, ...
RunResult runThroughShell(const QString& script, const QStringList& values,
                          const QProcessEnvironment& environment) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral("/bin/sh"),
                  QStringList{QStringLiteral("-c"), script, QStringLiteral(SEMSEARCH_CLI)} +
                      values);
    return finishRun(process);
}

// True when `bytes` holds a C0 control character other than the line breaks that end lines,
// or DEL: what a terminal would act on.
bool holdsControlCharacters(const QByteArray& bytes) {
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && byte != '\n') || byte == 0x7F)
            return true;
    }
    return false;
}

} // namespace

class TestCliNames : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }

private Q_SLOTS:
    // bad\xFF\xFEname.txt: skipped with a reason that status lists and the summary counts.
    void namesThatAreNotUtf8AreSkippedAndListed() {
        const QString docs = base() + QStringLiteral("/docs");
        const auto environment = environmentFor(base() + QStringLiteral("/index"));
        QVERIFY(writeFile(docs + QStringLiteral("/ok.txt"), "Cats sleep all day.\n"));
        QVERIFY(writeFileAtBytes(QFile::encodeName(docs) + "/bad\xFF\xFEname.txt", "Dogs bark.\n"));

        const RunResult indexed = runCli(
            {QStringLiteral("index"), docs, QStringLiteral("--quiet"), QStringLiteral("--json")},
            {}, environment);
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(indexed.out).object();
        QCOMPARE(summary.value(QStringLiteral("added")).toInt(), 1);
        QCOMPARE(summary.value(QStringLiteral("skipped")).toInt(), 1);

        const RunResult status = runCli({QStringLiteral("status")}, {}, environment);
        QCOMPARE(status.exitCode, 0);
        const QByteArray listed =
            "  " + docs.toUtf8() + "/bad\\xFF\\xFEname.txt: file name is not valid UTF-8\n";
        QVERIFY2(status.out.contains(listed), status.out.constData());
        // QTemporaryDir cannot remove what Qt cannot name.
        QCOMPARE(::unlink((QFile::encodeName(docs) + "/bad\xFF\xFEname.txt").constData()), 0);
    }

    // Named on the command line, the error says what is wrong, naming the bytes.
    void nameThatIsNotUtf8NamedDirectly() {
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(QDir().mkpath(docs));
        QVERIFY(writeFileAtBytes(QFile::encodeName(docs) + "/bad\xFF\xFEname.txt", "Dogs bark.\n"));
        const RunResult r =
            runThroughShell(QStringLiteral("exec \"$0\" index \"$1/bad$(printf '\\377\\376')"
                                           "name.txt\""),
                            {docs}, environmentFor(base() + QStringLiteral("/index")));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(isOneLine(r.err), r.err.constData());
        QVERIFY2(r.err.contains(docs.toUtf8() + "/bad\\xFF\\xFEname.txt") &&
                     r.err.contains("not valid UTF-8"),
                 r.err.constData());
        QVERIFY(!r.err.contains("no such file"));
        // Nothing was created for a command that could not start.
        QVERIFY(!QFileInfo::exists(base() + QStringLiteral("/index")));
        QCOMPARE(::unlink((QFile::encodeName(docs) + "/bad\xFF\xFEname.txt").constData()), 0);
    }

    // A newline or an escape sequence in a file name, or in the text of a passage, reaches
    // the terminal escaped; --json keeps the exact name.
    void controlCharactersAreShownEscaped() {
        const QString docs = base() + QStringLiteral("/docs");
        const auto environment = environmentFor(base() + QStringLiteral("/index"));
        const QString name = QStringLiteral("two\nlines\x1B[31m.txt");
        QVERIFY(writeFile(docs + QLatin1Char('/') + name,
                          "Cats sleep all day.\x1B]8;;http://x/\x07 They purr.\n"));
        QVERIFY(::mkfifo(QFile::encodeName(docs + QStringLiteral("/pipe\rname")).constData(),
                         0600) == 0);
        const RunResult indexed =
            runCli({QStringLiteral("index"), docs, QStringLiteral("--quiet")}, {}, environment);
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());

        const QByteArray shown = docs.toUtf8() + "/two\\nlines\\x1B[31m.txt";
        for (const QStringList& extra :
             {QStringList(), QStringList{QStringLiteral("--passages")}}) {
            const RunResult search = runCli(
                QStringList{QStringLiteral("search"), QStringLiteral("sleeping cats")} + extra, {},
                environment);
            QVERIFY2(search.exitCode == 0, search.err.constData());
            QVERIFY2(search.out.contains(shown), search.out.constData());
            QVERIFY2(!holdsControlCharacters(search.out), search.out.constData());
            QVERIFY2(!search.out.contains("two\nlines"), search.out.constData());
        }
        const RunResult json = runCli(
            {QStringLiteral("search"), QStringLiteral("sleeping cats"), QStringLiteral("--json")},
            {}, environment);
        const QJsonArray results =
            QJsonDocument::fromJson(json.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 1);
        QCOMPARE(results[0].toObject().value(QStringLiteral("path")).toString(),
                 docs + QLatin1Char('/') + name);

        const RunResult status = runCli({QStringLiteral("status")}, {}, environment);
        QVERIFY2(status.out.contains(docs.toUtf8() + "/pipe\\rname: not a regular file"),
                 status.out.constData());
        QVERIFY2(!holdsControlCharacters(status.out), status.out.constData());

        // Errors too: one line, escaped.
        const RunResult missing = runCli(
            {QStringLiteral("index"), docs + QStringLiteral("/gone\x1B[2J")}, {}, environment);
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(isOneLine(missing.err), missing.err.constData());
        QVERIFY2(missing.err.contains("gone\\x1B[2J"), missing.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliNames)
#include "test_cli_names.moc"
