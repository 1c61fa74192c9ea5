#include "display_path.h"

#include "semsearch/shared_index_location.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace semsearch::services {

QString displayFileName(const QString& path) {
    return QFileInfo(path).fileName();
}

QString displayPath(const QString& path) {
    if (isSharedIndexLocation(path))
        return displayLocation(path);
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

QString displayNameFirst(const QString& path) {
    const QString name = displayFileName(path);
    if (name.isEmpty() || path == QDir::homePath())
        return displayPath(path);
    //: A file or folder's name, then the folder it is in: "notes — ~/docs".
    return QCoreApplication::translate("DisplayPath", "%1 — %2").arg(name, displayFolder(path));
}

} // namespace semsearch::services
