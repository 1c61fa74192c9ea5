#include "semsearch/printable_text.h"

namespace semsearch {

namespace {

constexpr char16_t kEscape = 0x1b;
constexpr char16_t kBell = 0x07;

bool isControl(char16_t c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

// Characters that change the order in which the rest of a line is displayed.
bool isBidiFormatting(char16_t c) {
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

// What follows an introducer, as ECMA-48 says: ESC '[' (or C1 CSI) starts a control sequence,
// ESC ']' 'P' 'X' '^' '_' (or their C1 forms) a control string.
enum class Introduces { ControlSequence, ControlString, Nothing };

Introduces kindOfC1(char16_t c) {
    if (c == 0x9b)
        return Introduces::ControlSequence;
    if (c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f)
        return Introduces::ControlString;
    return Introduces::Nothing;
}

bool isIn(QStringView text, qsizetype i, char16_t low, char16_t high) {
    return i < text.size() && text[i].unicode() >= low && text[i].unicode() <= high;
}

// The end of a run of characters in [`low`, `middleHigh`] from `i`, then of one in [`finalLow`,
// `finalHigh`] if it follows: the shape of every escape sequence.
qsizetype endOfRunAndFinal(QStringView text, qsizetype i, char16_t low, char16_t middleHigh,
                           char16_t finalLow, char16_t finalHigh) {
    while (isIn(text, i, low, middleHigh))
        ++i;
    return isIn(text, i, finalLow, finalHigh) ? i + 1 : i;
}

// The end of the control sequence whose parameters start at `i`: parameter characters
// 0x30-0x3F and intermediates 0x20-0x2F, then one final character 0x40-0x7E.
qsizetype endOfControlSequence(QStringView text, qsizetype i) {
    return endOfRunAndFinal(text, i, 0x20, 0x3f, 0x40, 0x7e);
}

// The end of the control string whose content starts at `i`, past its terminator (BEL, ST as
// ESC '\', or C1 ST); `i` itself when it has none, so that an unterminated string cannot hide
// the rest of the text.
qsizetype endOfControlString(QStringView text, qsizetype i) {
    for (qsizetype j = i; j < text.size(); ++j) {
        const char16_t c = text[j].unicode();
        if (c == kBell || c == 0x9c)
            return j + 1;
        if (c == kEscape && j + 1 < text.size() && text[j + 1] == u'\\')
            return j + 2;
    }
    return i;
}

// The end of the escape sequence that starts with the ESC at `i`.
qsizetype endOfEscape(QStringView text, qsizetype i) {
    qsizetype j = i + 1;
    if (j >= text.size())
        return j;
    const char16_t next = text[j].unicode();
    if (next == u'[')
        return endOfControlSequence(text, j + 1);
    if (next == u']' || next == u'P' || next == u'X' || next == u'^' || next == u'_')
        return endOfControlString(text, j + 1);
    // Other escapes: intermediates 0x20-0x2F, then one final character 0x30-0x7E.
    return endOfRunAndFinal(text, j, 0x20, 0x2f, 0x30, 0x7e);
}

// The end of the escape sequence or control character at `i`, or `i` for a printable one.
qsizetype endOfInert(QStringView text, qsizetype i) {
    const char16_t c = text[i].unicode();
    if (c == kEscape)
        return endOfEscape(text, i);
    if (isControl(c)) {
        switch (kindOfC1(c)) {
        case Introduces::ControlSequence:
            return endOfControlSequence(text, i + 1);
        case Introduces::ControlString:
            return endOfControlString(text, i + 1);
        case Introduces::Nothing:
            return i + 1;
        }
    }
    if (isBidiFormatting(c) || c == 0x2028 || c == 0x2029)
        return i + 1;
    if (QChar::isHighSurrogate(c))
        return i + 1 < text.size() && QChar::isLowSurrogate(text[i + 1].unicode()) ? i : i + 1;
    if (QChar::isLowSurrogate(c))
        return i + 1; // a low surrogate not preceded by a high one (pairs are skipped whole)
    return i;
}

} // namespace

QString printableText(QStringView text, qsizetype maxCharacters) {
    QString out;
    out.reserve(text.size());
    qsizetype kept = 0;
    for (qsizetype i = 0; i < text.size();) {
        if (maxCharacters != kUnlimitedLength && kept >= maxCharacters) {
            out += QStringLiteral("...");
            break;
        }
        const qsizetype end = endOfInert(text, i);
        if (end > i) {
            out += QChar(QChar::ReplacementCharacter);
            i = end;
        } else if (QChar::isHighSurrogate(text[i].unicode())) {
            out += text.mid(i, 2);
            i += 2;
        } else {
            out += text[i];
            ++i;
        }
        ++kept;
    }
    return out;
}

QString printableText(QByteArrayView utf8, qsizetype maxCharacters) {
    return printableText(QString::fromUtf8(utf8), maxCharacters);
}

QString escapedText(QStringView text) {
    auto hex = [](char16_t c, int digits) {
        return QString::number(c, 16).toUpper().rightJustified(digits, QLatin1Char('0'));
    };
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        const bool pairedHigh = QChar::isHighSurrogate(c) && i + 1 < text.size() &&
                                QChar::isLowSurrogate(text[i + 1].unicode());
        if (pairedHigh) {
            out += text.mid(i++, 2);
        } else if (c == u'\n') {
            out += QLatin1String("\\n");
        } else if (c == u'\r') {
            out += QLatin1String("\\r");
        } else if (c == u'\t') {
            out += QLatin1String("\\t");
        } else if (c < 0x20 || c == 0x7f) {
            out += QLatin1String("\\x") + hex(c, 2);
        } else if (isControl(c) || isBidiFormatting(c) || c == 0x2028 || c == 0x2029 ||
                   QChar::isSurrogate(c)) {
            out += QLatin1String("\\u") + hex(c, 4);
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace semsearch
