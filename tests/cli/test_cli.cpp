// semsearch-cli's contracts, checked by running the real executable: output formats, agreement
// with the upstream references, exit codes and one-line errors.

#include "cli_runner.h"
#include "reference_data.h"

#include <QJsonArray>
#include <QProcess>
#include <QtTest>

#include <cmath>

using namespace semsearch::test;

namespace {

QStringList modelArgs(const char* command) {
    return {QLatin1String(command), QStringLiteral("--model"), tinyModelPath()};
}

// The reference sentences as JSON Lines, each line one JSON string.
QByteArray sentencesAsJsonLines() {
    QByteArray input;
    for (const QString& text : referenceSentences()) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
        input += wrapped.mid(1, wrapped.size() - 2) + '\n';
    }
    return input;
}

std::vector<QJsonArray> parseLines(const QByteArray& out) {
    std::vector<QJsonArray> rows;
    for (const QByteArray& line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        rows.push_back(QJsonDocument::fromJson(line).array());
    }
    return rows;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

    QByteArray m_helloWorldVector; // `embed` of "hello world", once

private Q_SLOTS:
    void tokenizeMatchesReference_data() {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("field");
        QTest::newRow("default: max_seq_length") << QStringList() << QStringLiteral("input_ids");
        QTest::newRow("--max-length 0")
            << QStringList{QStringLiteral("--max-length"), QStringLiteral("0")}
            << QStringLiteral("input_ids_full");
    }
    void tokenizeMatchesReference() {
        QFETCH(QStringList, extra);
        QFETCH(QString, field);
        const RunResult r = runCli(modelArgs("tokenize") << QStringLiteral("--jsonl") << extra,
                                   sentencesAsJsonLines());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = parseLines(r.out);
        const auto reference = readReference(QStringLiteral("tokens.jsonl"));
        QCOMPARE(rows.size(), std::size_t(65));
        QCOMPARE(rows.size(), reference.size());
        for (std::size_t i = 0; i < rows.size(); ++i)
            QCOMPARE(rows[i], reference[i].value(field).toArray());
    }

    void tokenizeCutsToMaxLength() {
        const RunResult r =
            runCli(modelArgs("tokenize") << QStringLiteral("--max-length") << QStringLiteral("4"),
                   "one two three four five\n");
        QCOMPARE(r.exitCode, 0);
        // [CLS] one two [SEP], ids from bert-base-uncased's vocab.txt.
        QCOMPARE(r.out, QByteArray("[101,2028,2048,102]\n"));
    }

    void embedMatchesReference() {
        const RunResult r =
            runCli(modelArgs("embed") << QStringLiteral("--jsonl") << QStringLiteral("--batch-size")
                                      << QStringLiteral("5"),
                   sentencesAsJsonLines());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto rows = parseLines(r.out);
        const auto reference = readReference(QStringLiteral("embeddings.jsonl"));
        QCOMPARE(rows.size(), std::size_t(65));
        QCOMPARE(reference.size(), rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::vector<float> got = toFloatVector(rows[i]);
            const std::vector<float> want = toFloatVector(reference[i].value("embedding"));
            QCOMPARE(got.size(), want.size());
            for (std::size_t j = 0; j < got.size(); ++j)
                QVERIFY2(std::fabs(got[j] - want[j]) <= kEmbeddingTolerance,
                         qPrintable(QString::number(i)));
        }
    }

    // Plain lines and JSON strings give the same vectors; 9 significant digits each.
    void embedPlainLines() {
        const QByteArray plain = "first line\r\nsecond line\nno newline at the end";
        const RunResult a = runCli(modelArgs("embed"), plain);
        const RunResult b = runCli(modelArgs("embed") << QStringLiteral("--jsonl"),
                                   "\"first line\"\n\"second line\"\n\"no newline at the end\"\n");
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(b.exitCode, 0);
        QCOMPARE(a.out.count('\n'), 3);
        QCOMPARE(a.out, b.out);
        // Every number carries at most 9 significant digits (enough to round-trip float32).
        const QByteArray firstLine = a.out.left(a.out.indexOf('\n'));
        const QList<QByteArray> numbers = firstLine.mid(1, firstLine.size() - 2).split(',');
        QCOMPARE(numbers.size(), 32);
        for (const QByteArray& number : numbers) {
            QByteArray digits;
            // Named: a range-for over number.split('e').first() would read the list after the
            // temporary holding it is gone (AddressSanitizer: heap-use-after-free).
            const QByteArray mantissa = number.split('e').first();
            for (char c : mantissa)
                if (c >= '0' && c <= '9' && !(c == '0' && digits.isEmpty())) // skip leading 0s
                    digits.append(c);
            QVERIFY2(!digits.isEmpty() && digits.size() <= 9, number.constData());
        }
    }

    void emptyInputPrintsNothing() {
        const RunResult r = runCli(modelArgs("embed"), QByteArray());
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.isEmpty());
    }

    void helpForEveryCommand_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("top") << QStringList{QStringLiteral("--help")};
        QTest::newRow("embed") << QStringList{QStringLiteral("embed"), QStringLiteral("--help")};
        QTest::newRow("tokenize") << QStringList{QStringLiteral("tokenize"),
                                                 QStringLiteral("--help")};
        QTest::newRow("search") << QStringList{QStringLiteral("search"), QStringLiteral("--help")};
        QTest::newRow("model download") << QStringList{
            QStringLiteral("model"), QStringLiteral("download"), QStringLiteral("--help")};
    }
    void helpForEveryCommand() {
        QFETCH(QStringList, arguments);
        const RunResult r = runCli(arguments);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Usage:"), r.out.constData());
        // A command's usage line names the program and the command, not the path it ran from.
        if (arguments.size() > 1) {
            const QByteArray usage =
                "Usage: semsearch-cli " + arguments.mid(0, arguments.size() - 1).join(' ').toUtf8();
            QVERIFY2(r.out.startsWith(usage), r.out.left(80).constData());
        }
    }

    void versionIsPrinted() {
        const RunResult r = runCli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("semsearch-cli " SEMSEARCH_VERSION "\n"));
    }

    void badUsageExitsTwo_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no command") << QStringList();
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")};
        QTest::newRow("unknown option") << (modelArgs("embed") << QStringLiteral("--frob"));
        QTest::newRow("batch size 0")
            << (modelArgs("embed") << QStringLiteral("--batch-size") << QStringLiteral("0"));
        QTest::newRow("batch size text")
            << (modelArgs("embed") << QStringLiteral("--batch-size") << QStringLiteral("many"));
        QTest::newRow("max length 1")
            << (modelArgs("tokenize") << QStringLiteral("--max-length") << QStringLiteral("1"));
        QTest::newRow("stray argument") << (modelArgs("tokenize") << QStringLiteral("text"));
    }
    void badUsageExitsTwo() {
        QFETCH(QStringList, arguments);
        const RunResult r = runCli(arguments, "hello\n");
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY(!r.err.isEmpty());
    }

    void missingModelFailsWithOneLine() {
        const RunResult r = runCli({QStringLiteral("embed"), QStringLiteral("--model"),
                                    QStringLiteral("/nonexistent/model-folder")},
                                   "hello\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(isOneLine(r.err), r.err.constData());
        QVERIFY(r.err.contains("/nonexistent/model-folder"));
    }

    void modelFromEnvironment() {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
        const RunResult r = runCli({QStringLiteral("tokenize")}, "hello world\n", environment);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("[101,7592,2088,102]\n"));
    }

    void invalidJsonLineNamesTheLine() {
        const RunResult r =
            runCli(modelArgs("tokenize") << QStringLiteral("--jsonl"), "\"ok\"\nnot json\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(isOneLine(r.err), r.err.constData());
        QVERIFY2(r.err.contains("line 2"), r.err.constData());
    }

    // A byte-order mark opens the stream and is no part of the first text; U+FEFF anywhere
    // else is a format character, which BERT's tokenizer deletes (the reference sentence
    // "...joiner\ufeffbom..." in tests/data shows it: tokens "joiner", "##bo", "##m").
    void byteOrderMarkIsNotAnError_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QByteArray>("input");
        const QByteArray bom = "\xEF\xBB\xBF";
        QTest::newRow("plain, at the start") << QStringList() << bom + "hello world\n";
        QTest::newRow("plain, starting a later line")
            << QStringList() << bom + "hello world\n" + bom + "hello world\n";
        QTest::newRow("plain, inside") << QStringList() << "hello" + bom + " world\n";
        QTest::newRow("JSON Lines, at the start")
            << QStringList{QStringLiteral("--jsonl")} << bom + "\"hello world\"\n";
        QTest::newRow("JSON Lines, escaped")
            << QStringList{QStringLiteral("--jsonl")} << QByteArray("\"\\ufeffhello world\"\n");
    }
    void byteOrderMarkIsNotAnError() {
        QFETCH(QStringList, options);
        QFETCH(QByteArray, input);
        const RunResult r = runCli(modelArgs("tokenize") << options, input);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QByteArray hello = "[101,7592,2088,102]\n"; // as modelFromEnvironment
        QCOMPARE(r.out, hello.repeated(input.count('\n')));
        const RunResult embedded = runCli(modelArgs("embed") << options, input);
        QVERIFY2(embedded.exitCode == 0, embedded.err.constData());
        if (m_helloWorldVector.isEmpty())
            m_helloWorldVector = runCli(modelArgs("embed"), "hello world\n").out;
        QVERIFY(m_helloWorldVector.endsWith("]\n"));
        QCOMPARE(embedded.out, m_helloWorldVector.repeated(input.count('\n')));
    }

    // --jsonl reads JSON strings as RFC 8259 defines them, and nothing else.
    void jsonLinesAreStrict_data() {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QByteArray>("problem");
        QTest::newRow("\\x escape")
            << QByteArray("\"\\x41\"") << QByteArray("\\x is not a JSON escape");
        QTest::newRow("\\U escape")
            << QByteArray("\"\\U0041\"") << QByteArray("\\U is not a JSON escape");
        QTest::newRow("\\' escape")
            << QByteArray("\"it\\'s\"") << QByteArray("\\' is not a JSON escape");
        QTest::newRow("short \\u") << QByteArray("\"\\u00e\"") << QByteArray("four hex digits");
        QTest::newRow("raw tab") << QByteArray("\"a\tb\"") << QByteArray("must be escaped");
        QTest::newRow("no closing quote") << QByteArray("\"abc") << QByteArray("no closing quote");
        QTest::newRow("two strings") << QByteArray("\"a\" \"b\"") << QByteArray("more after it");
        QTest::newRow("single quotes") << QByteArray("'a'") << QByteArray("one JSON string");
        QTest::newRow("a number") << QByteArray("42") << QByteArray("one JSON string");
        QTest::newRow("invalid UTF-8")
            << QByteArray("\"caf\xE9\"") << QByteArray("not valid UTF-8");
    }
    void jsonLinesAreStrict() {
        QFETCH(QByteArray, line);
        QFETCH(QByteArray, problem);
        const RunResult r = runCli(modelArgs("tokenize") << QStringLiteral("--jsonl"), line + '\n');
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(isOneLine(r.err), r.err.constData());
        QVERIFY2(r.err.contains("stdin line 1: ") && r.err.contains(problem), r.err.constData());
    }

    // Every escape JSON has, and whitespace around the string, read as JSON says.
    void jsonLinesTakeEveryValidForm() {
        const QByteArray lines = " \"caf\\u00e9 \\/ \\\"q\\\" \\\\ \\ud83d\\ude00\"\t\n"
                                 "\"tab\\there\\nnew\\r\\b\\f\"\n";
        const RunResult json = runCli(modelArgs("tokenize") << QStringLiteral("--jsonl"), lines);
        QVERIFY2(json.exitCode == 0, json.err.constData());
        // The same texts in plain lines (no escapes possible there: tab and the others are
        // whitespace or control characters to the tokenizer, so the ids match).
        const RunResult plain =
            runCli(modelArgs("tokenize"), "caf\xC3\xA9 / \"q\" \\ \xF0\x9F\x98\x80\n"
                                          "tab\there new \b\f\n");
        QVERIFY2(plain.exitCode == 0, plain.err.constData());
        QCOMPARE(json.out, plain.out);
    }

    void invalidUtf8NamesTheLine() {
        const RunResult r = runCli(modelArgs("embed"), "fine\ncaf\xe9\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(isOneLine(r.err), r.err.constData());
        QVERIFY2(r.err.contains("line 2") && r.err.contains("UTF-8"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
