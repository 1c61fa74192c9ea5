// The window with a crafted model: the model loader's thread must never take the application
// down (and it would again at every start, the setting still pointing at that model); the window
// shows the no-model page with the one-line reason instead. The process's address space is
// limited to what it uses plus 1 GiB, so that a regression aborts here rather than fill the
// machine's memory.

#include "generous_wait.h"
#include "model_folder_fixture.h"
#include "torch_bin_writer.h"
#include "window/main_window.h"

#include <QLabel>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <malloc.h>
#include <sys/resource.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// This process's address space now, from /proc/self/status; 0 when unknown.
rlim_t addressSpaceInUse() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmSize:"))
            return rlim_t(line.mid(7).trimmed().split(' ').value(0).toULongLong()) * 1024;
    return 0;
}

} // namespace

class TestHostileModelWindow : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_tmp.isValid());
        // Two malloc arenas: otherwise each thread that loads the model may reserve 64 MB more,
        // and the margin would depend on the number of cores.
        QCOMPARE(::mallopt(M_ARENA_MAX, 2), 1);
        const rlim_t inUse = addressSpaceInUse();
        QVERIFY(inUse > 0);
        const rlimit limit{inUse + (rlim_t(1) << 30), inUse + (rlim_t(1) << 30)};
        QCOMPARE(::setrlimit(RLIMIT_AS, &limit), 0);
    }

    void craftedWeightsShowTheNoModelPage() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        // 512 transposed views of one 4 MiB storage: 2 GiB of dense copies for a 4 MB file.
        QVERIFY(model.write(QStringLiteral("pytorch_model.bin"), transposedViewsBin(512, 1024)));

        services::AppSettings settings;
        settings.modelFolder = model.path();
        settings.indexFolder = m_tmp.filePath(QStringLiteral("index"));
        settings.watchFolders = false;
        ui::MainWindow window(settings);
        window.show();
        auto* pages = window.findChild<QStackedWidget*>();
        QVERIFY(pages);
        QTRY_COMPARE_WITH_TIMEOUT(pages->currentWidget()->objectName(),
                                  QStringLiteral("noModelPage"), 60000);
        auto* text = pages->currentWidget()->findChild<QLabel*>(QStringLiteral("emptyText"));
        QVERIFY(text);
        QVERIFY2(text->text().contains(QStringLiteral("pytorch_model.bin")) &&
                     text->text().contains(QStringLiteral("strided view")),
                 qPrintable(text->text()));
    }

    // A model folder's name is shown as it is, never as markup.
    void modelNameIsPlainText() {
        QTemporaryDir parent;
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        const QString named = parent.path() + QStringLiteral("/<i>slanted");
        QVERIFY(QDir().rename(model.path(), named));
        services::AppSettings settings;
        settings.modelFolder = named;
        settings.indexFolder = m_tmp.filePath(QStringLiteral("index2"));
        settings.watchFolders = false;
        ui::MainWindow window(settings);
        QSignalSpy ready(&window, &ui::MainWindow::modelReady);
        window.show();
        QVERIFY(ready.wait(kGenerousWaitMs));
        auto* label = window.findChild<QLabel*>(QStringLiteral("modelStatus"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("Model: <i>slanted"));
        QCOMPARE(label->textFormat(), Qt::PlainText);
        QVERIFY(QDir().rename(named, model.path()));
    }
};

QTEST_MAIN(TestHostileModelWindow)
#include "test_hostile_model_window.moc"
