#include "semsearch/precision.h"

#include <QFile>
#include <QStringList>

namespace semsearch {

QString CpuFeatures::names() const {
    QStringList list;
    const std::pair<bool, const char*> all[] = {{avx512Bf16, "avx512_bf16"},
                                                {amxBf16, "amx_bf16"},
                                                {avx512Vnni, "avx512_vnni"},
                                                {avxVnni, "avx_vnni"},
                                                {amxInt8, "amx_int8"}};
    for (const auto& [present, name] : all)
        if (present)
            list << QLatin1String(name);
    return list.isEmpty() ? QStringLiteral("none") : list.join(QLatin1Char(','));
}

Result<void> checkCpuRuns(Precision precision, const CpuFeatures& features) {
    if (precision == Precision::Bf16 && !features.runsBf16())
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("bf16 needs AVX512_BF16 or AMX; this CPU has neither"));
    if (precision == Precision::Int8 && !features.runsInt8())
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("int8 needs AVX512_VNNI, AVX_VNNI or AMX; this CPU has "
                                        "none of them"));
    return {};
}

QString cpuDescription(const CpuFeatures& features) {
    QString model = QStringLiteral("unknown CPU");
    QFile file(QStringLiteral("/proc/cpuinfo"));
    if (file.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                model = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
                break;
            }
        }
    }
    return QStringLiteral("%1 (%2)").arg(model, features.names());
}

bool libTorchEncoderForced() {
    return qEnvironmentVariable("SEMSEARCH_ENCODER")
               .compare(QStringLiteral("libtorch"), Qt::CaseInsensitive) == 0;
}

} // namespace semsearch
