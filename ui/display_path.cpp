#include "display_path.h"

#include <QDir>
#include <QFileInfo>

namespace semsearch::ui {

QString displayFileName(const QString& path) {
    return QFileInfo(path).fileName();
}

QString displayFolder(const QString& path) {
    QString folder = QFileInfo(path).path();
    const QString home = QDir::homePath();
    if (home != QDir::rootPath()) {
        if (folder == home)
            folder = QStringLiteral("~");
        else if (folder.startsWith(home + QLatin1Char('/')))
            folder = QLatin1Char('~') + folder.mid(home.size());
    }
    return QDir::toNativeSeparators(folder);
}

} // namespace semsearch::ui
