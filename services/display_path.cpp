#include "display_path.h"

#include <QDir>
#include <QFileInfo>

namespace semsearch::services {

QString displayFileName(const QString& path) {
    return QFileInfo(path).fileName();
}

QString displayPath(const QString& path) {
    QString shown = path;
    const QString home = QDir::homePath();
    if (home != QDir::rootPath()) {
        if (shown == home)
            shown = QStringLiteral("~");
        else if (shown.startsWith(home + QLatin1Char('/')))
            shown = QLatin1Char('~') + shown.mid(home.size());
    }
    return QDir::toNativeSeparators(shown);
}

QString displayFolder(const QString& path) {
    return displayPath(QFileInfo(path).path());
}

} // namespace semsearch::services
