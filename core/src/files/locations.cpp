#include "semsearch/locations.h"

#include <QStandardPaths>

namespace semsearch {

namespace {

// GenericDataLocation rather than AppDataLocation: the latter adds the organisation name, which
// the CLI and the GUI would have to agree on; this way both resolve to the same folder.
QString dataFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/semsearch");
}

} // namespace

QString defaultModelsFolder() {
    return dataFolder() + QStringLiteral("/models");
}

QString defaultModelFolder() {
    const QString repository = QString::fromLatin1(kDefaultModelRepository);
    return defaultModelsFolder() + QLatin1Char('/') + repository.section(QLatin1Char('/'), -1);
}

QString defaultIndexFolder() {
    return dataFolder() + QStringLiteral("/index");
}

QString defaultCacheFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
           QStringLiteral("/semsearch");
}

} // namespace semsearch
