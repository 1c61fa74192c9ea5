#include "page_opener.h"

#include <QProcess>

namespace semsearch::services {

QStringList pageOpenCommand(const QString& desktopId, const QString& path, int page) {
    const QString id = desktopId.toLower();
    const QString number = QString::number(page);
    for (const char* evinceLike : {"evince", "atril", "xreader"})
        if (id.contains(QLatin1String(evinceLike)))
            return {QString::fromLatin1(evinceLike), QStringLiteral("--page-index=") + number,
                    path};
    if (id.contains(QLatin1String("okular")))
        return {QStringLiteral("okular"), QStringLiteral("--page"), number, path};
    if (id.contains(QLatin1String("zathura")))
        return {QStringLiteral("zathura"), QStringLiteral("--page=") + number, path};
    if (id.contains(QLatin1String("qpdfview")))
        return {QStringLiteral("qpdfview"), QStringLiteral("--unique"),
                path + QLatin1Char('#') + number};
    return {};
}

QString defaultPdfViewer() {
    static const QString viewer = [] {
        QProcess query;
        query.start(QStringLiteral("xdg-mime"), {QStringLiteral("query"), QStringLiteral("default"),
                                                 QStringLiteral("application/pdf")});
        if (!query.waitForFinished(3000) || query.exitCode() != 0)
            return QString();
        return QString::fromUtf8(query.readAllStandardOutput()).trimmed();
    }();
    return viewer;
}

} // namespace semsearch::services
