#include "embed/weights/safetensors_file.h"

#include "semsearch/printable_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <optional>

namespace semsearch {

namespace {

// Real headers are a few kB to a few hundred kB; anything far larger is a damaged length field.
constexpr quint64 kMaxHeaderBytes = 100u * 1024u * 1024u;
constexpr qsizetype kMaxQuotedCharacters = 200;

} // namespace

Result<WeightsFile> readSafetensors(const QString& path) {
    auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const MappedFile& file = **mapped;
    const unsigned char* bytes = file.data();
    const quint64 fileSize = file.size();
    if (fileSize < 8)
        return corrupt(
            QStringLiteral("file is %1 bytes, too short for a safetensors header").arg(fileSize));

    quint64 headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | bytes[i];
    const quint64 available = fileSize - 8;
    // The first 8 bytes are not quoted: when the file is not what its name claims (a link to
    // someone's private file), its bytes are none of the message's business.
    if (headerSize > available)
        return corrupt(QStringLiteral("not a safetensors file, or truncated: its first 8 bytes, "
                                      "read as the header's length, point past the end of the "
                                      "file (%1 bytes)")
                           .arg(fileSize));
    if (headerSize > kMaxHeaderBytes)
        return corrupt(QStringLiteral("not a safetensors file: its first 8 bytes give a header "
                                      "length over %1 MB, far more than any model's")
                           .arg(kMaxHeaderBytes / 1000000));

    QJsonParseError parseError;
    const QJsonDocument header =
        QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char*>(bytes + 8),
                                                        static_cast<qsizetype>(headerSize)),
                                &parseError);
    if (!header.isObject())
        return corrupt(QStringLiteral("header is not a JSON object (%1)")
                           .arg(parseError.error == QJsonParseError::NoError
                                    ? QStringLiteral("wrong type")
                                    : parseError.errorString()));

    const unsigned char* data = bytes + 8 + headerSize;
    const quint64 dataSize = available - headerSize;
    std::map<std::string, TensorView> tensors;
    const QJsonObject entries = header.object();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (it.key() == QLatin1String("__metadata__"))
            continue;
        const QString name = it.key();
        auto bad = [&](const QString& problem) {
            return corrupt(QStringLiteral("tensor '%1': %2")
                               .arg(printableText(name, kMaxQuotedCharacters), problem));
        };
        const QJsonObject entry = it.value().toObject();
        const QString dtypeText = entry.value(QStringLiteral("dtype")).toString();
        const std::optional<TensorDType> dtype = dtypeFromName(dtypeText);
        if (!dtype)
            return bad(QStringLiteral("unknown dtype '%1'")
                           .arg(printableText(dtypeText, kMaxQuotedCharacters)));
        TensorView view;
        view.dtype = *dtype;
        const QJsonArray shape = entry.value(QStringLiteral("shape")).toArray();
        if (std::size_t(shape.size()) > kMaxTensorRank)
            return bad(QStringLiteral("%1 dimensions; at most %2 are supported")
                           .arg(shape.size())
                           .arg(kMaxTensorRank));
        quint64 elements = 1;
        for (const QJsonValue& d : shape) {
            const double extent = d.toDouble(-1);
            if (!d.isDouble() || extent < 0 || extent > 1e12 || extent != std::floor(extent))
                return bad(QStringLiteral("invalid shape"));
            view.shape.push_back(static_cast<std::int64_t>(extent));
            // Checked before multiplying: a product past 2^64 would wrap around to a small
            // count, and a shape of 2^64 elements would pass as one of 0 bytes.
            if (extent > 0 && elements > dataSize / static_cast<quint64>(extent))
                return bad(QStringLiteral("shape is larger than the file"));
            elements *= static_cast<quint64>(extent);
        }
        const QJsonArray offsets = entry.value(QStringLiteral("data_offsets")).toArray();
        if (offsets.size() != 2 || !offsets[0].isDouble() || !offsets[1].isDouble())
            return bad(QStringLiteral("data_offsets must be two numbers"));
        const double begin = offsets[0].toDouble(), end = offsets[1].toDouble();
        if (begin < 0 || end < begin)
            return bad(QStringLiteral("data_offsets [%1, %2] are invalid").arg(begin).arg(end));
        if (end > static_cast<double>(dataSize))
            return bad(QStringLiteral("data ends at byte %1 but the file holds only %2 data "
                                      "bytes; the file is truncated")
                           .arg(static_cast<quint64>(end))
                           .arg(dataSize));
        view.byteSize = static_cast<std::size_t>(end - begin);
        if (view.byteSize != elements * dtypeSize(view.dtype))
            return bad(QStringLiteral("holds %1 bytes but shape and dtype need %2")
                           .arg(view.byteSize)
                           .arg(elements * dtypeSize(view.dtype)));
        view.data = data + static_cast<std::size_t>(begin);
        tensors.emplace(name.toStdString(), std::move(view));
    }

    const std::size_t dataStart = static_cast<std::size_t>(8 + headerSize);
    QString fingerprint = sampledFingerprint(file, bytes, dataStart, dataStart);
    return WeightsFile(path, *mapped, std::move(tensors), std::move(fingerprint));
}

} // namespace semsearch
