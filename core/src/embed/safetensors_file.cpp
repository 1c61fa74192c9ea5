#include "embed/safetensors_file.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace semsearch {

namespace {

// Real headers are a few kB to a few hundred kB; anything far larger is a damaged length field.
constexpr quint64 kMaxHeaderBytes = 100u * 1024u * 1024u;

struct DTypeInfo {
    const char* name;
    TensorDType dtype;
    std::size_t bytes;
};

constexpr DTypeInfo kDTypes[] = {
    {"F32", TensorDType::F32, 4},   {"F16", TensorDType::F16, 2}, {"BF16", TensorDType::BF16, 2},
    {"F64", TensorDType::F64, 8},   {"I64", TensorDType::I64, 8}, {"I32", TensorDType::I32, 4},
    {"I16", TensorDType::I16, 2},   {"I8", TensorDType::I8, 1},   {"U8", TensorDType::U8, 1},
    {"BOOL", TensorDType::Bool, 1},
};

const DTypeInfo* findDType(const QString& name) {
    for (const DTypeInfo& info : kDTypes)
        if (name == QLatin1String(info.name))
            return &info;
    return nullptr;
}

} // namespace

std::int64_t TensorView::elementCount() const {
    std::int64_t count = 1;
    for (std::int64_t d : shape)
        count *= d;
    return count;
}

QString dtypeName(TensorDType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype)
            return QLatin1String(info.name);
    return QStringLiteral("?");
}

struct SafetensorsFile::Mapping {
    QFile file;
    const unsigned char* bytes = nullptr;
    qint64 size = 0;
    qint64 dataStart = 0;
};

QString SafetensorsFile::fingerprint() const {
    constexpr qint64 kSamples = 16;
    constexpr qint64 kSampleBytes = 64 * 1024;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const char* bytes = reinterpret_cast<const char*>(m_mapping->bytes);
    hash.addData(QByteArray::number(m_mapping->size));
    hash.addData(QByteArrayView(bytes, m_mapping->dataStart));
    const qint64 dataSize = m_mapping->size - m_mapping->dataStart;
    for (qint64 i = 0; i < kSamples && dataSize > 0; ++i) {
        const qint64 offset = m_mapping->dataStart + dataSize * i / kSamples;
        hash.addData(
            QByteArrayView(bytes + offset, std::min(kSampleBytes, m_mapping->size - offset)));
    }
    return QString::fromLatin1(hash.result().toHex());
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
    const auto it = m_tensors.find(name);
    return it == m_tensors.end() ? nullptr : &it->second;
}

Result<SafetensorsFile> SafetensorsFile::open(const QString& path) {
    auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    if (!QFileInfo::exists(path))
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": file not found"));

    auto mapping = std::make_shared<Mapping>();
    mapping->file.setFileName(path);
    if (!mapping->file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot open: ") + mapping->file.errorString());
    const qint64 fileSize = mapping->file.size();
    if (fileSize < 8)
        return corrupt(
            QStringLiteral("file is %1 bytes, too short for a safetensors header").arg(fileSize));
    if (fileSize > 0) {
        mapping->bytes = mapping->file.map(0, fileSize);
        if (!mapping->bytes)
            return makeError(ErrorCode::Io, path + QStringLiteral(": cannot map into memory: ") +
                                                mapping->file.errorString());
    }

    quint64 headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | mapping->bytes[i];
    const quint64 available = static_cast<quint64>(fileSize) - 8;
    if (headerSize > available)
        return corrupt(QStringLiteral("header length %1 points past the end of the file "
                                      "(%2 bytes); the file is truncated or not safetensors")
                           .arg(headerSize)
                           .arg(fileSize));
    if (headerSize > kMaxHeaderBytes)
        return corrupt(QStringLiteral("header length %1 is implausibly large").arg(headerSize));

    QJsonParseError parseError;
    const QJsonDocument header = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char*>(mapping->bytes + 8),
                                static_cast<qsizetype>(headerSize)),
        &parseError);
    if (!header.isObject())
        return corrupt(QStringLiteral("header is not a JSON object (%1)")
                           .arg(parseError.error == QJsonParseError::NoError
                                    ? QStringLiteral("wrong type")
                                    : parseError.errorString()));

    const unsigned char* data = mapping->bytes + 8 + headerSize;
    const quint64 dataSize = available - headerSize;
    std::map<std::string, TensorView> tensors;
    const QJsonObject entries = header.object();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (it.key() == QLatin1String("__metadata__"))
            continue;
        const QString name = it.key();
        auto bad = [&](const QString& problem) {
            return corrupt(QStringLiteral("tensor '%1': %2").arg(name, problem));
        };
        const QJsonObject entry = it.value().toObject();
        const DTypeInfo* dtype = findDType(entry.value(QStringLiteral("dtype")).toString());
        if (!dtype)
            return bad(QStringLiteral("unknown dtype '%1'")
                           .arg(entry.value(QStringLiteral("dtype")).toString()));
        TensorView view;
        view.dtype = dtype->dtype;
        quint64 elements = 1;
        for (const QJsonValue& d : entry.value(QStringLiteral("shape")).toArray()) {
            const double extent = d.toDouble(-1);
            if (!d.isDouble() || extent < 0 || extent > 1e12 || extent != std::floor(extent))
                return bad(QStringLiteral("invalid shape"));
            view.shape.push_back(static_cast<std::int64_t>(extent));
            elements *= static_cast<quint64>(extent);
            if (elements > dataSize)
                return bad(QStringLiteral("shape is larger than the file"));
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
        if (view.byteSize != elements * dtype->bytes)
            return bad(QStringLiteral("holds %1 bytes but shape and dtype need %2")
                           .arg(view.byteSize)
                           .arg(elements * dtype->bytes));
        view.data = data + static_cast<std::size_t>(begin);
        tensors.emplace(name.toStdString(), std::move(view));
    }

    mapping->size = fileSize;
    mapping->dataStart = static_cast<qint64>(8 + headerSize);
    SafetensorsFile file;
    file.m_path = path;
    file.m_mapping = std::move(mapping);
    file.m_tensors = std::move(tensors);
    return file;
}

} // namespace semsearch
