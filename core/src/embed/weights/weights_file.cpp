#include "embed/weights/weights_file.h"

#include "embed/weights/pytorch_bin_file.h"
#include "embed/weights/safetensors_file.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace semsearch {

namespace {

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

} // namespace

QString dtypeName(TensorDType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype)
            return QLatin1String(info.name);
    return QStringLiteral("?");
}

std::optional<TensorDType> dtypeFromName(const QString& name) {
    for (const DTypeInfo& info : kDTypes)
        if (name == QLatin1String(info.name))
            return info.dtype;
    return std::nullopt;
}

std::size_t dtypeSize(TensorDType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype)
            return info.bytes;
    return 1;
}

std::int64_t TensorView::elementCount() const {
    std::int64_t count = 1;
    for (std::int64_t d : shape)
        count *= d;
    return count;
}

WeightsFile::WeightsFile(QString path, std::shared_ptr<const void> owner,
                         std::map<std::string, TensorView> tensors, QString fingerprint)
    : m_path(std::move(path)), m_owner(std::move(owner)), m_tensors(std::move(tensors)),
      m_fingerprint(std::move(fingerprint)) {}

const TensorView* WeightsFile::find(const std::string& name) const {
    const auto it = m_tensors.find(name);
    return it == m_tensors.end() ? nullptr : &it->second;
}

Result<WeightsFile> WeightsFile::openInFolder(const QString& folder, std::uint64_t maxCopiedBytes) {
    const QString safetensors = folder + QLatin1Char('/') + QLatin1String(kSafetensorsName);
    if (QFileInfo::exists(safetensors))
        return readSafetensors(safetensors);
    const QString bin = folder + QLatin1Char('/') + QLatin1String(kPytorchBinName);
    if (QFileInfo::exists(bin))
        return readPytorchBin(bin, maxCopiedBytes);
    return makeError(ErrorCode::NotFound,
                     folder +
                         QStringLiteral(": model weights not found (neither %1 nor %2 exists)")
                             .arg(QLatin1String(kSafetensorsName), QLatin1String(kPytorchBinName)));
}

struct MappedFile::Handle {
    QFile file;
};

MappedFile::~MappedFile() = default;

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const QString& path) {
    if (!QFileInfo::exists(path))
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": file not found"));
    std::shared_ptr<MappedFile> mapped(new MappedFile());
    mapped->m_handle = std::make_unique<Handle>();
    QFile& file = mapped->m_handle->file;
    file.setFileName(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot open: ") + file.errorString());
    const qint64 size = file.size();
    if (size > 0) {
        mapped->m_data = file.map(0, size);
        if (!mapped->m_data)
            return makeError(ErrorCode::Io, path + QStringLiteral(": cannot map into memory: ") +
                                                file.errorString());
        mapped->m_size = static_cast<std::size_t>(size);
    }
    return std::shared_ptr<const MappedFile>(std::move(mapped));
}

QString sampledFingerprint(const MappedFile& file, const unsigned char* header,
                           std::size_t headerSize, std::size_t dataStart) {
    constexpr std::size_t kSamples = 16;
    constexpr std::size_t kSampleBytes = 64 * 1024;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const char* bytes = reinterpret_cast<const char*>(file.data());
    hash.addData(QByteArray::number(static_cast<qulonglong>(file.size())));
    hash.addData(
        QByteArrayView(reinterpret_cast<const char*>(header), static_cast<qsizetype>(headerSize)));
    const std::size_t dataSize = file.size() - std::min(dataStart, file.size());
    for (std::size_t i = 0; i < kSamples && dataSize > 0; ++i) {
        const std::size_t offset = dataStart + dataSize * i / kSamples;
        hash.addData(QByteArrayView(
            bytes + offset, static_cast<qsizetype>(std::min(kSampleBytes, file.size() - offset))));
    }
    return QString::fromLatin1(hash.result().toHex());
}

} // namespace semsearch
