// semsearch: the desktop application. Composition root: saved settings, then the environment,
// then flags -> AppSettings -> the main window.

#include "app_settings.h"
#include "common/dark_palette.h"
#include "common/translations.h"
#include "single_instance.h"
#include "window/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include <cstdio>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("semsearch"));
    QApplication::setOrganizationName(QStringLiteral("semsearch"));
    QApplication::setApplicationDisplayName(QStringLiteral("semsearch"));
    QApplication::setApplicationVersion(QStringLiteral(SEMSEARCH_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.semsearch.Semsearch"));
    semsearch::ui::installTranslations(app);
    if (qEnvironmentVariable("SEMSEARCH_PALETTE") == QLatin1String("dark")) {
        QApplication::setStyle(QStringLiteral("Fusion")); // the platform style may ignore it
        QApplication::setPalette(semsearch::ui::darkPalette());
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Find passages in your documents by meaning."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QApplication::translate("main", "Model folder (default: $SEMSEARCH_MODEL, else the saved "
                                        "setting)."),
        QStringLiteral("DIR"));
    const QCommandLineOption indexOption(
        QStringLiteral("index"),
        QApplication::translate("main", "Index folder, or a shared index's postgresql:// location "
                                        "(default: $SEMSEARCH_INDEX, else the saved setting)."),
        QStringLiteral("DIR"));
    const QCommandLineOption addFolderOption(
        QStringLiteral("add-folder"),
        QApplication::translate("main", "Ask for a folder to index when the window opens."));
    parser.addOption(modelOption);
    parser.addOption(indexOption);
    parser.addOption(addFolderOption);
    parser.addPositionalArgument(QStringLiteral("paths"),
                                 QApplication::translate("main", "Files and folders to index."),
                                 QStringLiteral("[PATH...]"));
    parser.process(app);

    QSettings store;
    const semsearch::services::AppSettings settings =
        semsearch::services::applyOverrides(semsearch::services::loadSettings(store),
                                            parser.value(indexOption), parser.value(modelOption));
    const semsearch::services::SessionOverrides overrides =
        semsearch::services::sessionOverrides(parser.value(indexOption), parser.value(modelOption));

    // One window per index: a second launch hands its paths to the first and ends, so two
    // windows never fight over the same index (start-up order as single_instance.h says).
    // A path that is not there is said here, on the terminal that asked, whichever window
    // ends up indexing the others; a second launch then ends with 1.
    QStringList paths;
    bool missing = false;
    for (const QString& path : parser.positionalArguments()) {
        if (QFileInfo::exists(path)) {
            paths << path;
            continue;
        }
        missing = true;
        std::fprintf(stderr, "%s\n",
                     qPrintable(QApplication::translate("main", "semsearch: %1: no such file or "
                                                                "folder")
                                    .arg(path)));
    }
    semsearch::services::InstanceRequest request{paths, parser.isSet(addFolderOption)};
    if (semsearch::services::SingleInstance::sendToRunning(settings.indexFolder, request))
        return missing ? 1 : 0;
    semsearch::services::SingleInstance instance;
    auto listening = instance.listen(settings.indexFolder);
    if (listening &&
        *listening == semsearch::services::SingleInstance::ListenResult::AlreadyRunning)
        return semsearch::services::SingleInstance::sendToRunning(settings.indexFolder, request) &&
                       !missing
                   ? 0
                   : 1;
    if (!listening) // the window still works, only without the hand-over
        qWarning("semsearch: %s; this window will not receive later launches",
                 qPrintable(listening.error().message));

    semsearch::ui::MainWindow window(settings, overrides);
    QObject::connect(&instance, &semsearch::services::SingleInstance::activationRequested, &window,
                     [&window] {
                         window.setWindowState(window.windowState() & ~Qt::WindowMinimized);
                         window.raise();
                         window.activateWindow();
                     });
    QObject::connect(&instance, &semsearch::services::SingleInstance::pathsReceived, &window,
                     &semsearch::ui::MainWindow::addPaths);
    QObject::connect(&instance, &semsearch::services::SingleInstance::addFolderRequested, &window,
                     &semsearch::ui::MainWindow::chooseFolderToAdd);
    window.show();
    if (!parser.positionalArguments().isEmpty())
        window.addPaths(parser.positionalArguments()); // says in the window what is missing
    if (parser.isSet(addFolderOption))
        QTimer::singleShot(0, &window, &semsearch::ui::MainWindow::chooseFolderToAdd);
    return app.exec();
}
