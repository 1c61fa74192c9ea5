#pragma once

// Windows-1252 decoding: the superset of ISO 8859-1 that web browsers use for "latin1" (bytes
// 0x80-0x9F are the typographic quotes, dashes and euro sign that such files really contain),
// for text files (document_reader.cpp) and undeclared HTML (extract/formats/html_reader.cpp) alike.

#include <QByteArrayView>
#include <QString>

#include <array>

namespace semsearch::detail {

// One character per byte; the five bytes Windows-1252 leaves undefined keep their Latin-1
// value, as in the WHATWG encoding standard.
inline QString decodeWindows1252(QByteArrayView bytes) {
    static constexpr std::array<char16_t, 32> kHigh = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    };
    QString text(bytes.size(), Qt::Uninitialized);
    QChar* out = text.data();
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        out[i] = (byte >= 0x80 && byte < 0xA0) ? QChar(kHigh[byte - 0x80]) : QChar(byte);
    }
    return text;
}

} // namespace semsearch::detail
