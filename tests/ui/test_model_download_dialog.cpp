// The model download dialog under the offscreen platform, against the local stand-in for the
// hub: a download fills the bar and hands over a model that opens; Cancel leaves nothing at
// the target; an error shows on one line and the fields come back.

#include "dialogs/model_download_dialog.h"
#include "generous_wait.h"
#include "hub_fixtures.h"
#include "local_hub_server.h"
#include "test_files.h"

#include "semsearch/model.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestModelDownloadDialog : public QObject {
    Q_OBJECT

    LocalHubServer m_hub;
    QTemporaryDir m_tmp;

    QString target() const {
        return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction() +
               QStringLiteral("/tiny");
    }

    ModelDownloadOptions defaults() const {
        ModelDownloadOptions options;
        options.repository = QStringLiteral("test/tiny-bert-max");
        options.endpoint = m_hub.endpoint();
        options.useSystemProxy = false;
        options.targetFolder = target();
        return options;
    }

    template <typename T> static T* child(QObject& parent, const char* name) {
        T* found = parent.findChild<T*>(QLatin1String(name));
        if (!found)
            qWarning("no child %s", name);
        return found;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_hub.start());
        m_hub.addRepository(QStringLiteral("test/tiny-bert-max"), tinyModelRepository());
        HubRepository marked = tinyModelRepository();
        marked.errorMessage = "<b>bold</b> <a href=\"http://evil.example/\">link</a>\x1b[2K";
        m_hub.addRepository(QStringLiteral("test/marked-up-error"), marked);
    }

    void init() { m_hub.setThrottle(0, 0); }

    void downloadFillsTheBarAndHandsOverTheModel() {
        ui::ModelDownloadDialog dialog(defaults());
        dialog.show();
        auto* repository = child<QLineEdit>(dialog, "repository");
        auto* revision = child<QLineEdit>(dialog, "revision");
        auto* folder = child<QLineEdit>(dialog, "folder");
        auto* progress = child<QProgressBar>(dialog, "progress");
        auto* start = child<QPushButton>(dialog, "download");
        QVERIFY(repository && revision && folder && progress && start);
        QCOMPARE(repository->text(), QStringLiteral("test/tiny-bert-max"));
        QCOMPARE(revision->text(), QStringLiteral("main"));
        QCOMPARE(folder->text(), target());

        int highest = 0;
        connect(progress, &QProgressBar::valueChanged, this,
                [&](int value) { highest = std::max(highest, value); });
        QSignalSpy downloaded(&dialog, &ui::ModelDownloadDialog::modelDownloaded);
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(!repository->isEnabled()); // locked while it runs
        QVERIFY(downloaded.wait(kGenerousWaitMs));
        QCOMPARE(downloaded.at(0).at(0).toString(), target());
        QCOMPARE(accepted.size(), 1);
        QCOMPARE(highest, progress->maximum());
        QCOMPARE(progress->value(), progress->maximum());

        for (const QString& file : tinyModelFiles())
            QVERIFY2(readFile(target() + QLatin1Char('/') + file) ==
                         readFile(tinyModelPath() + QLatin1Char('/') + file),
                     qPrintable(file));
        auto info = readModelInfo(target());
        QVERIFY(info.ok());
        QCOMPARE(info->dimension(), 32);
    }

    void cancelLeavesNothingAtTheTarget() {
        m_hub.setThrottle(16 * 1024, 20);
        ui::ModelDownloadDialog dialog(defaults());
        dialog.show();
        auto* progress = child<QProgressBar>(dialog, "progress");
        auto* status = child<QLabel>(dialog, "status");
        auto* start = child<QPushButton>(dialog, "download");
        auto* cancel = child<QPushButton>(dialog, "cancel");
        QVERIFY(progress && status && start && cancel);
        QVERIFY(!cancel->isEnabled());
        QSignalSpy downloaded(&dialog, &ui::ModelDownloadDialog::modelDownloaded);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(cancel->isEnabled());
        // Into the weights: the bar moves once their size is known.
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("model.safetensors")) &&
                                     progress->maximum() > 0 && progress->value() > 0,
                                 kGenerousWaitMs);
        QVERIFY(progress->value() < progress->maximum());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isDownloading(), kGenerousWaitMs);
        QVERIFY2(status->text().contains(QStringLiteral("Cancelled")), qPrintable(status->text()));
        QVERIFY(start->isEnabled());
        QVERIFY(!cancel->isEnabled());
        QVERIFY(dialog.isVisible()); // Cancel stops the download, not the dialog
        QCOMPARE(downloaded.size(), 0);
        QVERIFY(!QFileInfo::exists(target()));
        QVERIFY(discardPartialDownload(target()).ok());
    }

    void errorShowsOnOneLineAndTheFieldsComeBack() {
        ModelDownloadOptions options = defaults();
        options.repository = QStringLiteral("test/not-there");
        ui::ModelDownloadDialog dialog(options);
        dialog.show();
        auto* error = child<QLabel>(dialog, "error");
        auto* repository = child<QLineEdit>(dialog, "repository");
        auto* start = child<QPushButton>(dialog, "download");
        QVERIFY(error && repository && start);
        QVERIFY(error->isHidden());
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isDownloading(), kGenerousWaitMs);
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("test/not-there")) &&
                     !error->text().contains(QLatin1Char('\n')),
                 qPrintable(error->text()));
        QVERIFY(repository->isEnabled() && start->isEnabled());
        QVERIFY(!QFileInfo::exists(target()));

        // Fixing the name and trying again works, and the error goes.
        repository->setText(QStringLiteral("test/tiny-bert-max"));
        QSignalSpy downloaded(&dialog, &ui::ModelDownloadDialog::modelDownloaded);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(error->isHidden());
        QVERIFY(downloaded.wait(kGenerousWaitMs));
    }

    // The server's words are shown as text: no markup rendered, no link, no escape sequence.
    void serverErrorShowsAsPlainText() {
        ModelDownloadOptions options = defaults();
        options.repository = QStringLiteral("test/marked-up-error");
        ui::ModelDownloadDialog dialog(options);
        dialog.show();
        auto* error = child<QLabel>(dialog, "error");
        auto* start = child<QPushButton>(dialog, "download");
        QVERIFY(error && start);
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isDownloading(), 10000);
        QVERIFY(error->isVisible());
        QCOMPARE(error->textFormat(), Qt::PlainText);
        QVERIFY2(error->text().contains(QStringLiteral("<b>bold</b> <a href=")) &&
                     !error->text().contains(QChar(0x1b)),
                 qPrintable(error->text()));
    }

    // Issue 16, 10: offline, the dialog says what a desktop user can check (not HF_ENDPOINT),
    // and the bar is busy rather than "0%" while the size is unknown.
    void unreachableServerGetsDesktopWords() {
        QTcpServer closed; // a port that was free a moment ago: nothing listens there now
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        ModelDownloadOptions options = defaults();
        options.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(port);
        options.retries = 0;
        ui::ModelDownloadDialog dialog(options);
        dialog.show();
        auto* error = child<QLabel>(dialog, "error");
        auto* progress = child<QProgressBar>(dialog, "progress");
        auto* start = child<QPushButton>(dialog, "download");
        QVERIFY(error && progress && start);
        QTest::mouseClick(start, Qt::LeftButton);
        QCOMPARE(progress->maximum(), 0); // busy, no figure
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isDownloading(), kGenerousWaitMs);
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("Check that this computer is online")) &&
                     !error->text().startsWith(QStringLiteral("cannot")),
                 qPrintable(error->text()));
        QVERIFY(!error->text().contains(QLatin1Char('\n')));
        QCOMPARE(progress->value(), 0);
        QVERIFY(progress->maximum() > 0);
    }

    // Issue 16, 10: the mirror and proxy of Settings reach the window's download; the
    // environment's hub address applies only while the settings name no mirror.
    void settingsMirrorAndProxyReachTheDownload() {
        qputenv("HF_ENDPOINT", "https://env-mirror.example");
        services::AppSettings settings;
        QCOMPARE(ui::downloadOptionsFrom(settings).endpoint,
                 QStringLiteral("https://env-mirror.example"));
        QVERIFY(ui::downloadOptionsFrom(settings).proxy.isEmpty());
        // A hub no resolver knows, reachable only through the proxy of the settings.
        settings.downloadMirror = QStringLiteral(" http://hub.semsearch.invalid ");
        settings.downloadProxy = QStringLiteral("127.0.0.1:%1").arg(m_hub.port());
        ModelDownloadOptions options = ui::downloadOptionsFrom(settings);
        qunsetenv("HF_ENDPOINT");
        QCOMPARE(options.endpoint, QStringLiteral("http://hub.semsearch.invalid"));
        options.repository = QStringLiteral("test/tiny-bert-max");
        options.targetFolder = target();
        m_hub.resetCounters();
        ui::ModelDownloadDialog dialog(options);
        dialog.show();
        QSignalSpy downloaded(&dialog, &ui::ModelDownloadDialog::modelDownloaded);
        QTest::mouseClick(child<QPushButton>(dialog, "download"), Qt::LeftButton);
        QVERIFY(downloaded.wait(kGenerousWaitMs));
        QVERIFY(!m_hub.requests().isEmpty());
        for (const HubRequest& request : m_hub.requests())
            QVERIFY2(request.proxied, qPrintable(request.path));
    }

    void emptyFolderFieldShowsTheStandardPlace() {
        ModelDownloadOptions options = defaults();
        options.targetFolder.clear();
        ui::ModelDownloadDialog dialog(options);
        auto* folder = child<QLineEdit>(dialog, "folder");
        auto* repository = child<QLineEdit>(dialog, "repository");
        QVERIFY(folder && repository);
        QVERIFY(folder->text().isEmpty());
        QVERIFY2(folder->placeholderText().endsWith(QStringLiteral("/models/tiny-bert-max")),
                 qPrintable(folder->placeholderText()));
        repository->setText(QStringLiteral("someone/other-model"));
        QVERIFY(folder->placeholderText().endsWith(QStringLiteral("/models/other-model")));
    }

    void closingCancelsTheDownload() {
        m_hub.setThrottle(16 * 1024, 20);
        ui::ModelDownloadDialog dialog(defaults());
        dialog.show();
        auto* start = child<QPushButton>(dialog, "download");
        QVERIFY(start);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(dialog.isDownloading());
        dialog.reject();
        QVERIFY(!dialog.isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isDownloading(), kGenerousWaitMs);
        QVERIFY(!QFileInfo::exists(target()));
        QVERIFY(discardPartialDownload(target()).ok());
    }
};

QTEST_MAIN(TestModelDownloadDialog)
#include "test_model_download_dialog.moc"
