// A download against a hostile neighbour and a hostile server (tests/support/local_hub_server.h
// plays both the hub and the server): a staging folder planted as a link, or owned by someone
// else, is refused and nothing of the user's is deleted; staging is private; the token stays on
// the hub's own scheme, host and port; redirects to other schemes and down to http are refused;
// small files are cut off at their limit, with or without a Content-Length; and what the server
// says reaches the messages inert.

#include "download_runner.h"
#include "hub_fixtures.h"
#include "local_hub_server.h"
#include "test_files.h"

#include "hub_file_fetch.h"
#include "semsearch/model.h"
#include "semsearch/model_download.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kToken = QStringLiteral("hf_test_token_123");
const QString kWeights = QStringLiteral("model.safetensors");
constexpr uid_t kNobody = 65534;

ModelDownloadResult run(const ModelDownloadOptions& options) {
    return runDownload(options);
}

QString errorOf(const ModelDownloadResult& result) {
    return result.ok() ? QStringLiteral("(no error)") : result.error->message;
}

int modeOf(const QString& path) {
    struct stat st {};
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

// The user's documents, which a planted link points the staging area at.
struct Victim {
    QString folder;
    bool create(const QString& at) {
        folder = at;
        return writeFile(folder + QStringLiteral("/thesis.txt"), "four years of work\n") &&
               writeFile(folder + QStringLiteral("/notes/plan.md"), "- finish\n");
    }
    bool intact() const {
        return readFile(folder + QStringLiteral("/thesis.txt")) == "four years of work\n" &&
               readFile(folder + QStringLiteral("/notes/plan.md")) == "- finish\n" &&
               QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size() == 2;
    }
};

} // namespace

class TestDownloadSecurity : public QObject {
    Q_OBJECT

    LocalHubServer m_hub;
    LocalHubServer m_otherPort; // a second server on the same host, another port
    QTemporaryDir m_tmp;

    // <test>/shared/tiny: a shared parent folder that anyone may write (as /srv/models might be).
    QString shared() const {
        return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction() +
               QStringLiteral("/shared");
    }
    QString target() const { return shared() + QStringLiteral("/tiny"); }

    ModelDownloadOptions options(const QString& repository) const {
        ModelDownloadOptions options = localHubOptions(m_hub.endpoint(), repository, target());
        options.retries = 0;
        return options;
    }

    bool makeShared() const {
        return QDir().mkpath(shared()) &&
               ::chmod(QFile::encodeName(shared()).constData(), 0777) == 0;
    }

    // The download is refused with one line saying `problem`, before anything is fetched, and
    // the victim's files are all there.
    void expectRefusedAndIntact(const Victim& victim, const QString& problem) {
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY2(!result.ok(), "the download went ahead");
        QVERIFY2(result.error->message.contains(problem), qPrintable(result.error->message));
        QVERIFY(!result.error->message.contains(QLatin1Char('\n')));
        QVERIFY2(victim.intact(), "the victim's files were touched");
        QCOMPARE(m_hub.requests().size(), 0);
        QVERIFY(!QFileInfo::exists(target()));
        // Discarding what is staged must not touch them either.
        (void)discardPartialDownload(target());
        QVERIFY2(victim.intact(), "discarding the partial download touched the victim's files");
    }

private Q_SLOTS:
    void initTestCase() {
        for (const char* name : {"http_proxy", "https_proxy", "all_proxy"})
            qunsetenv(name);
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_hub.start());
        QVERIFY(m_otherPort.start());
        const HubRepository tiny = tinyModelRepository();
        m_hub.addRepository(QStringLiteral("test/tiny-bert-max"), tiny);
        m_otherPort.addRepository(QStringLiteral("test/tiny-bert-max"), tiny);
        HubRepository gated = tiny;
        gated.token = kToken;
        m_hub.addRepository(QStringLiteral("test/gated"), gated);
        m_otherPort.addRepository(QStringLiteral("test/gated"), gated);

