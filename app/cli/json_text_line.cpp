// A strict reader for one JSON string per line. QJsonDocument is lenient where RFC 8259 is not
// (it takes "\x41" as "x41"), and a text that reaches the model differently from what the user
// wrote is worse than a refusal.

#include "json_text_line.h"

#include <QStringDecoder>

namespace semsearch::cli {

namespace {

bool isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

Error problem(const QString& text) {
    return makeError(ErrorCode::InvalidArgument, text);
}

// The value of four hex digits at `at`, or -1.
int hexQuad(QByteArrayView line, qsizetype at) {
    if (at + 4 > line.size())
        return -1;
    int value = 0;
    for (qsizetype i = at; i < at + 4; ++i) {
        const char c = line[i];
        const int digit = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

// Appends the escape at line[at] == '\\' to `text`; returns the index after it, or -1.
qsizetype readEscape(QByteArrayView line, qsizetype at, QString& text, QString& why) {
    if (at + 1 >= line.size()) {
        why = QStringLiteral("the string ends inside an escape");
        return -1;
    }
    const char kind = line[at + 1];
    switch (kind) {
    case '"':
    case '\\':
    case '/':
        text.append(QLatin1Char(kind));
        return at + 2;
    case 'b':
        text.append(QLatin1Char('\b'));
        return at + 2;
    case 'f':
        text.append(QLatin1Char('\f'));
        return at + 2;
    case 'n':
        text.append(QLatin1Char('\n'));
        return at + 2;
    case 'r':
        text.append(QLatin1Char('\r'));
        return at + 2;
    case 't':
        text.append(QLatin1Char('\t'));
        return at + 2;
    case 'u': {
        const int unit = hexQuad(line, at + 2);
        if (unit < 0) {
            why = QStringLiteral("\\u must be followed by four hex digits");
            return -1;
        }
        // Surrogates are code units of UTF-16, which is what QString holds: a pair written as
        // two escapes becomes one character by itself.
        text.append(QChar(char16_t(unit)));
        return at + 6;
    }
    default:
        // Printable ASCII is named as is; anything else by its byte value.
        const auto byte = static_cast<unsigned char>(kind);
        why = byte > 0x20 && byte < 0x7F
                  ? QStringLiteral("\\%1 is not a JSON escape").arg(QLatin1Char(kind))
                  : QStringLiteral("a backslash before byte 0x%1 is not a JSON escape")
                        .arg(byte, 2, 16, QLatin1Char('0'));
        return -1;
    }
}

} // namespace

Result<QString> parseJsonTextLine(QByteArrayView line) {
    qsizetype at = 0;
    while (at < line.size() && isJsonSpace(line[at]))
        ++at;
    if (at == line.size() || line[at] != '"')
        return problem(QStringLiteral("expected one JSON string per line"));
    ++at;

    QString text;
    QString why;
    bool closed = false;
    while (at < line.size()) {
        // Runs of plain bytes are decoded together; UTF-8 is checked strictly, and an initial
        // U+FEFF inside the string is a character like any other.
        qsizetype end = at;
        while (end < line.size() && line[end] != '"' && line[end] != '\\' &&
               static_cast<unsigned char>(line[end]) >= 0x20)
            ++end;
        if (end > at) {
            QStringDecoder decoder(QStringConverter::Utf8,
                                   QStringConverter::Flag::Stateless |
                                       QStringConverter::Flag::ConvertInitialBom);
            text += decoder.decode(line.sliced(at, end - at));
            if (decoder.hasError())
                return problem(QStringLiteral("not valid UTF-8"));
            at = end;
            continue;
        }
        const char c = line[at];
        if (c == '"') {
            closed = true;
            ++at;
            break;
        }
        if (c != '\\')
            return problem(QStringLiteral("a control character (byte 0x%1) must be escaped "
                                          "in a JSON string")
                               .arg(static_cast<unsigned char>(c), 2, 16, QLatin1Char('0')));
        at = readEscape(line, at, text, why);
        if (at < 0)
            return problem(why);
    }
    if (!closed)
        return problem(QStringLiteral("the JSON string has no closing quote"));
    while (at < line.size() && isJsonSpace(line[at]))
        ++at;
    if (at != line.size())
        return problem(QStringLiteral("expected one JSON string per line, found more after it"));
    return text;
}

} // namespace semsearch::cli
