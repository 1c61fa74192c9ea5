#include "semsearch/vector_index_options.h"

#include <QStringList>

namespace semsearch {

QString VectorIndexState::toText() const {
    QStringList parts;
    parts << (kind == Kind::Lists ? QStringLiteral("kind=lists") : QStringLiteral("kind=scan"))
          << QStringLiteral("lists=%1").arg(lists) << QStringLiteral("probes=%1").arg(probes)
          << QStringLiteral("candidates=%1").arg(candidates)
          << QStringLiteral("recall=%1")
                 .arg(recallAt10 ? QString::number(*recallAt10, 'f', 4) : QStringLiteral("none"))
          << QStringLiteral("measured_at=%1").arg(measuredAtPassages)
          << QStringLiteral("fell_back=%1").arg(fellBack ? 1 : 0);
    return parts.join(QLatin1Char(' '));
}

std::optional<VectorIndexState> VectorIndexState::fromText(const QString& text) {
    VectorIndexState state;
    int seen = 0;
    for (const QString& part : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString key = part.section(QLatin1Char('='), 0, 0);
        const QString value = part.section(QLatin1Char('='), 1);
        bool ok = true;
        if (key == QLatin1String("kind")) {
            ok = value == QLatin1String("lists") || value == QLatin1String("scan");
            state.kind = value == QLatin1String("lists") ? Kind::Lists : Kind::Scan;
        } else if (key == QLatin1String("lists")) {
            state.lists = value.toInt(&ok);
        } else if (key == QLatin1String("probes")) {
            state.probes = value.toInt(&ok);
        } else if (key == QLatin1String("candidates")) {
            state.candidates = value.toInt(&ok);
        } else if (key == QLatin1String("recall")) {
            if (value != QLatin1String("none"))
                state.recallAt10 = value.toDouble(&ok);
        } else if (key == QLatin1String("measured_at")) {
            state.measuredAtPassages = value.toLongLong(&ok);
        } else if (key == QLatin1String("fell_back")) {
            state.fellBack = value == QLatin1String("1");
        } else {
            continue; // written by a later version: ignored
        }
        if (!ok)
            return std::nullopt;
        ++seen;
    }
    if (seen < 7)
        return std::nullopt;
    return state;
}

} // namespace semsearch
