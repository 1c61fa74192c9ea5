// semsearch-cli model download / list / info against a local stand-in for the hub, and the
// way out of a model mismatch: --model, or index --reembed.

#include "cli_runner.h"
#include "generous_wait.h"
#include "hub_fixtures.h"
#include "local_hub_server.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/embedder.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kWeights = QStringLiteral("model.safetensors");
const QString kToken = QStringLiteral("hf_cli_token");

QJsonObject tinyConfig() {
    return QJsonDocument::fromJson(readFile(tinyModelPath() + QStringLiteral("/config.json")))
        .object();
}

// The value on the "label: value" line of `model info`'s text output.
QByteArray field(const QByteArray& out, const QByteArray& label) {
    for (const QByteArray& line : out.split('\n'))
        if (line.startsWith(label + ':'))
            return line.mid(label.size() + 1).trimmed();
    return {};
}

} // namespace

class TestCliModel : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    LocalHubServer m_hub;

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }
    // Where downloads go by default: XDG_DATA_HOME points into this test's folder.
    QString modelsFolder() const { return base() + QStringLiteral("/data/semsearch/models"); }

    QProcessEnvironment environment() const {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char* name :
             {"http_proxy", "https_proxy", "all_proxy", "HF_TOKEN", "SEMSEARCH_MODEL"})
            environment.remove(QLatin1String(name));
        environment.insert(QStringLiteral("HF_ENDPOINT"), m_hub.endpoint());
        environment.insert(QStringLiteral("XDG_DATA_HOME"), base() + QStringLiteral("/data"));
        environment.insert(QStringLiteral("SEMSEARCH_INDEX"), base() + QStringLiteral("/index"));
        return environment;
    }

    RunResult run(const QStringList& arguments) const {
        return runCli(arguments, {}, environment());
    }
    RunResult run(const QStringList& arguments, const QProcessEnvironment& environment) const {
        return runCli(arguments, {}, environment);
    }

    void verifyDownloaded(const QString& folder) {
        for (const QString& file : tinyModelFiles())
            QVERIFY2(readFile(folder + QLatin1Char('/') + file) ==
                         readFile(tinyModelPath() + QLatin1Char('/') + file),
                     qPrintable(file));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_hub.start());
        const HubRepository tiny = tinyModelRepository();
        m_hub.addRepository(QStringLiteral("test/tiny-bert-max"), tiny);
        HubRepository gated = tiny;
        gated.token = kToken;
        m_hub.addRepository(QStringLiteral("test/gated"), gated);
        m_hub.addRepository(QStringLiteral("test/corrupt"), corruptedRepository(kWeights, 100));
    }

    void init() {
        m_hub.resetCounters();
        m_hub.setThrottle(0, 0);
    }

    void downloadInfoAndList() {
        const RunResult downloaded =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/tiny-bert-max"), QStringLiteral("--quiet")});
        QVERIFY2(downloaded.exitCode == 0, downloaded.err.constData());
        const QString folder = modelsFolder() + QStringLiteral("/tiny-bert-max");
        QVERIFY2(downloaded.out.contains(folder.toUtf8()), downloaded.out.constData());
        QVERIFY(downloaded.err.isEmpty());
        verifyDownloaded(folder);

        // info: the values of config.json, read here independently.
        const QJsonObject config = tinyConfig();
        const RunResult info = run(
            {QStringLiteral("model"), QStringLiteral("info"), folder, QStringLiteral("--json")});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        const QJsonObject i = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(i.value(QStringLiteral("layers")),
                 config.value(QStringLiteral("num_hidden_layers")));
        QCOMPARE(i.value(QStringLiteral("hidden_size")),
                 config.value(QStringLiteral("hidden_size")));
        QCOMPARE(i.value(QStringLiteral("dimension")), config.value(QStringLiteral("hidden_size")));
        QCOMPARE(i.value(QStringLiteral("heads")),
                 config.value(QStringLiteral("num_attention_heads")));
        QCOMPARE(i.value(QStringLiteral("intermediate_size")),
                 config.value(QStringLiteral("intermediate_size")));
        QCOMPARE(i.value(QStringLiteral("vocab_size")), config.value(QStringLiteral("vocab_size")));
        QCOMPARE(i.value(QStringLiteral("max_position_embeddings")),
                 config.value(QStringLiteral("max_position_embeddings")));
        QCOMPARE(i.value(QStringLiteral("architecture")).toString(),
                 config.value(QStringLiteral("architectures")).toArray().at(0).toString() +
                     QStringLiteral(" (bert)"));
        QCOMPARE(i.value(QStringLiteral("max_seq_length")).toInt(), 128); // sentence_bert_config
        QCOMPARE(i.value(QStringLiteral("pooling")).toString(), QStringLiteral("max"));
        QCOMPARE(i.value(QStringLiteral("normalize")).toBool(), false);
        QCOMPARE(i.value(QStringLiteral("lower_case")).toBool(), true); // tokenizer_config.json
        QCOMPARE(i.value(QStringLiteral("weights_file")).toString(), kWeights);
        QCOMPARE(i.value(QStringLiteral("opens")).toBool(), true);
        auto original = openEmbedder(tinyModelPath());
        QVERIFY(original.ok());
        QCOMPARE(i.value(QStringLiteral("weights_fingerprint")).toString(),
                 (*original)->model().weightsFingerprint);
        qint64 total = 0;
        QStringList listed;
        for (const QJsonValue& file : i.value(QStringLiteral("files")).toArray()) {
            const QString path = file.toObject().value(QStringLiteral("path")).toString();
            listed << path;
            QCOMPARE(file.toObject().value(QStringLiteral("size")).toInteger(),
                     QFileInfo(tinyModelPath() + QLatin1Char('/') + path).size());
            total += QFileInfo(tinyModelPath() + QLatin1Char('/') + path).size();
        }
        listed.sort();
        QStringList expected = tinyModelFiles();
        expected.sort();
        QCOMPARE(listed, expected);
        QCOMPARE(i.value(QStringLiteral("size_bytes")).toInteger(), total);

        const RunResult text = run({QStringLiteral("model"), QStringLiteral("info"), folder});
        QCOMPARE(text.exitCode, 0);
        QCOMPARE(field(text.out, "layers"), QByteArray("2"));
        QCOMPARE(field(text.out, "pooling"), QByteArray("max"));
        QCOMPARE(field(text.out, "lower-case"), QByteArray("yes"));

        // list: the downloaded model, and the one SEMSEARCH_MODEL names, selected.
        QProcessEnvironment withModel = environment();
        withModel.insert(QStringLiteral("SEMSEARCH_MODEL"), tinyModelPath());
        const RunResult list = run(
            {QStringLiteral("model"), QStringLiteral("list"), QStringLiteral("--json")}, withModel);
        QVERIFY2(list.exitCode == 0, list.err.constData());
        const QJsonObject l = QJsonDocument::fromJson(list.out).object();
        QCOMPARE(l.value(QStringLiteral("models_folder")).toString(), modelsFolder());
        const QJsonArray models = l.value(QStringLiteral("models")).toArray();
        QCOMPARE(models.size(), 2);
        const QJsonObject first = models.at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("folder")).toString(), folder);
        QCOMPARE(first.value(QStringLiteral("dimension")).toInt(), 32);
        QCOMPARE(first.value(QStringLiteral("pooling")).toString(), QStringLiteral("max"));
        QCOMPARE(first.value(QStringLiteral("opens")).toBool(), true);
        QCOMPARE(first.value(QStringLiteral("selected")).toBool(), false);
        QCOMPARE(first.value(QStringLiteral("size_bytes")).toInteger(), total);
        const QJsonObject second = models.at(1).toObject();
        QCOMPARE(second.value(QStringLiteral("folder")).toString(), tinyModelPath());
        QCOMPARE(second.value(QStringLiteral("selected")).toBool(), true);

        const RunResult table = run({QStringLiteral("model"), QStringLiteral("list")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.contains("tiny-bert-max") && table.out.contains(" yes "),
                 table.out.constData());

        // A second download into the same folder is refused unless --force.
        const RunResult again =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/tiny-bert-max"), QStringLiteral("--quiet")});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(isOneLine(again.err) && again.err.contains("--force"), again.err.constData());
        const RunResult forced = run({QStringLiteral("model"), QStringLiteral("download"),
                                      QStringLiteral("test/tiny-bert-max"),
                                      QStringLiteral("--quiet"), QStringLiteral("--force")});
        QVERIFY2(forced.exitCode == 0, forced.err.constData());
        verifyDownloaded(folder);
    }

    void emptyModelsFolderSaysHowToGetOne() {
        const RunResult list = run({QStringLiteral("model"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains("model download"), list.out.constData());
        const RunResult info = run(
            {QStringLiteral("model"), QStringLiteral("info"), base() + QStringLiteral("/nothing")});
        QCOMPARE(info.exitCode, 1);
        QVERIFY2(isOneLine(info.err) && info.err.contains("/nothing"), info.err.constData());
        QCOMPARE(run({QStringLiteral("model")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("model"), QStringLiteral("fetch")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("model"), QStringLiteral("download"), QStringLiteral("a/b"),
                      QStringLiteral("c/d")})
                     .exitCode,
                 2);
        for (const char* sub : {"download", "list", "info"}) {
            const RunResult help =
                run({QStringLiteral("model"), QLatin1String(sub), QStringLiteral("--help")});
            QCOMPARE(help.exitCode, 0);
            QVERIFY(help.out.contains("Usage"));
        }
    }

    void downloadErrorsAreOneLine() {
        const QString dir = base() + QStringLiteral("/model");
        const RunResult missing =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/missing"), QStringLiteral("--dir"), dir});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(isOneLine(missing.err) && missing.err.contains("test/missing") &&
                     missing.err.contains("404"),
                 missing.err.constData());

        const RunResult gated = run({QStringLiteral("model"), QStringLiteral("download"),
                                     QStringLiteral("test/gated"), QStringLiteral("--dir"), dir});
        QCOMPARE(gated.exitCode, 1);
        QVERIFY2(isOneLine(gated.err) && gated.err.contains("HF_TOKEN") &&
                     gated.err.contains("401"),
                 gated.err.constData());
        QProcessEnvironment withToken = environment();
        withToken.insert(QStringLiteral("HF_TOKEN"), kToken);
        const RunResult allowed =
            run({QStringLiteral("model"), QStringLiteral("download"), QStringLiteral("test/gated"),
                 QStringLiteral("--dir"), dir, QStringLiteral("--quiet")},
                withToken);
        QVERIFY2(allowed.exitCode == 0, allowed.err.constData());
        verifyDownloaded(dir);

        const QString other = base() + QStringLiteral("/corrupt");
        const RunResult corrupt =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/corrupt"), QStringLiteral("--dir"), other});
        QCOMPARE(corrupt.exitCode, 1);
        QVERIFY2(isOneLine(corrupt.err) && corrupt.err.contains("checksum mismatch") &&
                     corrupt.err.contains(kWeights.toUtf8()),
                 corrupt.err.constData());
        QVERIFY(!QFileInfo::exists(other));

        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        QProcessEnvironment offline = environment();
        offline.insert(QStringLiteral("HF_ENDPOINT"),
                       QStringLiteral("http://127.0.0.1:%1").arg(port));
        const RunResult refused =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/tiny-bert-max"), QStringLiteral("--dir"), other},
                offline);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(isOneLine(refused.err) && refused.err.contains("connection refused"),
                 refused.err.constData());
        QVERIFY(!QFileInfo::exists(other));
    }

    // Ctrl-C stops the transfer: exit 1, one line, nothing at the target; the next run
    // fetches only the rest.
    void interruptCancelsAndTheNextRunResumes() {
        m_hub.setThrottle(16 * 1024, 20);
        const QString dir = base() + QStringLiteral("/models/tiny");
        const QString part =
            base() + QStringLiteral("/models/.partial/tiny/model.safetensors.part");
        QProcess process;
        process.setProcessEnvironment(environment());
        process.start(QStringLiteral(SEMSEARCH_CLI),
                      {QStringLiteral("model"), QStringLiteral("download"),
                       QStringLiteral("test/tiny-bert-max"), QStringLiteral("--dir"), dir});
        QVERIFY(process.waitForStarted());
        QElapsedTimer waited;
        waited.start();
        while (process.state() == QProcess::Running && QFileInfo(part).size() < 100 * 1024 &&
               waited.elapsed() < kGenerousWaitMs)
            QTest::qWait(20);
        const qint64 pid = process.processId();
        QVERIFY2(process.state() == QProcess::Running && pid > 0, "the download ended too soon");
        ::kill(pid_t(pid), SIGINT);
        QVERIFY(process.waitForFinished(kGenerousWaitMs));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(isOneLine(err) && err.contains("cancelled"), err.constData());
        QVERIFY(!QFileInfo::exists(dir));
        const qint64 kept = QFileInfo(part).size();
        QVERIFY(kept > 0);

        m_hub.setThrottle(0, 0);
        m_hub.resetCounters();
        const RunResult resumed = run({QStringLiteral("model"), QStringLiteral("download"),
                                       QStringLiteral("test/tiny-bert-max"),
                                       QStringLiteral("--dir"), dir, QStringLiteral("--quiet")});
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QCOMPARE(m_hub.bytesServed(kWeights),
                 QFileInfo(tinyModelPath() + QLatin1Char('/') + kWeights).size() - kept);
        verifyDownloaded(dir);
        QVERIFY(!QFileInfo::exists(base() + QStringLiteral("/models/.partial")));
    }

    // An index refuses another model with the way out, and --reembed takes it.
    void mismatchNamesTheWayOutAndReembedSwitches() {
        const RunResult downloaded =
            run({QStringLiteral("model"), QStringLiteral("download"),
                 QStringLiteral("test/tiny-bert-max"), QStringLiteral("--quiet")});
        QVERIFY2(downloaded.exitCode == 0, downloaded.err.constData());
        const QString tiny = modelsFolder() + QStringLiteral("/tiny-bert-max");
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), "The river floods every spring.\n"));
        QVERIFY(writeFile(docs + QStringLiteral("/b.txt"), "Bread needs time to rise.\n"));
        const RunResult indexed = run({QStringLiteral("index"), docs, QStringLiteral("--quiet"),
                                       QStringLiteral("--model"), tiny});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());

        ModelFolderCopy other; // mean pooling: another model for the index
        QVERIFY(other.setJson(QStringLiteral("1_Pooling/config.json"),
                              QStringLiteral("pooling_mode_max_tokens"), false));
        QVERIFY(other.setJson(QStringLiteral("1_Pooling/config.json"),
                              QStringLiteral("pooling_mode_mean_tokens"), true));
        const QByteArray wayOut = "'semsearch-cli index --reembed --model " +
                                  QDir::toNativeSeparators(other.path()).toUtf8() + "'\n";

        const RunResult refused = run({QStringLiteral("index"), docs, QStringLiteral("--quiet"),
                                       QStringLiteral("--model"), other.path()});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(isOneLine(refused.err) && refused.err.contains("'tiny-bert-max'") &&
                     refused.err.contains("mean pooling") &&
                     refused.err.contains(("--model " + tiny).toUtf8()) &&
                     refused.err.endsWith(wayOut),
                 refused.err.constData());

        const RunResult search = run({QStringLiteral("search"), QStringLiteral("floods"),
                                      QStringLiteral("--model"), other.path()});
        QCOMPARE(search.exitCode, 1);
        QVERIFY2(isOneLine(search.err) && search.err.contains("search it with --model") &&
                     search.err.contains(tiny.toUtf8()) && search.err.endsWith(wayOut),
                 search.err.constData());

        const RunResult reembedded =
            run({QStringLiteral("index"), QStringLiteral("--reembed"), QStringLiteral("--quiet"),
                 QStringLiteral("--model"), other.path()});
        QVERIFY2(reembedded.exitCode == 0, reembedded.err.constData());
        const RunResult status = run({QStringLiteral("status"), QStringLiteral("--json")});
        const QJsonObject s = QJsonDocument::fromJson(status.out).object();
        QCOMPARE(s.value(QStringLiteral("documents")).toInt(), 2);
        QCOMPARE(
            s.value(QStringLiteral("model")).toObject().value(QStringLiteral("pooling")).toString(),
            QStringLiteral("mean"));
        const RunResult found =
            run({QStringLiteral("search"), QStringLiteral("floods"), QStringLiteral("--json"),
                 QStringLiteral("--model"), other.path()});
        QVERIFY2(found.exitCode == 0, found.err.constData());
        QCOMPARE(QJsonDocument::fromJson(found.out)
                     .object()
                     .value(QStringLiteral("results"))
                     .toArray()
                     .size(),
                 2);
        // Now the first model is the other one.
        const RunResult back = run(
            {QStringLiteral("search"), QStringLiteral("floods"), QStringLiteral("--model"), tiny});
        QCOMPARE(back.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestCliModel)
#include "test_cli_model.moc"
