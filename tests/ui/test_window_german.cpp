// The window in German: the catalogue for the user's locale is loaded (semsearch_de), with its
// plural forms and the locale's number format, and Qt's own words where Qt's catalogue is
// installed. The strings checked are the catalogue's, read here independently of the code.

#include "common/translations.h"
#include "custom_app_settings.h"
#include "generous_wait.h"
#include "mnemonic_clashes.h"
#include "model_folder_fixture.h"
#include "results/result_delegate.h"
#include "settings/settings_dialog.h"
#include "window/indexing_bar.h"
#include "window/main_window.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestWindowGerman : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_tmp.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           m_tmp.filePath(QStringLiteral("config")));
        QVERIFY(ui::installTranslations(*QCoreApplication::instance(),
                                        QLocale(QLocale::German, QLocale::Germany)));
    }

    void theWindowSpeaksGerman() {
        services::AppSettings s;
        s.modelFolder = tinyModelPath();
        s.indexFolder = m_tmp.filePath(QStringLiteral("index"));
        s.watchFolders = false;
        ui::MainWindow window(s);
        QSignalSpy overview(&window, &ui::MainWindow::overviewShown);
        window.show();
        QVERIFY(overview.wait(kGenerousWaitMs));
        auto* pages = window.findChild<QStackedWidget*>();
        auto title = [&] {
            return pages->currentWidget()->findChild<QLabel*>(QStringLiteral("emptyTitle"))->text();
        };
        QTRY_COMPARE_WITH_TIMEOUT(title(), QStringLiteral("Ordner hierher ziehen"),
                                  kGenerousWaitMs);
        QCOMPARE(window.findChild<QLineEdit*>(QStringLiteral("query"))->placeholderText(),
                 QStringLiteral("Beschreiben Sie, wonach Sie suchen …"));
        QStringList menus;
        for (QAction* menu : window.menuBar()->actions())
            menus << menu->text();
        QCOMPARE(menus, QStringList({QStringLiteral("&Datei"), QStringLiteral("&Bearbeiten"),
                                     QStringLiteral("&Ansicht"), QStringLiteral("&Hilfe")}));
        auto* mode = window.findChild<QComboBox*>(QStringLiteral("searchMode"));
        QVERIFY(mode);
        QCOMPARE(mode->itemText(0), QStringLiteral("Bedeutung + Wörter"));
        QCOMPARE(mode->accessibleName(), QStringLiteral("Suchen nach"));
    }

    // Each field of the settings keeps its own Alt+letter in German too (the German letters were
    // chosen apart from the English ones, and two once clashed: Alt+C on both Browse buttons,
    // Alt+G on precision and file size).
    void settingsMnemonicsAreTheirOwn() {
        ui::SettingsDialog dialog(customAppSettings());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(dialog.windowTitle().isEmpty(), false);
        const QStringList clashes = mnemonicClashes(dialog);
        QVERIFY2(clashes.isEmpty(), qPrintable(clashes.join(QStringLiteral("; "))));
    }

    // Plural forms and the German number format.
    void pluralsAndNumbers() {
        IndexProgress progress;
        progress.stage = IndexProgress::Stage::Indexing;
        progress.filesDone = 1;
        progress.filesTotal = 1;
        progress.passagesDone = 1;
        QCOMPARE(ui::IndexingBar::describePaused(progress),
                 QStringLiteral("Angehalten bei 1 von 1 Datei, 1 Passage"));
        progress.filesDone = 1200;
        progress.filesTotal = 17935;
        progress.passagesDone = 17535;
        QCOMPARE(ui::IndexingBar::describePaused(progress),
                 QStringLiteral("Angehalten bei 1.200 von 17.935 Dateien, 17.535 Passagen"));
    }

    // A result with identical copies elsewhere: the word for one copy and for more.
    void copiesInPluralForm() {
        const QString folder = QStringLiteral("~/notizen");
        QCOMPARE(ui::ResultDelegate::folderText(folder, 0), folder);
        QCOMPARE(ui::ResultDelegate::folderText(folder, 1),
                 QStringLiteral("~/notizen · dazu 1 Kopie an anderer Stelle"));
        QCOMPARE(ui::ResultDelegate::folderText(folder, 1200),
                 QStringLiteral("~/notizen · dazu 1.200 Kopien an anderer Stelle"));
    }
};

QTEST_MAIN(TestWindowGerman)
#include "test_window_german.moc"
