// The settings dialog under the offscreen platform: settings in and out unchanged, each widget
// edited through key presses and clicks changes exactly its field, Restore Defaults, the model
// status line against the tiny model's own config files, session overrides, and keyboard use
// (mnemonics, tab order, accessible names).

#include "custom_app_settings.h"
#include "mnemonic_clashes.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "settings/settings_dialog.h"

#include "semsearch/precision_check.h"

#include "semsearch/locations.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <functional>

using namespace semsearch;
using namespace semsearch::test;
using semsearch::services::AppSettings;
using semsearch::ui::SettingsDialog;

Q_DECLARE_METATYPE(std::function<void(SettingsDialog&)>)
Q_DECLARE_METATYPE(std::function<void(services::AppSettings&)>)

namespace {

using Edit = std::function<void(SettingsDialog&)>;
using Change = std::function<void(services::AppSettings&)>;

template <typename T> T* child(const QObject& parent, const char* name) {
    return parent.findChild<T*>(QString::fromLatin1(name));
}

// Replaces a line edit's text the way a user does: select all, type.
void retype(QLineEdit* edit, const QString& text) {
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

// Presses OK and closes the message box that refuses the settings from within its own event
// loop; returns what it said (text and informative text), empty when none came.
QString pressOkAndReadRefusal(SettingsDialog& dialog) {
    QString said;
    QTimer answer;
    answer.setInterval(20);
    QObject::connect(&answer, &QTimer::timeout, &dialog, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        answer.stop();
        said = box->text() + QLatin1Char('\n') + box->informativeText();
        box->accept();
    });
    answer.start();
    QTest::mouseClick(dialog.findChild<QDialogButtonBox*>(QStringLiteral("buttons"))
                          ->button(QDialogButtonBox::Ok),
                      Qt::LeftButton);
    return said;
}

// The pieces of the expected status line, from the model's own files.
QString expectedStatus(const QString& modelFolder) {
    auto readObject = [](const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                              : QJsonObject();
    };
    const QJsonObject config = readObject(modelFolder + QStringLiteral("/config.json"));
    const QJsonObject pooling = readObject(modelFolder + QStringLiteral("/1_Pooling/config.json"));
    const QString mode = pooling.value(QStringLiteral("pooling_mode_max_tokens")).toBool()
                             ? QStringLiteral("max")
                         : pooling.value(QStringLiteral("pooling_mode_mean_tokens")).toBool()
                             ? QStringLiteral("mean")
                             : QStringLiteral("cls");
    return QStringLiteral("%1: %2 dimensions, %3 pooling")
        .arg(QDir(modelFolder).dirName())
        .arg(config.value(QStringLiteral("hidden_size")).toInt())
        .arg(mode);
}

} // namespace

class TestSettingsDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void settingsComeBackUnchanged() {
        for (const services::AppSettings& s : {customAppSettings(), services::AppSettings{}}) {
            SettingsDialog dialog(s);
            QVERIFY(dialog.settings() == s);
        }
        services::AppSettings noPatterns = customAppSettings();
        noPatterns.excludePatterns.clear();
        QVERIFY(SettingsDialog(noPatterns).settings() == noPatterns);
    }

    void eachWidgetChangesItsField_data() {
        QTest::addColumn<Edit>("edit");
        QTest::addColumn<Change>("change");
        QTest::newRow("model folder") << Edit([](SettingsDialog& d) {
            retype(child<QLineEdit>(d, "modelFolder"), QStringLiteral("/other/model"));
        }) << Change([](services::AppSettings& s) {
            s.modelFolder = QStringLiteral("/other/model");
        });
        QTest::newRow("index folder") << Edit([](SettingsDialog& d) {
            retype(child<QLineEdit>(d, "indexFolder"), QStringLiteral("/other/index"));
        }) << Change([](services::AppSettings& s) {
            s.indexFolder = QStringLiteral("/other/index");
        });
        QTest::newRow("batch size") << Edit([](SettingsDialog& d) {
            QTest::keyClick(child<QSpinBox>(d, "batchSize"), Qt::Key_Up);
        }) << Change([](services::AppSettings& s) { s.batchSize = 9; });
        QTest::newRow("threads") << Edit([](SettingsDialog& d) {
            QTest::keyClick(child<QSpinBox>(d, "threads"), Qt::Key_Up);
        }) << Change([](services::AppSettings& s) { s.threads = 4; });
        QTest::newRow("documents shown") << Edit([](SettingsDialog& d) {
            QTest::keyClick(child<QSpinBox>(d, "searchResultLimit"), Qt::Key_Down);
        }) << Change([](services::AppSettings& s) { s.searchResultLimit = 119; });
        QTest::newRow("excluded names") << Edit([](SettingsDialog& d) {
            auto* edit = child<QPlainTextEdit>(d, "excludePatterns");
            edit->setFocus();
            edit->moveCursor(QTextCursor::End);
            QTest::keyClick(edit, Qt::Key_Return);
            QTest::keyClicks(edit, QStringLiteral("  *.bak "));
            QTest::keyClick(edit, Qt::Key_Return); // a blank line is no pattern
        }) << Change([](services::AppSettings& s) {
            s.excludePatterns.append(QStringLiteral("*.bak"));
        });
        QTest::newRow("maximum file size") << Edit([](SettingsDialog& d) {
            QTest::keyClick(child<QSpinBox>(d, "maxFileSize"), Qt::Key_Up);
        }) << Change([](services::AppSettings& s) { s.maxFileMiB = 6; });
        QTest::newRow("precision") << Edit([](SettingsDialog& d) {
            auto* box = child<QComboBox>(d, "precision");
            box->setFocus();
            QTest::keyClick(box, Qt::Key_Down); // bf16 -> int8
        }) << Change([](services::AppSettings& s) { s.precision = Precision::Int8; });
        QTest::newRow("download mirror") << Edit([](SettingsDialog& d) {
            retype(child<QLineEdit>(d, "downloadMirror"), QStringLiteral(" http://m.example "));
        }) << Change([](services::AppSettings& s) {
            s.downloadMirror = QStringLiteral("http://m.example");
        });
        QTest::newRow("download proxy") << Edit([](SettingsDialog& d) {
            auto* proxy = child<QLineEdit>(d, "downloadProxy");
            proxy->setFocus();
            proxy->selectAll();
            QTest::keyClick(proxy, Qt::Key_Delete);
        }) << Change([](services::AppSettings& s) { s.downloadProxy.clear(); });
        QTest::newRow("watch folders") << Edit([](SettingsDialog& d) {
            QTest::mouseClick(child<QCheckBox>(d, "watchFolders"), Qt::LeftButton);
        }) << Change([](services::AppSettings& s) { s.watchFolders = true; });
    }
    void eachWidgetChangesItsField() {
        QFETCH(Edit, edit);
        QFETCH(Change, change);
        SettingsDialog dialog(customAppSettings());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        edit(dialog);
        services::AppSettings expected = customAppSettings();
        change(expected);
        const services::AppSettings got = dialog.settings();
        QCOMPARE(got.modelFolder, expected.modelFolder);
        QCOMPARE(got.indexFolder, expected.indexFolder);
        QCOMPARE(got.excludePatterns, expected.excludePatterns);
        QVERIFY(got == expected);
    }

    // Beside each precision: what the quality check found for this model on this CPU, or why it
    // cannot run, or that it has not been checked.
    void precisionChoicesShowTheCheckFigures() {
        CpuFeatures both;
        both.avx512Bf16 = true;
        both.avx512Vnni = true;
        PrecisionQuality int8;
        int8.precision = Precision::Int8;
        int8.texts = 300;
        int8.meanCosine = 0.98;
        int8.minCosine = 0.9;
        int8.neighbourOverlap = 0.7;
        int8.passed = false;
        QCOMPARE(ui::precisionChoiceText(Precision::Int8, {int8}, both),
                 QStringLiteral("int8: too inaccurate for this model, mean cosine 0.98000, min "
                                "0.90000, 10-nearest overlap 0.700 over 300 texts"));
        QCOMPARE(ui::precisionChoiceText(Precision::Bf16, {int8}, both),
                 QStringLiteral("bf16: checked against fp32 when first used"));
        QCOMPARE(ui::precisionChoiceText(Precision::Bf16, {}, CpuFeatures{}),
                 QStringLiteral("bf16: not on this computer (bf16 needs AVX512_BF16 or AMX; this "
                                "CPU has neither)"));
        int8.meanCosine = 0.995;
        int8.passed = true;
        QVERIFY(ui::precisionChoiceText(Precision::Int8, {int8}, both)
                    .startsWith(QStringLiteral("int8: passed, mean cosine 0.99500")));

        // The dialog reads the remembered results of the model in its folder field.
        QTemporaryDir cache;
        qputenv("XDG_CACHE_HOME", cache.path().toUtf8());
        auto model = openEmbedder(tinyModelPath());
        QVERIFY(model.ok());
        QVERIFY(rememberQuality(defaultCacheFolder(), (*model)->model().weightsFingerprint,
                                cpuDescription(probeCpuFeatures()), int8)
                    .ok());
        services::AppSettings s;
        s.modelFolder = tinyModelPath();
        SettingsDialog dialog(s);
        auto* box = child<QComboBox>(dialog, "precision");
        QCOMPARE(box->count(), 4);
        QCOMPARE(box->currentIndex(), 0); // auto
        QCOMPARE(box->itemText(3),
                 ui::precisionChoiceText(Precision::Int8, {int8}, probeCpuFeatures()));
        qunsetenv("XDG_CACHE_HOME");
    }

    void specialValuesReadAsWords() {
        services::AppSettings s = customAppSettings();
        s.threads = 0;
        s.maxFileMiB = 0;
        SettingsDialog dialog(s);
        QCOMPARE(child<QSpinBox>(dialog, "threads")->text(), QStringLiteral("Automatic"));
        QCOMPARE(child<QSpinBox>(dialog, "maxFileSize")->text(), QStringLiteral("No limit"));
        QSpinBox* size = child<QSpinBox>(dialog, "maxFileSize");
        QTest::keyClick(size, Qt::Key_Up);
        QCOMPARE(size->text(), QStringLiteral("1 MiB"));
        QCOMPARE(dialog.settings().maxFileMiB, 1);
    }

    void blankFolderMeansTheDefault() {
        SettingsDialog dialog(customAppSettings());
        child<QLineEdit>(dialog, "modelFolder")->clear();
        child<QLineEdit>(dialog, "indexFolder")->setText(QStringLiteral("  "));
        QCOMPARE(dialog.settings().modelFolder, defaultModelFolder());
        QCOMPARE(dialog.settings().indexFolder, defaultIndexFolder());
    }

    void restoreDefaults() {
        SettingsDialog dialog(customAppSettings());
        auto* buttons = child<QDialogButtonBox>(dialog, "buttons");
        QVERIFY(buttons);
        QTest::mouseClick(buttons->button(QDialogButtonBox::RestoreDefaults), Qt::LeftButton);
        QVERIFY(dialog.settings() == services::AppSettings{});
        QCOMPARE(dialog.result(), int(QDialog::Rejected)); // still open, nothing accepted
    }

    void modelStatusFollowsTheText() {
        SettingsDialog dialog(customAppSettings());
        auto* folder = child<QLineEdit>(dialog, "modelFolder");
        auto* status = child<QLabel>(dialog, "modelStatus");
        QVERIFY(folder && status);

        const QString expected = expectedStatus(tinyModelPath());
        QCOMPARE(expected, QStringLiteral("tiny-bert-max: 32 dimensions, max pooling"));
        retype(folder, tinyModelPath());
        QCOMPARE(status->text(), expected);

        QTemporaryDir empty;
        QVERIFY(empty.isValid());
        retype(folder, empty.path());
        QVERIFY2(status->text().contains(empty.path()), qPrintable(status->text()));
        QVERIFY(status->text() != expected);
        QVERIFY(!status->text().contains(QLatin1Char('\n')));

        retype(folder, tinyModelPath()); // and back
        QCOMPARE(status->text(), expected);
    }

    // What a model's files say is shown as text: no markup rendered, no escape sequence kept.
    void modelStatusIsPlainText() {
        SettingsDialog dialog(customAppSettings());
        auto* folder = child<QLineEdit>(dialog, "modelFolder");
        auto* status = child<QLabel>(dialog, "modelStatus");
        QVERIFY(folder && status);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(model.setJson(QStringLiteral("config.json"), QStringLiteral("model_type"),
                              QStringLiteral("<b>bold</b>\x1b[2K")));
        retype(folder, model.path());
        QCOMPARE(status->textFormat(), Qt::PlainText);
        QVERIFY2(status->text().contains(QStringLiteral("'<b>bold</b>")) &&
                     !status->text().contains(QChar(0x1b)),
                 qPrintable(status->text()));
    }

    void overriddenFoldersAreReadOnlyAndNotSaved() {
        const services::AppSettings saved = customAppSettings();
        SettingsDialog dialog(saved);
        services::SessionOverrides overrides;
        overrides.modelFolder = tinyModelPath();
        overrides.modelOrigin = QStringLiteral("--model");
        dialog.setOverridden(overrides);

        auto* model = child<QLineEdit>(dialog, "modelFolder");
        auto* index = child<QLineEdit>(dialog, "indexFolder");
        auto* note = child<QLabel>(dialog, "modelOverride");
        QCOMPARE(model->text(), tinyModelPath());
        QVERIFY(model->isReadOnly());
        QVERIFY(!child<QPushButton>(dialog, "modelBrowse")->isEnabled());
        QVERIFY(!note->isHidden());
        QVERIFY(note->text().contains(QStringLiteral("--model")));
        QVERIFY(note->text().contains(QDir::toNativeSeparators(saved.modelFolder)));
        QCOMPARE(child<QLabel>(dialog, "modelStatus")->text(), expectedStatus(tinyModelPath()));
        QVERIFY(!index->isReadOnly());
        QVERIFY(child<QLabel>(dialog, "indexOverride")->isHidden());

        // What comes back is what was saved, not the session's folder.
        QVERIFY(dialog.settings() == saved);
        QTest::keyClicks(model, QStringLiteral("typed")); // read-only: ignored
        QCOMPARE(dialog.settings().modelFolder, saved.modelFolder);

        // Restore Defaults resets the saved folder; the session's folder stays on show.
        QTest::mouseClick(
            child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::RestoreDefaults),
            Qt::LeftButton);
        QCOMPARE(model->text(), tinyModelPath());
        QVERIFY(dialog.settings() == services::AppSettings{});

        // Both folders overridden by the environment.
        overrides.indexFolder = QStringLiteral("/env/index");
        overrides.indexOrigin = QStringLiteral("SEMSEARCH_INDEX");
        dialog.setOverridden(overrides);
        QVERIFY(index->isReadOnly());
        QCOMPARE(index->text(), QStringLiteral("/env/index"));
        QVERIFY(child<QLabel>(dialog, "indexOverride")->text().contains("SEMSEARCH_INDEX"));

        // Released: the fields are editable again and show the saved folders.
        dialog.setOverridden({});
        QVERIFY(!model->isReadOnly() && !index->isReadOnly());
        QCOMPARE(model->text(), defaultModelFolder());
        QCOMPARE(index->text(), defaultIndexFolder());
        QVERIFY(note->isHidden());
    }

    // Issue 16, 9: a folder that holds no model is refused with what is missing, and the
    // previous model stays (nothing is accepted, so nothing is saved).
    void aFolderWithoutAModelIsRefused() {
        AppSettings saved = customAppSettings();
        saved.modelFolder = tinyModelPath();
        SettingsDialog dialog(saved);
        dialog.show();
        QTemporaryDir notAModel;
        QVERIFY(notAModel.isValid());
        auto* folder = child<QLineEdit>(dialog, "modelFolder");
        retype(folder, notAModel.path());
        const QString said = pressOkAndReadRefusal(dialog);
        QVERIFY2(said.contains(notAModel.path()), qPrintable(said));
        QVERIFY2(said.contains(QStringLiteral("config.json")), qPrintable(said));
        QVERIFY(dialog.isVisible());
        QVERIFY(dialog.result() != QDialog::Accepted);
        QCOMPARE(dialog.settings().modelFolder, tinyModelPath());
        QCOMPARE(folder->text(), QDir::toNativeSeparators(tinyModelPath()));
        // The model it had is accepted as before.
        QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    // Issue 16, 10: a mirror or proxy that is no address is refused, naming it, before it is
    // saved; the dialog stays open with the field focused.
    void malformedDownloadAddressesAreRefused() {
        for (const char* name : {"downloadMirror", "downloadProxy"}) {
            SettingsDialog dialog(customAppSettings());
            dialog.show();
            QApplication::setActiveWindow(&dialog);
            QVERIFY(QTest::qWaitForWindowActive(&dialog));
            auto* field = child<QLineEdit>(dialog, name);
            retype(field, QStringLiteral("ftp:/nowhere"));
            const QString said = pressOkAndReadRefusal(dialog);
            QVERIFY2(said.contains(QStringLiteral("ftp:/nowhere")), qPrintable(said));
            QVERIFY(dialog.isVisible());
            QVERIFY(dialog.result() != QDialog::Accepted);
            QCOMPARE(dialog.focusWidget(), field);
            retype(field, QStringLiteral("http://127.0.0.1:8080"));
            QTest::mouseClick(
                child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok),
                Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
    }

    // Issue 19: the index field takes a shared index's location, kept as typed, never made
    // into a path; the title and notes show it as typed.
    void aSharedIndexLocationIsKeptAsTyped() {
        AppSettings saved = customAppSettings();
        saved.indexFolder = QStringLiteral("postgresql://ann@db.example.org/team");
        SettingsDialog dialog(saved);
        auto* index = child<QLineEdit>(dialog, "indexFolder");
        QCOMPARE(index->text(), saved.indexFolder);
        QVERIFY(dialog.settings() == saved);
        const QString typed =
            QStringLiteral("postgres://db2.example.org:5433/notes?sslmode=require");
        retype(index, QStringLiteral(" ") + typed + QStringLiteral(" "));
        QCOMPARE(dialog.settings().indexFolder, typed);
        dialog.show();
        QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(child<QLabel>(dialog, "indexProblem")->isHidden());
    }

    // A location with a password is refused when OK is pressed, in one line in the dialog
    // that names the location without it; the password leaves the field, and what the dialog
    // then gives to be saved holds none (read back from the settings file).
    void aLocationWithAPasswordIsRefused() {
        const QStringList typed = {
            QStringLiteral("postgresql://ann:s3cret-pw@db.example.org/team"),
            QStringLiteral("postgresql://ann@db.example.org/team?password=s3cret-pw")};
        for (const QString& location : typed) {
            SettingsDialog dialog(customAppSettings());
            dialog.show();
            auto* index = child<QLineEdit>(dialog, "indexFolder");
            auto* problem = child<QLabel>(dialog, "indexProblem");
            retype(index, location);
            auto* ok = child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok);
            QTest::mouseClick(ok, Qt::LeftButton);
            QVERIFY(dialog.isVisible());
            QVERIFY(dialog.result() != QDialog::Accepted);
            QVERIFY(!problem->isHidden());
            QCOMPARE(problem->text(),
                     QStringLiteral("postgresql://ann@db.example.org/team: semsearch does not "
                                    "keep passwords: put it in ~/.pgpass or PGPASSWORD."));
            QVERIFY(!index->text().contains(QStringLiteral("s3cret")));
            // Typing hides the note; OK now accepts the location without the password.
            QTest::keyClick(index, Qt::Key_End);
            QTest::keyClicks(index, QStringLiteral(" "));
            QVERIFY(problem->isHidden());
            QTest::mouseClick(ok, Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            QCOMPARE(dialog.settings().indexFolder,
                     QStringLiteral("postgresql://ann@db.example.org/team"));

            QTemporaryDir dir;
            QVERIFY(dir.isValid());
            const QString ini = dir.filePath(QStringLiteral("semsearch.ini"));
            {
                QSettings store(ini, QSettings::IniFormat);
                services::saveSettings(store, dialog.settings());
            }
            QFile file(ini);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray written = file.readAll();
            QVERIFY2(written.contains("postgresql://ann@db.example.org/team"), written.constData());
            QVERIFY2(!written.contains("s3cret"), written.constData());
        }
    }

    // --index or SEMSEARCH_INDEX with a password: the read-only field shows the location
    // without it, and the saved setting stays what it was.
    void anOverridingLocationIsShownWithoutItsPassword() {
        const AppSettings saved = customAppSettings();
        SettingsDialog dialog(saved);
        services::SessionOverrides overrides;
        overrides.indexFolder = QStringLiteral("postgresql://ann:s3cret-pw@127.0.0.1:5999/team");
        overrides.indexOrigin = QStringLiteral("SEMSEARCH_INDEX");
        dialog.setOverridden(overrides);
        auto* index = child<QLineEdit>(dialog, "indexFolder");
        QCOMPARE(index->text(), QStringLiteral("postgresql://ann@127.0.0.1:5999/team"));
        QVERIFY(index->isReadOnly());
        QVERIFY(dialog.settings() == saved);
        dialog.show();
        QTest::mouseClick(child<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void labelsHaveBuddiesAndInputsHaveNames() {
        SettingsDialog dialog(customAppSettings());
        const QStringList inputs = {
            "modelFolder", "modelBrowse",     "indexFolder",       "indexBrowse", "batchSize",
            "threads",     "excludePatterns", "searchResultLimit", "maxFileSize", "watchFolders",
            "precision",   "downloadMirror",  "downloadProxy"};
        QStringList withBuddy;
        for (QLabel* label : dialog.findChildren<QLabel*>()) {
            if (label->buddy()) {
                QVERIFY2(label->text().contains(QLatin1Char('&')), qPrintable(label->text()));
                withBuddy.append(label->buddy()->objectName());
            }
        }
        withBuddy.sort();
        QCOMPARE(withBuddy,
                 QStringList({"batchSize", "downloadMirror", "downloadProxy", "excludePatterns",
                              "indexFolder", "maxFileSize", "modelFolder", "precision",
                              "searchResultLimit", "threads"}));
        for (const QString& name : inputs) {
            QWidget* widget = dialog.findChild<QWidget*>(name);
            QVERIFY2(widget, qPrintable(name));
            QVERIFY2(!widget->accessibleName().isEmpty(), qPrintable(name));
        }
    }

    void keyboardReachesEveryField() {
        SettingsDialog dialog(customAppSettings());
        dialog.show();
        QApplication::setActiveWindow(&dialog);
        QVERIFY(QTest::qWaitForWindowActive(&dialog));

        // Alt + the underlined letter moves to the field.
        const QList<std::pair<Qt::Key, const char*>> mnemonics = {
            {Qt::Key_B, "batchSize"},      {Qt::Key_T, "threads"},
            {Qt::Key_I, "indexFolder"},    {Qt::Key_X, "excludePatterns"},
            {Qt::Key_Z, "maxFileSize"},    {Qt::Key_D, "searchResultLimit"},
            {Qt::Key_P, "precision"},      {Qt::Key_M, "modelFolder"},
            {Qt::Key_H, "downloadMirror"}, {Qt::Key_Y, "downloadProxy"},
        };
        QCOMPARE(mnemonicClashes(dialog), QStringList());
        for (const auto& [key, name] : mnemonics) {
            QTest::keyClick(&dialog, key, Qt::AltModifier);
            QVERIFY(QApplication::focusWidget());
            QCOMPARE(QApplication::focusWidget()->objectName(), QString::fromLatin1(name));
        }

        // Tab goes top to bottom; the pattern list passes Tab on instead of inserting one.
        const QStringList order = {
            "modelFolder",       "modelBrowse",    "precision",       "batchSize",   "threads",
            "indexFolder",       "indexBrowse",    "excludePatterns", "maxFileSize", "watchFolders",
            "searchResultLimit", "downloadMirror", "downloadProxy"};
        child<QLineEdit>(dialog, "modelFolder")->setFocus();
        QStringList visited;
        for (int i = 0; i < order.size(); ++i) {
            QWidget* focus = QApplication::focusWidget();
            QVERIFY(focus);
            // A spin box's focus is on its inner line edit.
            visited.append(focus->objectName().isEmpty() && focus->parentWidget()
                               ? focus->parentWidget()->objectName()
                               : focus->objectName());
            QTest::keyClick(focus, Qt::Key_Tab);
        }
        QCOMPARE(visited, order);
        QCOMPARE(child<QPlainTextEdit>(dialog, "excludePatterns")->toPlainText(),
                 QStringLiteral("*.log\ntmp"));
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "test_settings_dialog.moc"
