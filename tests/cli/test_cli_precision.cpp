// semsearch-cli --precision and SEMSEARCH_PRECISION on index, search and embed; the precision an
// index records (status, refusals, --reembed); model check; and a pretended older CPU.

#include "cli_runner.h"
#include "reference_data.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "semsearch/precision.h"

using namespace semsearch;
using namespace semsearch::test;

namespace {

class Cli {
public:
    explicit Cli(const QString& base) : m_base(base) {
        QDir().mkpath(base + QStringLiteral("/docs"));
        m_environment = QProcessEnvironment::systemEnvironment();
        m_environment.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
        m_environment.insert(QStringLiteral("SEMSEARCH_INDEX"), base + QStringLiteral("/index"));
        m_environment.insert(QStringLiteral("XDG_CACHE_HOME"), base + QStringLiteral("/cache"));
        m_environment.remove(QStringLiteral("SEMSEARCH_PRECISION"));
        m_environment.remove(QStringLiteral("SEMSEARCH_CPU_FEATURES"));
    }
    RunResult run(const QStringList& arguments, const QByteArray& input = {}) const {
        return runCli(arguments, input, m_environment);
    }
    void set(const QString& name, const QString& value) { m_environment.insert(name, value); }
    void unset(const QString& name) { m_environment.remove(name); }
    QString write(const QString& name, const QByteArray& text) const {
        const QString path = m_base + QStringLiteral("/docs/") + name;
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(text) == text.size() ? path
                                                                                  : QString();
    }
    QString docs() const { return m_base + QStringLiteral("/docs"); }

    QString recordedPrecision() const {
        const RunResult status = run({QStringLiteral("status"), QStringLiteral("--json")});
        return QJsonDocument::fromJson(status.out)
            .object()
            .value(QStringLiteral("precision"))
            .toString();
    }
    // The score of the best passage for `query`.
    double bestScore(const QString& query, const QStringList& extra = {}) const {
        const RunResult found =
            run(QStringList{QStringLiteral("search"), query, QStringLiteral("--passages"),
                            QStringLiteral("--json"), QStringLiteral("--mode"),
                            QStringLiteral("semantic")} +
                extra);
        const QJsonArray results =
            QJsonDocument::fromJson(found.out).object().value(QStringLiteral("results")).toArray();
        return results.isEmpty()
                   ? -2.0
                   : results.first().toObject().value(QStringLiteral("score")).toDouble();
    }

private:
    QString m_base;
    QProcessEnvironment m_environment;
};

bool cpuRuns(Precision precision) {
    return checkCpuRuns(precision, probeCpuFeatures()).ok();
}

const QByteArray kCat = "The cat sat on the mat.\n";

} // namespace

class TestCliPrecision : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }

