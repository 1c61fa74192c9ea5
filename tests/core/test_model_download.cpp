// ModelDownload against a local stand-in for the hub (tests/support/local_hub_server.h):
// complete downloads, resumes, checksums, errors, cancel, and what is left on disk each time.

#include "download_runner.h"
#include "generous_wait.h"
#include "hub_fixtures.h"
#include "local_hub_server.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/embedder.h"
#include "semsearch/model.h"
#include "semsearch/model_download.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kWeights = QStringLiteral("model.safetensors");
const QString kToken = QStringLiteral("hf_test_token_123");

qint64 weightsSize() {
    return QFileInfo(tinyModelPath() + QLatin1Char('/') + kWeights).size();
}

// 300 kB of deterministic bytes standing in for a pytorch_model.bin.
QByteArray syntheticBin() {
    QByteArray bytes(300000, Qt::Uninitialized);
    for (qsizetype i = 0; i < bytes.size(); ++i)
        bytes[i] = char((quint32(i) * 7919u) >> 3);
    return bytes;
}

// A port nothing listens on: taken, then released.
quint16 closedPort() {
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

class TestModelDownload : public QObject {
    Q_OBJECT

    LocalHubServer m_hub;
    QTemporaryDir m_tmp;

    QString target() const {
        return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction() +
               QStringLiteral("/models/tiny");
    }

    ModelDownloadOptions options(const QString& repository) const {
        return localHubOptions(m_hub.endpoint(), repository, target());
    }

    static ModelDownloadResult
    run(const ModelDownloadOptions& options,
        const std::function<void(ModelDownload&, const ModelDownloadProgress&)>& onProgress = {},
        QList<ModelDownloadProgress>* reports = nullptr) {
        return runDownload(options, onProgress, reports);
    }

    // Every file of the tiny model is at `folder`, byte for byte.
    static void verifyModelFolder(const QString& folder, const QStringList& files) {
        for (const QString& file : files)
            QVERIFY2(readFile(folder + QLatin1Char('/') + file) ==
                         readFile(tinyModelPath() + QLatin1Char('/') + file),
                     qPrintable(file));
        auto info = readModelInfo(folder);
        QVERIFY2(info.ok(), info.ok() ? "" : qPrintable(info.error().message));
        QCOMPARE(info->bert.hiddenSize, 32);
        QCOMPARE(info->bert.numLayers, 2);
        QCOMPARE(info->pooling, Pooling::Max);
    }

    void verifyNothingAt(const QString& folder) {
        QVERIFY2(!QFileInfo::exists(folder), qPrintable(folder));
    }

private Q_SLOTS:
    void initTestCase() {
        // Keep the machine's proxy settings away from 127.0.0.1.
        for (const char* name : {"http_proxy", "https_proxy", "all_proxy"})
            qunsetenv(name);
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_hub.start());
        const HubRepository tiny = tinyModelRepository();
        m_hub.addRepository(QStringLiteral("test/tiny-bert-max"), tiny);

        HubRepository gated = tiny;
        gated.token = kToken;
        m_hub.addRepository(QStringLiteral("test/gated"), gated);

        m_hub.addRepository(QStringLiteral("test/corrupt"),
                            corruptedRepository(kWeights, weightsSize() / 2));

        // An older layout: only pytorch_model.bin (any bytes will do: this test checks the
        // transfer, the `bin` reader is tested elsewhere).
        HubRepository binOnly = tiny;
        binOnly.files.remove(kWeights);
        binOnly.largeFiles.remove(kWeights);
        binOnly.files.insert(QStringLiteral("pytorch_model.bin"), syntheticBin());
        binOnly.largeFiles.insert(QStringLiteral("pytorch_model.bin"));
        m_hub.addRepository(QStringLiteral("test/bin-only"), binOnly);

        // A plain transformers repository: no modules.json.
        HubRepository plain = tiny;
        plain.files.remove(QStringLiteral("modules.json"));
        m_hub.addRepository(QStringLiteral("test/plain-bert"), plain);

        // A model semsearch cannot run: refused before its weights are fetched.
        HubRepository roberta = tiny;
        roberta.files[QStringLiteral("config.json")].replace("\"bert\"", "\"roberta\"");
        m_hub.addRepository(QStringLiteral("test/roberta"), roberta);

        // No optional files at all, and a Normalize module.
        HubRepository minimal = tiny;
        for (const char* optional :
             {"sentence_bert_config.json", "tokenizer_config.json", "special_tokens_map.json",
              "config_sentence_transformers.json"})
            minimal.files.remove(QString::fromLatin1(optional));
        minimal.files.insert(
            QStringLiteral("modules.json"),
            R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},)"
            R"({"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},)"
            R"({"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}])");
        m_hub.addRepository(QStringLiteral("test/normalized"), minimal);
    }

    void init() {
        m_hub.resetCounters();
        m_hub.setThrottle(0, 0);
        m_hub.setStallLargeFiles(false);
        m_hub.setIgnoreRange(false);
    }

    void completeDownloadGivesTheSameModel() {
        QList<ModelDownloadProgress> reports;
        const ModelDownloadResult result =
            run(options(QStringLiteral("test/tiny-bert-max")), {}, &reports);
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        QCOMPARE(result.folder, target());
        QCOMPARE(result.weightsFile, kWeights);
        verifyModelFolder(target(), tinyModelFiles());
        // Nothing staged is left behind, and nothing but the model is in the folder.
        verifyNothingAt(QFileInfo(target()).absolutePath() + QStringLiteral("/.partial"));
        QDir folder(target());
        QCOMPARE(folder.entryList(QDir::Files | QDir::Hidden).size(), tinyModelFiles().size() - 1);

        // The weights went through the CDN redirect, once, with no token to send.
        qint64 total = 0;
        for (const QString& file : tinyModelFiles())
            total += QFileInfo(tinyModelPath() + QLatin1Char('/') + file).size();
        QCOMPARE(m_hub.bytesServed(kWeights), weightsSize());
        QCOMPARE(result.bytesReceived, total);
        bool viaCdn = false;
        for (const HubRequest& request : m_hub.requests())
            viaCdn = viaCdn || (request.path.startsWith(QLatin1String("/cdn/")) &&
                                request.path.endsWith(kWeights) && request.status == 200);
        QVERIFY(viaCdn);

        // Progress: files counted up to all nine, the bytes reach exactly the total.
        QVERIFY(!reports.isEmpty());
        QCOMPARE(reports.last().fileCount, tinyModelFiles().size());
        QCOMPARE(reports.last().fileNumber, tinyModelFiles().size());
        QCOMPARE(reports.last().bytesDone, total);
        QCOMPARE(reports.last().bytesTotal, total);
        for (qsizetype i = 1; i < reports.size(); ++i)
            QVERIFY(reports[i].fileNumber >= reports[i - 1].fileNumber);
        // Once the total is said to be known, it is the whole model's size.
        QVERIFY(reports.last().totalKnown);
        for (const ModelDownloadProgress& report : reports)
            if (report.totalKnown)
                QCOMPARE(report.bytesTotal, total);
        QVERIFY(std::count_if(reports.begin(), reports.end(),
                              [](const auto& report) { return report.totalKnown; }) >= 2);
        QVERIFY(std::any_of(reports.begin(), reports.end(),
                            [](const ModelDownloadProgress& p) { return p.verifying; }));

        // The downloaded model embeds exactly as the original.
        auto original = openEmbedder(tinyModelPath());
        auto downloaded = openEmbedder(target());
        QVERIFY(original.ok() && downloaded.ok());
        const QStringList texts = {QStringLiteral("A cat sleeps on the sofa."),
                                   QStringLiteral("Revenue grew by four percent.")};
        auto a = (*original)->embed(texts);
        auto b = (*downloaded)->embed(texts);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->values, b->values);
        QCOMPARE((*downloaded)->model().weightsFingerprint,
                 (*original)->model().weightsFingerprint);
    }

    void droppedConnectionResumesWithTheRestOnly() {
        const qint64 cut = weightsSize() / 3;
        m_hub.dropNextTransferAfter(kWeights, cut);
        ModelDownloadOptions first = options(QStringLiteral("test/tiny-bert-max"));
        first.retries = 0;
        const ModelDownloadResult failed = run(first);
        QVERIFY(!failed.ok());
        QCOMPARE(int(failed.error->code), int(ErrorCode::Io));
        QVERIFY2(failed.error->message.contains(kWeights) &&
                     failed.error->message.contains(QStringLiteral("resume")),
                 qPrintable(failed.error->message));
        QVERIFY(!failed.error->message.contains(QLatin1Char('\n')));
        verifyNothingAt(target());
        QCOMPARE(m_hub.bytesServed(kWeights), cut);

        // The second run asks for the rest and gets only that.
        m_hub.resetCounters();
        const ModelDownloadResult resumed = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : qPrintable(resumed.error->message));
        QCOMPARE(m_hub.bytesServed(kWeights), weightsSize() - cut);
        bool ranged = false;
        for (const HubRequest& request : m_hub.requests())
            ranged = ranged || (request.path.endsWith(kWeights) && request.status == 206 &&
                                request.range == "bytes=" + QByteArray::number(cut) + '-');
        QVERIFY(ranged);
        verifyModelFolder(target(), tinyModelFiles());
    }

    void droppedConnectionIsResumedWithinOneRun() {
        m_hub.dropNextTransferAfter(kWeights, weightsSize() / 2);
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        // Every byte of the weights crossed the wire once.
        QCOMPARE(m_hub.bytesServed(kWeights), weightsSize());
        verifyModelFolder(target(), tinyModelFiles());
    }

    void serverIgnoringRangeRestartsTheFile() {
        const qint64 cut = weightsSize() / 4;
        m_hub.dropNextTransferAfter(kWeights, cut);
        ModelDownloadOptions first = options(QStringLiteral("test/tiny-bert-max"));
        first.retries = 0;
        QVERIFY(!run(first).ok());
        m_hub.resetCounters();
        m_hub.setIgnoreRange(true);
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        QCOMPARE(m_hub.bytesServed(kWeights), weightsSize());
        verifyModelFolder(target(), tinyModelFiles());
    }

    void newCommitDiscardsTheStagedPart() {
        m_hub.dropNextTransferAfter(kWeights, weightsSize() / 2);
        ModelDownloadOptions first = options(QStringLiteral("test/tiny-bert-max"));
        first.retries = 0;
        QVERIFY(!run(first).ok());
        m_hub.setCommit(QStringLiteral("test/tiny-bert-max"),
                        QStringLiteral("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        m_hub.resetCounters();
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        m_hub.setCommit(QStringLiteral("test/tiny-bert-max"), HubRepository().commit);
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        // Not resumed: the half from the other commit was thrown away.
        QCOMPARE(m_hub.bytesServed(kWeights), weightsSize());
        verifyModelFolder(target(), tinyModelFiles());
    }

    void checksumMismatchFailsAndKeepsNothing() {
        const ModelDownloadResult result = run(options(QStringLiteral("test/corrupt")));
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Corrupt));
        const QString expected = QString::fromLatin1(
            QCryptographicHash::hash(readFile(tinyModelPath() + QLatin1Char('/') + kWeights),
                                     QCryptographicHash::Sha256)
                .toHex());
        QVERIFY2(result.error->message.contains(kWeights) &&
                     result.error->message.contains(expected),
                 qPrintable(result.error->message));
        QVERIFY(!result.error->message.contains(QLatin1Char('\n')));
        verifyNothingAt(target());
        // The damaged part is gone, so a rerun cannot resume into it.
        const QString staged =
            QFileInfo(target()).absolutePath() + QStringLiteral("/.partial/tiny/model.safetensors");
        verifyNothingAt(staged + QStringLiteral(".part"));
        verifyNothingAt(staged);
    }

    void wrongRepositoriesAreRefusedBeforeTheWeights() {
        const ModelDownloadResult repo = run(options(QStringLiteral("test/no-such-model")));
        QVERIFY(!repo.ok());
        QCOMPARE(int(repo.error->code), int(ErrorCode::NotFound));
        QVERIFY2(repo.error->message.contains(QStringLiteral("test/no-such-model")) &&
                     repo.error->message.contains(QStringLiteral("404")),
                 qPrintable(repo.error->message));

        const ModelDownloadResult plain = run(options(QStringLiteral("test/plain-bert")));
        QVERIFY(!plain.ok());
        QCOMPARE(int(plain.error->code), int(ErrorCode::NotFound));
        QVERIFY2(plain.error->message.contains(QStringLiteral("modules.json")) &&
                     plain.error->message.contains(QStringLiteral("sentence-transformers")),
                 qPrintable(plain.error->message));
        QCOMPARE(m_hub.bytesServed(kWeights), 0);

        const ModelDownloadResult unsupported = run(options(QStringLiteral("test/roberta")));
        QVERIFY(!unsupported.ok());
        QCOMPARE(int(unsupported.error->code), int(ErrorCode::Unsupported));
        QVERIFY2(unsupported.error->message.contains(QStringLiteral("roberta")),
                 qPrintable(unsupported.error->message));
        QCOMPARE(m_hub.bytesServed(kWeights), 0);

        ModelDownloadOptions wrongRevision = options(QStringLiteral("test/tiny-bert-max"));
        wrongRevision.revision = QStringLiteral("v9.9");
        const ModelDownloadResult revision = run(wrongRevision);
        QVERIFY(!revision.ok());
        QCOMPARE(int(revision.error->code), int(ErrorCode::NotFound));
        QVERIFY2(revision.error->message.contains(QStringLiteral("v9.9")),
                 qPrintable(revision.error->message));
        verifyNothingAt(target());
    }

    void gatedRepositoryNeedsTheToken() {
        const ModelDownloadResult refused = run(options(QStringLiteral("test/gated")));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error->message.contains(QStringLiteral("401")) &&
                     refused.error->message.contains(QStringLiteral("HF_TOKEN")),
                 qPrintable(refused.error->message));
        verifyNothingAt(target());

        ModelDownloadOptions wrong = options(QStringLiteral("test/gated"));
        wrong.token = QStringLiteral("hf_wrong");
        const ModelDownloadResult denied = run(wrong);
        QVERIFY(!denied.ok());
        QVERIFY2(denied.error->message.contains(QStringLiteral("403")),
                 qPrintable(denied.error->message));

        m_hub.resetCounters();
        ModelDownloadOptions withToken = options(QStringLiteral("test/gated"));
        withToken.token = kToken;
        const ModelDownloadResult result = run(withToken);
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        verifyModelFolder(target(), tinyModelFiles());
        // The token went to the hub and never to the CDN's host.
        int hubRequests = 0, cdnRequests = 0;
        for (const HubRequest& request : m_hub.requests()) {
            if (request.path.startsWith(QLatin1String("/cdn/"))) {
                ++cdnRequests;
                QVERIFY(request.authorization.isEmpty());
            } else {
                ++hubRequests;
                QCOMPARE(request.authorization, "Bearer " + kToken.toUtf8());
            }
        }
        QVERIFY(hubRequests >= tinyModelFiles().size() && cdnRequests == 1);
    }

    void cancelLeavesNothingAtTheTarget() {
        m_hub.setThrottle(16 * 1024, 20); // 4 MB in about 5 s
        const ModelDownloadResult result =
            run(options(QStringLiteral("test/tiny-bert-max")),
                [](ModelDownload& download, const ModelDownloadProgress& progress) {
                    if (progress.file == kWeights && progress.fileBytesDone > 64 * 1024)
                        download.cancel();
                });
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Cancelled));
        verifyNothingAt(target());
        QVERIFY(m_hub.bytesServed(kWeights) < weightsSize());

        // What was fetched is kept for the next run, or thrown away on request.
        const QString part = QFileInfo(target()).absolutePath() +
                             QStringLiteral("/.partial/tiny/model.safetensors.part");
        QVERIFY(QFileInfo(part).size() > 0);
        QVERIFY(discardPartialDownload(target()).ok());
        verifyNothingAt(QFileInfo(target()).absolutePath() + QStringLiteral("/.partial"));
    }

    void cancelFromAnotherThread() {
        m_hub.setThrottle(16 * 1024, 20);
        ModelDownload download(options(QStringLiteral("test/tiny-bert-max")));
        QSignalSpy finished(&download, &ModelDownload::finished);
        download.start();
        QThread* canceller = QThread::create([&download] {
            QThread::msleep(300);
            download.cancel();
        });
        canceller->start();
        QVERIFY(finished.wait(kGenerousWaitMs));
        canceller->wait();
        delete canceller;
        const auto result = finished.at(0).at(0).value<ModelDownloadResult>();
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Cancelled));
        verifyNothingAt(target());
        QVERIFY(discardPartialDownload(target()).ok());
    }

    // A refused connection fails at once, without waiting for a stall: with a stall timeout
    // longer than run() waits, only that can finish the download in time.
    void noNetworkFailsFast() {
        ModelDownloadOptions offline = options(QStringLiteral("test/tiny-bert-max"));
        offline.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
        offline.stallTimeoutMs = 10 * kGenerousWaitMs;
        const ModelDownloadResult result = run(offline);
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Io));
        QVERIFY2(result.error->message.contains(QStringLiteral("connection refused")) &&
                     result.error->message.contains(QStringLiteral("127.0.0.1")),
                 qPrintable(result.error->message));
        verifyNothingAt(target());
        // Nothing worth resuming arrived, so nothing is staged either.
        verifyNothingAt(QFileInfo(target()).absolutePath() + QStringLiteral("/.partial"));
    }

    void unknownHostIsNamed() {
        ModelDownloadOptions nowhere = options(QStringLiteral("test/tiny-bert-max"));
        nowhere.endpoint =
            QStringLiteral("http://hub.semsearch.invalid"); // RFC 6761: never resolves
        const ModelDownloadResult result = run(nowhere);
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Io));
        QVERIFY2(
            result.error->message.contains(QStringLiteral("hub.semsearch.invalid: host not found")),
            qPrintable(result.error->message));
        verifyNothingAt(target());
    }

    // A hub no resolver knows, reachable only through the proxy (the local server): from the
    // environment, or from the options, which win over an environment's proxy that refuses (a
    // closed port).
    void proxyIsUsed_data() {
        QTest::addColumn<QByteArray>("environment");
        QTest::addColumn<bool>("inOptions");
        QTest::newRow("environment") << m_hub.endpoint().toLatin1() << false;
        QTest::newRow("options over environment") << QByteArray("http://127.0.0.1:1") << true;
    }
    void proxyIsUsed() {
        QFETCH(QByteArray, environment);
        QFETCH(bool, inOptions);
        ModelDownloadOptions proxied = options(QStringLiteral("test/tiny-bert-max"));
        proxied.targetFolder += inOptions ? QStringLiteral("-options") : QString(); // one per row
        proxied.endpoint = QStringLiteral("http://hub.semsearch.invalid");
        proxied.useSystemProxy = true;
        if (inOptions)
            proxied.proxy = QStringLiteral("127.0.0.1:%1").arg(m_hub.port()); // no scheme: http
        qputenv("http_proxy", environment);
        const ModelDownloadResult result = run(proxied);
        qunsetenv("http_proxy");
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        verifyModelFolder(proxied.targetFolder, tinyModelFiles());
        const QList<HubRequest> requests = m_hub.requests();
        QVERIFY(!requests.isEmpty());
        for (const HubRequest& request : requests)
            QVERIFY2(request.proxied, qPrintable(request.path));
    }

    void malformedProxyIsRefused() {
        for (const QString& proxy :
             {QStringLiteral("proxy.example"), QStringLiteral("socks5://proxy.example:1080"),
              QStringLiteral("http://proxy.example:8080/path"), QStringLiteral("http://:8080")}) {
            QVERIFY2(proxyAddress(proxy).isEmpty(), qPrintable(proxy));
            ModelDownloadOptions refused = options(QStringLiteral("test/tiny-bert-max"));
            refused.proxy = proxy;
            const ModelDownloadResult result = run(refused);
            QVERIFY(!result.ok());
            QCOMPARE(int(result.error->code), int(ErrorCode::InvalidArgument));
            QVERIFY2(result.error->message.contains(QStringLiteral("proxy")),
                     qPrintable(result.error->message));
        }
        QVERIFY(m_hub.requests().isEmpty());
        QCOMPARE(proxyAddress(QStringLiteral(" user:secret@proxy.example:3128 ")),
                 QUrl(QStringLiteral("http://user:secret@proxy.example:3128")));
        QCOMPARE(proxyAddress(QStringLiteral("http://proxy.example:8080/")).port(), 8080);
    }

    void stalledTransferTimesOut() {
        m_hub.setStallLargeFiles(true);
        ModelDownloadOptions stalled = options(QStringLiteral("test/tiny-bert-max"));
        stalled.stallTimeoutMs = 300;
        stalled.retries = 1;
        const ModelDownloadResult result = run(stalled);
        QVERIFY(!result.ok());
        QVERIFY2(result.error->message.contains(QStringLiteral("stalled")) &&
                     result.error->message.contains(kWeights),
                 qPrintable(result.error->message));
        // Asked twice: the first try and one retry.
        int asked = 0;
        for (const HubRequest& request : m_hub.requests())
            asked += request.path.startsWith(QLatin1String("/cdn/")) ? 1 : 0;
        QCOMPARE(asked, 2);
        verifyNothingAt(target());
    }

    void binOnlyRepositoryFallsBackToPytorchModelBin() {
        const ModelDownloadResult result = run(options(QStringLiteral("test/bin-only")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        QCOMPARE(result.weightsFile, QStringLiteral("pytorch_model.bin"));
        QVERIFY(!QFileInfo::exists(target() + QLatin1Char('/') + kWeights));
        QCOMPARE(readFile(target() + QStringLiteral("/pytorch_model.bin")), syntheticBin());
        QVERIFY(readModelInfo(target()).ok());
        bool askedForSafetensors = false;
        for (const HubRequest& request : m_hub.requests())
            askedForSafetensors =
                askedForSafetensors || (request.path.endsWith(kWeights) && request.status == 404);
        QVERIFY(askedForSafetensors);
    }

    void optionalFilesMayBeMissingAndNormalizeGetsItsFolder() {
        const ModelDownloadResult result = run(options(QStringLiteral("test/normalized")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->message));
        QVERIFY(QFileInfo(target() + QStringLiteral("/2_Normalize")).isDir());
        QVERIFY(!QFileInfo::exists(target() + QStringLiteral("/tokenizer_config.json")));
        auto info = readModelInfo(target());
        QVERIFY(info.ok());
        QVERIFY(info->normalize);
    }

    void existingModelIsReplacedOnlyWhenAsked() {
        QVERIFY(QDir().mkpath(target()));
        QFile old(target() + QStringLiteral("/old.txt"));
        QVERIFY(old.open(QIODevice::WriteOnly) && old.write("old model") == 9);
        old.close();

        const ModelDownloadResult refused = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error->code), int(ErrorCode::InvalidArgument));
        QVERIFY(refused.error->message.contains(target()));
        QCOMPARE(readFile(target() + QStringLiteral("/old.txt")), QByteArray("old model"));
        QCOMPARE(m_hub.requests().size(), 0);

        ModelDownloadOptions replace = options(QStringLiteral("test/tiny-bert-max"));
        replace.replaceExisting = true;
        const ModelDownloadResult replaced = run(replace);
        QVERIFY2(replaced.ok(), replaced.ok() ? "" : qPrintable(replaced.error->message));
        QVERIFY(!QFileInfo::exists(target() + QStringLiteral("/old.txt")));
        verifyModelFolder(target(), tinyModelFiles());
        const QStringList siblings =
            QDir(QFileInfo(target()).absolutePath())
                .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(siblings, QStringList{QStringLiteral("tiny")});
    }

    void unwritableFolderIsNamed() {
        // A file where the models folder should be: nothing can be created below it.
        const QString blocker = QFileInfo(target()).absolutePath();
        QVERIFY(QDir().mkpath(QFileInfo(blocker).absolutePath()));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!result.ok());
        QCOMPARE(int(result.error->code), int(ErrorCode::Io));
        QVERIFY2(result.error->message.contains(blocker), qPrintable(result.error->message));
    }

    void secondDownloadIntoTheSameFolderIsBusy() {
        m_hub.setThrottle(16 * 1024, 20);
        ModelDownload first(options(QStringLiteral("test/tiny-bert-max")));
        QSignalSpy firstFinished(&first, &ModelDownload::finished);
        QSignalSpy firstProgress(&first, &ModelDownload::progress);
        first.start();
        QVERIFY(firstProgress.wait(kGenerousWaitMs));
        const ModelDownloadResult second = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!second.ok());
        QCOMPARE(int(second.error->code), int(ErrorCode::Busy));
        first.cancel();
        QVERIFY(firstFinished.wait(kGenerousWaitMs));
        QVERIFY(discardPartialDownload(target()).ok());
    }

    void badNamesAreRefusedBeforeAnyRequest() {
        for (const char* name : {"", "a/b/c", "../etc", "has space/x", "owner/"}) {
            const ModelDownloadResult result = run(options(QString::fromLatin1(name)));
            QVERIFY2(!result.ok(), name);
            QCOMPARE(int(result.error->code), int(ErrorCode::InvalidArgument));
        }
        ModelDownloadOptions badEndpoint = options(QStringLiteral("test/tiny-bert-max"));
        badEndpoint.endpoint = QStringLiteral("ftp://example.org");
        const ModelDownloadResult result = run(badEndpoint);
        QVERIFY(!result.ok());
        QVERIFY(result.error->message.contains(QStringLiteral("HF_ENDPOINT")));
        QCOMPARE(m_hub.requests().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestModelDownload)
#include "test_model_download.moc"
