// semsearch: the desktop application. Composition root: settings and flags -> the main window.

#include "main_window.h"
#include "semsearch/locations.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("semsearch"));
    QApplication::setOrganizationName(QStringLiteral("semsearch"));
    QApplication::setApplicationVersion(QStringLiteral(SEMSEARCH_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Find passages by meaning."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QApplication::translate("main", "Model folder (default: $SEMSEARCH_MODEL, the saved "
                                        "setting, or the standard download location)."),
        QStringLiteral("DIR"));
    parser.addOption(modelOption);
    parser.process(app);

    // Precedence: flag, environment, saved setting, default download location.
    QString modelFolder = parser.value(modelOption);
    if (modelFolder.isEmpty())
        modelFolder = qEnvironmentVariable("SEMSEARCH_MODEL");
    if (modelFolder.isEmpty())
        modelFolder = QSettings().value(QStringLiteral("model/folder")).toString();
    if (modelFolder.isEmpty())
        modelFolder = semsearch::defaultModelFolder();

    semsearch::ui::MainWindow window(modelFolder);
    window.show();
    return app.exec();
}
