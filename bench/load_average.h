#pragma once

// Shared by the benchmarks: the machine's load average, printed beside every figure because
// these machines are shared and a figure taken under load is not comparable with a quiet one.

#include <QFile>
#include <QString>

namespace semsearch::bench {

// "1-minute 5-minute 15-minute" from /proc/loadavg, or "unknown" where there is none.
inline QString loadAverage() {
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("unknown");
    return QString::fromLatin1(file.readLine()).section(QLatin1Char(' '), 0, 2);
}

} // namespace semsearch::bench