        // The X-Error-Message erases the line and shows one address while linking another.
        HubRepository hostile = tiny;
        hostile.errorMessage = "\x1b[2K\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
                               " \xe2\x80\xae"
                               "txt.exe"; // U+202E RIGHT-TO-LEFT OVERRIDE
        m_hub.addRepository(QStringLiteral("test/hostile-message"), hostile);

        // Small files far over their limits, with and without a Content-Length.
        HubRepository bigModules = tiny;
        bigModules.files.insert(QStringLiteral("modules.json"),
                                QByteArray(int(kMaxModelJsonBytes) * 3, ' '));
        m_hub.addRepository(QStringLiteral("test/big-modules"), bigModules);
        HubRepository endless = bigModules;
        endless.withoutLength.insert(QStringLiteral("modules.json"));
        m_hub.addRepository(QStringLiteral("test/endless-modules"), endless);
        HubRepository bigVocab = tiny;
        bigVocab.files.insert(QStringLiteral("vocab.txt"),
                              QByteArray(int(kMaxVocabularyBytes) + 1, 'a'));
        bigVocab.withoutLength.insert(QStringLiteral("vocab.txt"));
        m_hub.addRepository(QStringLiteral("test/big-vocab"), bigVocab);

        HubRepository escaping = tiny;
        const auto module = [](const char* path, const char* type) {
            return QJsonObject{
                {QStringLiteral("path"), QString::fromUtf8(path)},
                {QStringLiteral("type"),
                 QStringLiteral("sentence_transformers.models.") + QLatin1String(type)}};
        };
        escaping.files.insert(QStringLiteral("modules.json"),
                              QJsonDocument(QJsonArray{module("", "Transformer"),
                                                       module("../../evil\x1b[2K", "Pooling")})
                                  .toJson());
        m_hub.addRepository(QStringLiteral("test/escaping-module"), escaping);
    }

    void init() {
        m_hub.resetCounters();
        m_otherPort.resetCounters();
        m_hub.setCdnBase(QByteArray());
    }

    // ---- the staging area (issue 20, item 1) -----------------------------------------------

    void plantedLinkAsTheStagedFolderIsRefused() {
        QVERIFY(makeShared());
        Victim victim;
        QVERIFY(victim.create(m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction() +
                              QStringLiteral("/documents")));
        QVERIFY(QDir().mkpath(shared() + QStringLiteral("/.partial")));
        QVERIFY(QFile::link(victim.folder, shared() + QStringLiteral("/.partial/tiny")));
        expectRefusedAndIntact(victim, QStringLiteral(".partial/tiny: is a symbolic link"));
    }

    void plantedLinkAsTheStagingAreaIsRefused() {
        QVERIFY(makeShared());
        Victim victim;
        QVERIFY(victim.create(m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction() +
                              QStringLiteral("/documents")));
        // The link's target already looks like a staging area.
        QVERIFY(QDir().mkpath(victim.folder + QStringLiteral("/tiny")));
        QVERIFY(writeFile(victim.folder + QStringLiteral("/tiny/keep.txt"), "mine\n"));
        QVERIFY(QFile::link(victim.folder, shared() + QStringLiteral("/.partial")));
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!result.ok());
        QVERIFY2(result.error->message.contains(QStringLiteral("/.partial: is a symbolic link")),
                 qPrintable(result.error->message));
        QCOMPARE(readFile(victim.folder + QStringLiteral("/tiny/keep.txt")), QByteArray("mine\n"));
        QCOMPARE(readFile(victim.folder + QStringLiteral("/thesis.txt")),
                 QByteArray("four years of work\n"));
        (void)discardPartialDownload(target());
        QCOMPARE(readFile(victim.folder + QStringLiteral("/tiny/keep.txt")), QByteArray("mine\n"));
    }

    // Another user's .partial (or .partial/<name>) is not used, whatever it holds.
    void stagingAreaOfAnotherUserIsRefused() {
        if (::geteuid() != 0)
            QSKIP("giving a folder to another user needs root (CI runs as root)");
        QVERIFY(makeShared());
        const QString partial = shared() + QStringLiteral("/.partial");
        QVERIFY(writeFile(partial + QStringLiteral("/tiny/planted.txt"), "theirs\n"));
        QCOMPARE(::chown(QFile::encodeName(partial).constData(), kNobody, kNobody), 0);
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!result.ok());
        QVERIFY2(result.error->message.contains(QStringLiteral("belongs to another user (uid "
                                                               "65534)")),
                 qPrintable(result.error->message));
        QCOMPARE(readFile(partial + QStringLiteral("/tiny/planted.txt")), QByteArray("theirs\n"));
        QCOMPARE(m_hub.requests().size(), 0);
    }

    // What is staged is the user's alone: 0700 folders, also when an older semsearch left a
    // wider one behind.
    void stagingIsPrivate() {
        QVERIFY(makeShared());
        const QString partial = shared() + QStringLiteral("/.partial");
        QVERIFY(QDir().mkpath(partial));
        QCOMPARE(::chmod(QFile::encodeName(partial).constData(), 0755), 0);
        // A connection that drops in the weights: what arrived is kept for the next run.
        m_hub.dropNextTransferAfter(kWeights, 1000);
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY(!result.ok());
        QVERIFY2(QFileInfo::exists(partial + QStringLiteral("/tiny/vocab.txt")),
                 qPrintable(errorOf(result)));
        QCOMPARE(modeOf(partial), 0700);
        QCOMPARE(modeOf(partial + QStringLiteral("/tiny")), 0700);
        QVERIFY(discardPartialDownload(target()).ok());
    }

    // ---- the token and redirects (item 4) ------------------------------------------------

    void tokenStaysOnTheHubsPort() {
        m_hub.setCdnBase("http://127.0.0.1:" + QByteArray::number(m_otherPort.port()));
        ModelDownloadOptions gated = options(QStringLiteral("test/gated"));
        gated.token = kToken;
        const ModelDownloadResult result = run(gated);
        QVERIFY2(result.ok(), qPrintable(errorOf(result)));
        int cdnRequests = 0;
        for (const HubRequest& request : m_otherPort.requests()) {
            ++cdnRequests;
            QVERIFY2(request.authorization.isEmpty(),
                     qPrintable(QStringLiteral("the token went to port %1: %2")
                                    .arg(m_otherPort.port())
                                    .arg(request.path)));
        }
        QCOMPARE(cdnRequests, 1); // the weights came from there
        for (const HubRequest& request : m_hub.requests())
            QCOMPARE(request.authorization, "Bearer " + kToken.toUtf8());
    }

    void redirectToALocalFileIsRefused() {
        const QString planted =
            m_tmp.path() + QStringLiteral("/cdn/test/tiny-bert-max/") + kWeights;
        QVERIFY(writeFile(planted, readFile(tinyModelPath() + QLatin1Char('/') + kWeights)));
        m_hub.setCdnBase("file://" + QFile::encodeName(m_tmp.path()));
        const ModelDownloadResult result = run(options(QStringLiteral("test/tiny-bert-max")));
        QVERIFY2(!result.ok(), "a file: redirect was followed");
        QVERIFY2(result.error->message.contains(QStringLiteral("refused to follow")) &&
                     result.error->message.contains(QStringLiteral("'file:'")),
                 qPrintable(result.error->message));
        QVERIFY(!QFileInfo::exists(target()));
    }

    void redirectRules_data() {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<bool>("followed");
        QTest::addColumn<bool>("sameOrigin");
        QTest::newRow("to a CDN") << "https://huggingface.co/a"
                                  << "https://cdn-lfs.hf.co/b" << true << false;
        QTest::newRow("same origin") << "https://hf.co/a"
                                     << "https://HF.co:443/b" << true << true;
        QTest::newRow("another port") << "https://hf.co/a"
                                      << "https://hf.co:8443/b" << true << false;
        QTest::newRow("up to https") << "http://hf.co/a"
                                     << "https://hf.co/b" << true << false;
        QTest::newRow("down to http") << "https://hf.co/a"
                                      << "http://hf.co/b" << false << false;
        QTest::newRow("file") << "https://hf.co/a"
                              << "file:///etc/passwd" << false << false;
        QTest::newRow("ftp") << "http://hf.co/a"
                             << "ftp://hf.co/b" << false << false;
        QTest::newRow("data") << "http://hf.co/a"
                              << "data:text/plain,x" << false << false;
    }

    void redirectRules() {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(bool, followed);
        QFETCH(bool, sameOrigin);
        QCOMPARE(refusedRedirect(QUrl(from), QUrl(to)).isEmpty(), followed);
        QCOMPARE(isSameOrigin(QUrl(from), QUrl(to)), sameOrigin);
    }

    // ---- small files have a cap (item 7) ---------------------------------------------------

    void oversizedSmallFilesAreRefused_data() {
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("file");
        QTest::addColumn<qint64>("limit");
        QTest::newRow("modules.json, announced") << "test/big-modules"
                                                 << "modules.json" << kMaxModelJsonBytes;
        QTest::newRow("modules.json, no Content-Length") << "test/endless-modules"
                                                         << "modules.json" << kMaxModelJsonBytes;
        QTest::newRow("vocab.txt, no Content-Length") << "test/big-vocab"
                                                      << "vocab.txt" << kMaxVocabularyBytes;
    }

    void oversizedSmallFilesAreRefused() {
        QFETCH(QString, repository);
        QFETCH(QString, file);
        QFETCH(qint64, limit);
        QVERIFY(makeShared());
        const ModelDownloadResult result = run(options(repository));
        QVERIFY2(!result.ok(), "an oversized small file was accepted");
        QCOMPARE(int(result.error->code), int(ErrorCode::Corrupt));
        QVERIFY2(result.error->message.contains(
                     QStringLiteral("%1 is larger than the %2 MiB").arg(file).arg(limit >> 20)),
                 qPrintable(result.error->message));
        // The file is cut off at its limit (the few small files before it add a few kB).
        QVERIFY2(result.bytesReceived <= limit + 64 * 1024,
                 qPrintable(QString::number(result.bytesReceived)));
        QCOMPARE(m_hub.bytesServed(kWeights), 0);
    }

    // ---- server text is made inert (item 6) ------------------------------------------------

    void serverMessageIsMadePrintable() {
        const ModelDownloadResult result = run(options(QStringLiteral("test/hostile-message")));
        QVERIFY(!result.ok());
        const QString message = result.error->message;
        QVERIFY2(message.contains(QStringLiteral("HTTP 500")) &&
                     message.contains(QStringLiteral("click here")),
                 qPrintable(message));
        for (const QChar c : message)
            QVERIFY2(c.unicode() >= 0x20 && c != QChar(0x7f) && c != QChar(0x202e),
                     qPrintable(QStringLiteral("U+%1 in %2").arg(c.unicode(), 4, 16).arg(message)));
    }

    void moduleFolderOutsideTheModelIsRefusedInertly() {
        QVERIFY(makeShared());
        const ModelDownloadResult result = run(options(QStringLiteral("test/escaping-module")));
        QVERIFY(!result.ok());
        const QString message = result.error->message;
        QVERIFY2(message.contains(QStringLiteral("names a module outside the model")),
                 qPrintable(message));
        QVERIFY2(!message.contains(QChar(0x1b)), qPrintable(message));
        QCOMPARE(m_hub.bytesServed(kWeights), 0);
    }
};

QTEST_GUILESS_MAIN(TestDownloadSecurity)
#include "test_download_security.moc"
