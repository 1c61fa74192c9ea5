#include "terminal_text.h"

namespace semsearch::cli {

namespace {

bool isBidiControl(char16_t c) {
    return c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

QString hex(char16_t c, int digits) {
    return QString::number(c, 16).toUpper().rightJustified(digits, QLatin1Char('0'));
}

} // namespace

QString terminalSafe(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (const QChar ch : text) {
        const char16_t c = ch.unicode();
        if (c == '\n')
            out += QLatin1String("\\n");
        else if (c == '\r')
            out += QLatin1String("\\r");
        else if (c == '\t')
            out += QLatin1String("\\t");
        else if (c < 0x20 || c == 0x7F)
            out += QLatin1String("\\x") + hex(c, 2);
        else if ((c >= 0x80 && c < 0xA0) || isBidiControl(c))
            out += QLatin1String("\\u") + hex(c, 4);
        else
            out += ch;
    }
    return out;
}

} // namespace semsearch::cli
