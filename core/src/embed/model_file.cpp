#include "embed/model_file.h"

#include "semsearch/model.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

namespace semsearch {

namespace {

Error tooLarge(const QString& path, qint64 maxBytes) {
    return makeError(ErrorCode::Corrupt,
                     path + QStringLiteral(": larger than the %1 MiB this file of a model may "
                                           "hold; it was not read")
                                .arg(double(maxBytes) / (1 << 20), 0, 'f', 0));
}

} // namespace

Result<QByteArray> readModelFile(const QString& path, qint64 maxBytes) {
    const QFileInfo info(path);
    if (!info.exists())
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": file not found"));
    // A FIFO or a device would block or never end; only a plain file is a model's file.
    if (!info.isFile())
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": not a regular file"));
    if (info.size() > maxBytes)
        return tooLarge(path, maxBytes);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + file.errorString());
    // One byte more than allowed tells a file that grew since the size was looked at.
    const QByteArray bytes = file.read(maxBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + file.errorString());
    if (bytes.size() > maxBytes)
        return tooLarge(path, maxBytes);
    return bytes;
}

Result<QJsonObject> readModelJsonObject(const QString& path) {
    auto bytes = readModelFile(path, kMaxModelJsonBytes);
    if (!bytes)
        return bytes.error();
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(*bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": invalid JSON at offset %1: %2")
                                    .arg(parseError.offset)
                                    .arg(parseError.errorString()));
    if (!doc.isObject())
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": expected a JSON object"));
    return doc.object();
}

} // namespace semsearch
