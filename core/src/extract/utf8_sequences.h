#pragma once

// Strict UTF-8 sequence checks shared by the file-name listing and the text decoder.

#include <QByteArrayView>
#include <QString>
#include <QStringDecoder>

namespace semsearch::detail {

// The length (1-4) of the valid UTF-8 sequence that starts at bytes[i], or 0 when none does
// there: a stray continuation byte, an overlong form, a surrogate, a code point above U+10FFFF
// or a sequence cut short.
inline int utf8SequenceLength(QByteArrayView bytes, qsizetype i) {
    const auto at = [&](qsizetype k) {
        return static_cast<unsigned char>(bytes[k]);
    };
    const unsigned char lead = at(i);
    if (lead < 0x80)
        return 1;
    int length = 0;
    unsigned char low = 0x80, high = 0xBF; // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        high = lead == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > bytes.size() || at(i + 1) < low || at(i + 1) > high)
        return 0;
    for (int k = 2; k < length; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xBF)
            return 0;
    return length;
}

inline bool isValidUtf8(QByteArrayView bytes) {
    for (qsizetype i = 0; i < bytes.size();) {
        const int length = utf8SequenceLength(bytes, i);
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

// Strict UTF-8: any malformed, overlong, surrogate or truncated sequence fails. A byte-order
// mark in the input is kept as U+FEFF (ConvertInitialBom): callers strip a real one themselves.
inline QStringDecoder strictUtf8Decoder() {
    return QStringDecoder(QStringConverter::Utf8, QStringConverter::Flag::Stateless |
                                                      QStringConverter::Flag::ConvertInitialBom);
}

// Decodes `bytes` as UTF-8 where they are valid; for every byte that is not part of a valid
// sequence, `onInvalid(text, byte)` appends whatever stands for it to the text so far.
template <typename OnInvalid> QString decodeUtf8Marking(QByteArrayView bytes, OnInvalid onInvalid) {
    QString text;
    qsizetype runStart = 0;
    const auto flush = [&](qsizetype end) {
        if (end > runStart)
            text += strictUtf8Decoder().decode(bytes.sliced(runStart, end - runStart));
    };
    for (qsizetype i = 0; i < bytes.size();) {
        const int length = utf8SequenceLength(bytes, i);
        if (length > 0) {
            i += length;
            continue;
        }
        flush(i);
        onInvalid(text, static_cast<unsigned char>(bytes[i]));
        runStart = ++i;
    }
    flush(bytes.size());
    return text;
}

} // namespace semsearch::detail
