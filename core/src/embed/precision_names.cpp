// The precisions' names (precision.h), apart from the CPU probe: the shared index's adapter
// (semsearch_pg, which has no oneDNN) records and reads them too.

#include "semsearch/precision.h"

namespace semsearch {

QString precisionName(Precision precision) {
    switch (precision) {
    case Precision::Fp32:
        return QStringLiteral("fp32");
    case Precision::Bf16:
        return QStringLiteral("bf16");
    case Precision::Int8:
        return QStringLiteral("int8");
    case Precision::Auto:
        break;
    }
    return QStringLiteral("auto");
}

std::optional<Precision> parsePrecision(const QString& text) {
    for (Precision precision : {Precision::Fp32, Precision::Bf16, Precision::Int8, Precision::Auto})
        if (text.compare(precisionName(precision), Qt::CaseInsensitive) == 0)
            return precision;
    return std::nullopt;
}

} // namespace semsearch