private Q_SLOTS:
    // An index keeps the precision of its first vectors: status shows it, another precision is
    // refused with the way out, and --reembed --precision switches it.
    void anIndexKeepsItsPrecision() {
        if (!cpuRuns(Precision::Bf16) || !cpuRuns(Precision::Int8))
            QSKIP("needs a CPU with both fast modes");
        Cli cli(base());
        QVERIFY(!cli.write(QStringLiteral("cat.txt"), kCat).isEmpty());
        QCOMPARE(cli.run({QStringLiteral("status")}).exitCode, 1); // no index yet
        QCOMPARE(cli.run({QStringLiteral("index"), cli.docs(), QStringLiteral("--quiet"),
                          QStringLiteral("--precision"), QStringLiteral("bf16")})
                     .exitCode,
                 0);
        QCOMPARE(cli.recordedPrecision(), QStringLiteral("bf16"));
        QVERIFY(cli.run({QStringLiteral("status")}).out.contains("precision: bf16\n"));

        const QString more = cli.write(QStringLiteral("dog.txt"), "A dog barked at night.\n");
        const RunResult refused = cli.run({QStringLiteral("index"), more, QStringLiteral("--quiet"),
                                           QStringLiteral("--precision"), QStringLiteral("int8")});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY(isOneLine(refused.err));
        QVERIFY2(refused.err.contains("holds bf16 vectors") &&
                     refused.err.contains("'semsearch-cli index --reembed --precision int8'"),
                 refused.err.constData());
        // Without a precision (auto), the index's own is used.
        QCOMPARE(cli.run({QStringLiteral("index"), more, QStringLiteral("--quiet")}).exitCode, 0);
        QCOMPARE(cli.recordedPrecision(), QStringLiteral("bf16"));

        cli.set(QStringLiteral("SEMSEARCH_PRECISION"), QStringLiteral("int8"));
        const RunResult switched = cli.run(
            {QStringLiteral("index"), QStringLiteral("--reembed"), QStringLiteral("--quiet")});
        QCOMPARE(switched.exitCode, 0);
        QCOMPARE(cli.recordedPrecision(), QStringLiteral("int8"));
        const RunResult status = cli.run({QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(
            QJsonDocument::fromJson(status.out).object().value(QStringLiteral("passages")).toInt(),
            2);
    }

    // A query is embedded in the index's precision unless told otherwise: a passage searched for
    // by its own text then meets its own vector (cosine 1 up to float rounding), where an fp32
    // query meets it only within int8's error.
    void aSearchEmbedsInTheIndexsPrecision() {
        if (!cpuRuns(Precision::Int8))
            QSKIP("needs a CPU with int8");
        Cli cli(base());
        QVERIFY(!cli.write(QStringLiteral("cat.txt"), kCat).isEmpty());
        QCOMPARE(cli.run({QStringLiteral("index"), cli.docs(), QStringLiteral("--quiet"),
                          QStringLiteral("--precision"), QStringLiteral("int8")})
                     .exitCode,
                 0);
        const double same = cli.bestScore(QStringLiteral("The cat sat on the mat."));
        const double fp32 = cli.bestScore(QStringLiteral("The cat sat on the mat."),
                                          {QStringLiteral("--precision"), QStringLiteral("fp32")});
        QVERIFY2(same > 0.999999, qPrintable(QString::number(same, 'g', 10)));
        QVERIFY2(fp32 < same - 1e-6 && fp32 > 0.99, qPrintable(QString::number(fp32, 'g', 10)));
    }

    // An older CPU, pretended: a fast mode asked for by name is one clear line and exit 1; auto
    // runs fp32; an index whose vectors this CPU cannot make is still searched, but not added to.
    void aPretendedOldCpu() {
        Cli cli(base());
        QVERIFY(!cli.write(QStringLiteral("cat.txt"), kCat).isEmpty());
        const bool int8 = cpuRuns(Precision::Int8);
        if (int8)
            QCOMPARE(cli.run({QStringLiteral("index"), cli.docs(), QStringLiteral("--quiet"),
                              QStringLiteral("--precision"), QStringLiteral("int8")})
                         .exitCode,
                     0);
        cli.set(QStringLiteral("SEMSEARCH_CPU_FEATURES"), QStringLiteral("none"));
        const RunResult refused = cli.run(
            {QStringLiteral("embed"), QStringLiteral("--precision"), QStringLiteral("bf16")},
            "hello\n");
        QCOMPARE(refused.exitCode, 1);
        QCOMPARE(
            refused.err,
            QByteArray("semsearch-cli: bf16 needs AVX512_BF16 or AMX; this CPU has neither\n"));
        const RunResult embedded = cli.run(
            {QStringLiteral("embed"), QStringLiteral("--precision"), QStringLiteral("auto")},
            "hello\n");
        QCOMPARE(embedded.exitCode, 0);
        if (!int8)
            return;
        const RunResult search = cli.run({QStringLiteral("search"), QStringLiteral("cat")});
        QCOMPARE(search.exitCode, 0);
        QVERIFY(search.out.contains("cat.txt"));
        const QString more = cli.write(QStringLiteral("dog.txt"), "A dog barked at night.\n");
        const RunResult adding =
            cli.run({QStringLiteral("index"), more, QStringLiteral("--quiet")});
        QCOMPARE(adding.exitCode, 1);
        QVERIFY(isOneLine(adding.err));
        QVERIFY2(adding.err.contains("holds int8 vectors, which cannot be made here") &&
                     adding.err.contains("--reembed"),
                 adding.err.constData());
        // Re-embedding for this machine picks fp32 and takes the new file too.
        QCOMPARE(cli.run({QStringLiteral("index"), QStringLiteral("--reembed"), more,
                          QStringLiteral("--quiet")})
                     .exitCode,
                 0);
        QCOMPARE(cli.recordedPrecision(), QStringLiteral("fp32"));
    }

    void badPrecisionNamesAreUsageErrors() {
        Cli cli(base());
        const RunResult flag = cli.run(
            {QStringLiteral("embed"), QStringLiteral("--precision"), QStringLiteral("fp16")},
            "x\n");
        QCOMPARE(flag.exitCode, 2);
        QCOMPARE(flag.err, QByteArray("semsearch-cli: --precision takes fp32, bf16, int8 or auto, "
                                      "not 'fp16'\n"));
        cli.set(QStringLiteral("SEMSEARCH_PRECISION"), QStringLiteral("fast"));
        const RunResult variable = cli.run({QStringLiteral("search"), QStringLiteral("x")});
        QCOMPARE(variable.exitCode, 2);
        QVERIFY(variable.err.contains("SEMSEARCH_PRECISION takes"));
    }

    // embed stays a reference tool: fp32 unless asked.
    void embedDefaultsToFp32() {
        Cli cli(base());
        cli.set(QStringLiteral("SEMSEARCH_CPU_FEATURES"), QStringLiteral("none"));
        const RunResult old = cli.run({QStringLiteral("embed")}, "The cat sat on the mat.\n");
        cli.unset(QStringLiteral("SEMSEARCH_CPU_FEATURES"));
        const RunResult plain = cli.run({QStringLiteral("embed")}, "The cat sat on the mat.\n");
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(plain.out, old.out);
        if (cpuRuns(Precision::Int8)) {
            const RunResult int8 = cli.run(
                {QStringLiteral("embed"), QStringLiteral("--precision"), QStringLiteral("int8")},
                "The cat sat on the mat.\n");
            QCOMPARE(int8.exitCode, 0);
            QVERIFY(int8.out != plain.out);
        }
    }

    void modelCheckPrintsTheFigures() {
        Cli cli(base());
        const RunResult check = cli.run({QStringLiteral("model"), QStringLiteral("check")});
        QCOMPARE(check.exitCode, 0);
        QVERIFY2(check.out.contains("\nfp32  reference; "), check.out.constData());
        if (cpuRuns(Precision::Bf16))
            QVERIFY(check.out.contains("\nbf16  passed: mean cosine "));
        if (cpuRuns(Precision::Int8)) {
            QVERIFY(check.out.contains("\nint8  passed: mean cosine "));
            QVERIFY(check.out.contains("\nauto:  int8\n"));
        }
        QVERIFY(QFile::exists(base() + QStringLiteral("/cache/semsearch/precision-checks.json")));

        cli.set(QStringLiteral("SEMSEARCH_CPU_FEATURES"), QStringLiteral("none"));
        const RunResult old = cli.run({QStringLiteral("model"), QStringLiteral("check")});
        QCOMPARE(old.exitCode, 0);
        QVERIFY(old.out.contains(
            "\nbf16  unavailable: bf16 needs AVX512_BF16 or AMX; this CPU has neither\n"));
        QVERIFY(old.out.contains("\nauto:  fp32\n"));
        const RunResult bad = cli.run({QStringLiteral("model"), QStringLiteral("check"),
                                       QStringLiteral("--precision"), QStringLiteral("fp32")});
        QCOMPARE(bad.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliPrecision)
#include "test_cli_precision.moc"
