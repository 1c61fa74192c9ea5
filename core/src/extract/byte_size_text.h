#pragma once

// Byte sizes as people read them, for skip reasons and error messages shared by the walker and
// the reader: "20 MiB", "31.2 MiB", "512 bytes".

#include <QString>
#include <QtGlobal>

namespace semsearch::detail {

// One decimal at most, and none when it would be ".0", so a limit of 20 MiB reads "20 MiB".
inline QString byteSizeText(qint64 bytes) {
    constexpr qint64 kKiB = 1024;
    if (bytes < kKiB)
        return QStringLiteral("%1 bytes").arg(bytes);
    const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes) / kKiB;
    int unit = 0;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    QString number = QString::number(value, 'f', 1);
    if (number.endsWith(QLatin1String(".0")))
        number.chop(2);
    return number + QLatin1Char(' ') + QLatin1String(units[unit]);
}

// "larger than 20 MiB (31.2 MiB)"; exact bytes when rounding would show the same number twice.
inline QString tooLargeText(qint64 limit, qint64 size) {
    const QString limitText = byteSizeText(limit);
    QString sizeText = byteSizeText(size);
    if (sizeText == limitText)
        sizeText = QStringLiteral("%1 bytes").arg(size);
    return QStringLiteral("larger than %1 (%2)").arg(limitText, sizeText);
}

} // namespace semsearch::detail
