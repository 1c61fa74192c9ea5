#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace semsearch::ui {

namespace {

// Loads `file` for `locale` from `folder` and installs it on `app`, which then owns it.
bool install(QCoreApplication& app, const QLocale& locale, const QString& file,
             const QString& folder) {
    auto* translator = new QTranslator(&app);
    if (!translator->load(locale, file, QStringLiteral("_"), folder)) {
        delete translator;
        return false;
    }
    return QCoreApplication::installTranslator(translator);
}

} // namespace

bool installTranslations(QCoreApplication& app, const QLocale& locale) {
    QLocale::setDefault(locale);
    const QString ours = QStringLiteral(":/translations");
    // Installed later means asked first: the language's catalogue wins over the English
    // plural forms, which answer only for strings it lacks.
    install(app, QLocale(QLocale::English), QStringLiteral("semsearch"), ours);
    install(app, locale, QStringLiteral("qtbase"),
            QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    if (locale.language() == QLocale::English || locale.language() == QLocale::C)
        return true;
    return install(app, locale, QStringLiteral("semsearch"), ours);
}

} // namespace semsearch::ui
