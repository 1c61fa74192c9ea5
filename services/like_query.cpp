#include "like_query.h"

#include <QDir>
#include <QFileInfo>

namespace semsearch::services {

namespace {
const QLatin1String kPrefix("like:");
}

QString likeQuery(const QString& path) {
    return kPrefix + QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

std::optional<QString> likedFile(const QString& query) {
    const QString trimmed = query.trimmed();
    if (!trimmed.startsWith(kPrefix))
        return std::nullopt;
    const QString path = trimmed.mid(kPrefix.size());
    if (!QDir::isAbsolutePath(path))
        return std::nullopt;
    return path;
}

} // namespace semsearch::services
