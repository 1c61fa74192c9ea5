// The semsearch program as launched from a terminal while a window runs on the same index
// (this test plays that window): a path that is not there is said on the terminal that asked
// and the launch ends with 1, the paths that are there still reach the window.

#include "generous_wait.h"
#include "single_instance.h"
#include "test_files.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestGuiLaunch : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

private Q_SLOTS:
    // Issue 16, 13: "semsearch /nonexistent" as a second launch exited 0 saying nothing.
    void aMissingPathIsSaidAndTheLaunchFails() {
        QVERIFY(m_tmp.isValid());
        const QString index = m_tmp.filePath(QStringLiteral("index"));
        const QString existing = m_tmp.filePath(QStringLiteral("notes.txt"));
        const QString missing = m_tmp.filePath(QStringLiteral("no-such-folder"));
        QVERIFY(writeFile(existing, "Cats sleep.\n"));
        services::SingleInstance window;
        auto listening = window.listen(index);
        QVERIFY2(listening.ok(), listening.ok() ? "" : qPrintable(listening.error().message));
        QCOMPARE(*listening, services::SingleInstance::ListenResult::Listening);
        QSignalSpy received(&window, &services::SingleInstance::pathsReceived);

        QProcess launch;
        launch.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
        QSignalSpy finished(&launch, &QProcess::finished);
        launch.start(QStringLiteral(SEMSEARCH_GUI),
                     {QStringLiteral("--index"), index, missing, existing});
        QVERIFY(finished.wait(kGenerousWaitMs)); // spins the event loop, so the window answers
        QCOMPARE(launch.exitStatus(), QProcess::NormalExit);
        QCOMPARE(launch.exitCode(), 1);
        const QString said = QString::fromUtf8(launch.readAllStandardError());
        QVERIFY2(said.contains(missing + QStringLiteral(": no such file or folder")),
                 qPrintable(said));
        QTRY_COMPARE(received.count(), 1);
        QCOMPARE(received.first().first().toStringList(), QStringList({existing}));
    }
};

QTEST_GUILESS_MAIN(TestGuiLaunch)
#include "test_gui_launch.moc"
