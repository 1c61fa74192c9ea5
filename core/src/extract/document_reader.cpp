// readDocument and the mappings between text positions and byte offsets, in both directions.
//
// Every decoding here turns each character into a fixed, known number of bytes (UTF-8 checked
// strictly, UTF-16 one code unit per two bytes, Latin1 one byte per character); the one
// substitution, U+FFFD for a byte that is not UTF-8 in mostly UTF-8 text, stands for exactly
// one byte and is listed, which is what keeps passage byte ranges exact.

#include "semsearch/extract.h"

#include "extract/byte_size_text.h"
#include "extract/file_bytes.h"
#include "extract/utf8_sequences.h"
#include "shared/windows_1252.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>
#include <QtEndian>

#include <algorithm>
#include <cstring>
#include <optional>

namespace semsearch {

namespace {

// Same window as git's and grep's binary detection.
constexpr qsizetype kBinaryProbeBytes = 8 * 1024;
constexpr qint64 kReadChunkBytes = 1024 * 1024;

Error fileError(ErrorCode code, const QString& path, const QString& problem) {
    return makeError(code, path + QStringLiteral(": ") + problem);
}

bool startsWith(const QByteArray& bytes, std::initializer_list<unsigned char> prefix) {
    if (bytes.size() < qsizetype(prefix.size()))
        return false;
    return std::equal(prefix.begin(), prefix.end(), bytes.begin(),
                      [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); });
}

int bomLength(TextEncoding encoding) {
    switch (encoding) {
    case TextEncoding::Utf8WithBom:
        return 3;
    case TextEncoding::Utf16LE:
    case TextEncoding::Utf16BE:
        return 2;
    case TextEncoding::Utf8:
    case TextEncoding::Latin1:
        break;
    }
    return 0;
}

std::optional<QString> decodeUtf8(QByteArrayView bytes) {
    QStringDecoder decoder = detail::strictUtf8Decoder();
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

// Whether text that is not valid UTF-8 is still UTF-8 with a few bad bytes: at least as many
// valid multi-byte sequences as bytes that fit no sequence.
bool mostlyUtf8(QByteArrayView bytes) {
    qsizetype multiByte = 0;
    qsizetype invalid = 0;
    for (qsizetype i = 0; i < bytes.size();) {
        const int length = detail::utf8SequenceLength(bytes, i);
        if (length == 0)
            ++invalid;
        else if (length > 1)
            ++multiByte;
        i += std::max(length, 1);
    }
    return multiByte >= invalid;
}

// By hand rather than QStringDecoder so that every two bytes are exactly one code unit (lone
// surrogates kept as they are). An odd last byte is not a character and is left out.
QString decodeUtf16(QByteArrayView bytes, bool littleEndian) {
    QString text(bytes.size() / 2, Qt::Uninitialized);
    QChar* out = text.data();
    const char* in = bytes.data();
    for (qsizetype i = 0; i < text.size(); ++i, in += 2)
        out[i] = QChar(littleEndian ? qFromLittleEndian<quint16>(in) : qFromBigEndian<quint16>(in));
    return text;
}

// Reads at most limit + 1 bytes (limit <= 0: all), so an oversized file is never held whole.
std::optional<QByteArray> readBytes(QFile& file, qint64 limit) {
    QByteArray bytes;
    const qint64 expected = file.size();
    bytes.reserve(qsizetype(limit > 0 ? std::min(expected, limit + 1) : expected));
    for (;;) {
        qint64 want = kReadChunkBytes;
        if (limit > 0)
            want = std::min(want, limit + 1 - qint64(bytes.size()));
        if (want <= 0)
            break;
        const qsizetype before = bytes.size();
        bytes.resize(before + qsizetype(want));
        const qint64 got = file.read(bytes.data() + before, want);
        if (got < 0)
            return std::nullopt;
        bytes.resize(before + qsizetype(got));
        if (got == 0)
            break;
    }
    return bytes;
}

// UTF-8 length of the code unit at `i` of the document's text; a surrogate pair counts 4 on its
// low half, so that a position between the halves maps to the start of the code point. A U+FFFD
// standing for a byte that is not UTF-8 counts 1.
int utf8Length(const DocumentText& document, qsizetype i) {
    const QChar* text = document.text.constData();
    const qsizetype size = document.text.size();
    const char16_t c = text[i].unicode();
    if (c == QChar::ReplacementCharacter &&
        std::binary_search(document.invalidBytes.begin(), document.invalidBytes.end(), i))
        return 1;
    if (c < 0x80)
        return 1;
    if (c < 0x800)
        return 2;
    if (QChar::isHighSurrogate(c) && i + 1 < size && QChar::isLowSurrogate(text[i + 1].unicode()))
        return 0;
    if (QChar::isLowSurrogate(c) && i > 0 && QChar::isHighSurrogate(text[i - 1].unicode()))
        return 4;
    return 3;
}

// Bytes the code unit at `i` takes in the file (UTF-8: see utf8Length).
int unitBytes(const DocumentText& document, qsizetype i) {
    switch (document.encoding) {
    case TextEncoding::Utf16LE:
    case TextEncoding::Utf16BE:
        return 2;
    case TextEncoding::Latin1:
        return 1;
    case TextEncoding::Utf8:
    case TextEncoding::Utf8WithBom:
        break;
    }
    return utf8Length(document, i);
}

// Moves `cursor`, a code point's start whose byte offset is `bytes`, over the whole code points
// that end at or before byte `wanted`, stopping at `end`. A surrogate pair is one step (in UTF-8
// its high half counts 0 bytes and its low half 4).
void advanceTo(const DocumentText& document, qint64 wanted, qsizetype end, qsizetype& cursor,
               qint64& bytes) {
    while (cursor < end) {
        const int units = unitBytes(document, cursor) == 0 ? 2 : 1;
        qint64 step = 0;
        for (int i = 0; i < units; ++i)
            step += unitBytes(document, cursor + i);
        if (bytes + step > wanted)
            break;
        bytes += step;
        cursor += units;
    }
}

// The run holding text position `position` (Markdown).
std::size_t runOf(const std::vector<TextRun>& runs, qsizetype position) {
    const auto after =
        std::upper_bound(runs.begin(), runs.end(), position,
                         [](qsizetype p, const TextRun& run) { return p < run.start; });
    return after == runs.begin() ? 0 : std::size_t(after - runs.begin() - 1);
}

// byteOffsets for text kept in runs: each run's bytes follow from its start.
std::vector<qint64> byteOffsetsThroughRuns(const DocumentText& document,
                                           const std::vector<qsizetype>& positions) {
    std::vector<qint64> offsets;
    offsets.reserve(positions.size());
    std::size_t run = std::size_t(-1);
    qsizetype cursor = 0;
    qint64 bytes = 0;
    for (qsizetype position : positions) {
        position = std::clamp<qsizetype>(position, 0, document.text.size());
        const std::size_t wanted = runOf(document.runs, position);
        if (wanted != run || position < cursor) {
            run = wanted;
            cursor = document.runs[run].start;
            bytes = document.runs[run].byteStart;
        }
        for (; cursor < position; ++cursor)
            bytes += unitBytes(document, cursor);
        offsets.push_back(bytes);
    }
    return offsets;
}

// textPositions for text kept in runs: a byte left out of the text maps to the next kept one.
std::vector<qsizetype> textPositionsThroughRuns(const DocumentText& document,
                                                const std::vector<qint64>& offsets) {
    std::vector<qsizetype> positions;
    positions.reserve(offsets.size());
    const std::vector<TextRun>& runs = document.runs;
    for (const qint64 offset : offsets) {
        const auto after =
            std::upper_bound(runs.begin(), runs.end(), offset,
                             [](qint64 b, const TextRun& run) { return b < run.byteStart; });
        const std::size_t run = after == runs.begin() ? 0 : std::size_t(after - runs.begin() - 1);
        const qsizetype end = run + 1 < runs.size() ? runs[run + 1].start : document.text.size();
        qsizetype cursor = runs[run].start;
        qint64 bytes = runs[run].byteStart;
        advanceTo(document, offset, end, cursor, bytes);
        positions.push_back(cursor);
    }
    return positions;
}

} // namespace

Result<FileBytes> readFileBytes(const QString& path, qint64 maxBytes) {
    const QFileInfo info(path);
    if (!info.exists())
        return fileError(ErrorCode::NotFound, path, QStringLiteral("not found"));
    if (!info.isFile())
        return fileError(ErrorCode::Unsupported, path, QStringLiteral("not a regular file"));
    if (maxBytes > 0 && info.size() > maxBytes)
        return fileError(ErrorCode::Unsupported, path, detail::tooLargeText(maxBytes, info.size()));

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fileError(ErrorCode::Io, path, QStringLiteral("cannot read: ") + file.errorString());
    std::optional<QByteArray> read = readBytes(file, maxBytes);
    if (!read)
        return fileError(ErrorCode::Io, path, QStringLiteral("cannot read: ") + file.errorString());
    if (maxBytes > 0 && read->size() > maxBytes) // it grew since the check above
        return fileError(
            ErrorCode::Unsupported, path,
            detail::tooLargeText(maxBytes, std::max(file.size(), qint64(read->size()))));
    FileBytes result;
    result.bytes = std::move(*read);
    // From the open file, so that it describes the bytes just read even if the path is replaced.
    result.modifiedMs = file.fileTime(QFileDevice::FileModificationTime).toMSecsSinceEpoch();
    result.changedMs = file.fileTime(QFileDevice::FileMetadataChangeTime).toMSecsSinceEpoch();
    return result;
}

Result<DocumentText> readDocument(const QString& path, qint64 maxBytes) {
    auto file = readFileBytes(path, maxBytes);
    if (!file)
        return file.error();
    return decodeDocument(path, *file);
}

Result<DocumentText> decodeDocument(const QString& path, const FileBytes& file) {
    const QByteArray& bytes = file.bytes;
    DocumentText document;
    document.path = path;
    document.byteSize = bytes.size();
    document.modifiedMs = file.modifiedMs;
    document.changedMs = file.changedMs;
    document.contentHash = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);

    const bool hasNul =
        std::memchr(bytes.constData(), 0, std::size_t(std::min(bytes.size(), kBinaryProbeBytes))) !=
        nullptr;
    // Checked before UTF-16 LE, whose mark FF FE begins UTF-32 LE's FF FE 00 00.
    if (startsWith(bytes, {0xFF, 0xFE, 0x00, 0x00}) || startsWith(bytes, {0x00, 0x00, 0xFE, 0xFF}))
        return fileError(ErrorCode::Unsupported, path, QStringLiteral("UTF-32 text"));
    if (startsWith(bytes, {0xFF, 0xFE}) || startsWith(bytes, {0xFE, 0xFF})) {
        const bool littleEndian = static_cast<unsigned char>(bytes[0]) == 0xFF;
        document.encoding = littleEndian ? TextEncoding::Utf16LE : TextEncoding::Utf16BE;
        document.text = decodeUtf16(QByteArrayView(bytes).sliced(2), littleEndian);
        return document;
    }
    if (hasNul)
        return fileError(ErrorCode::Unsupported, path, QStringLiteral("binary file"));

    const bool utf8Bom = startsWith(bytes, {0xEF, 0xBB, 0xBF});
    const QByteArrayView body = QByteArrayView(bytes).sliced(utf8Bom ? 3 : 0);
    document.encoding = utf8Bom ? TextEncoding::Utf8WithBom : TextEncoding::Utf8;
    if (std::optional<QString> text = decodeUtf8(body)) {
        document.text = std::move(*text);
    } else if (mostlyUtf8(bytes)) { // the mark counts as one valid sequence
        document.text = detail::decodeUtf8Marking(body, [&](QString& text, unsigned char) {
            document.invalidBytes.push_back(text.size());
            text += QChar(QChar::ReplacementCharacter);
        });
    } else {
        // Not UTF-8 after all (a mark followed by it too): keep every byte as text.
        document.encoding = TextEncoding::Latin1;
        document.text = detail::decodeWindows1252(bytes);
    }
    return document;
}

std::vector<qint64> byteOffsets(const DocumentText& document,
                                const std::vector<qsizetype>& sortedPositions) {
    if (!document.runs.empty())
        return byteOffsetsThroughRuns(document, sortedPositions);
    std::vector<qint64> offsets;
    offsets.reserve(sortedPositions.size());
    const qint64 bom = bomLength(document.encoding);
    const qsizetype size = document.text.size();

    qsizetype cursor = 0; // text position whose byte offset (after the mark) is `bytes`
    qint64 bytes = 0;
    for (qsizetype position : sortedPositions) {
        position = std::clamp<qsizetype>(position, 0, size);
        switch (document.encoding) {
        case TextEncoding::Utf16LE:
        case TextEncoding::Utf16BE:
            offsets.push_back(bom + 2 * qint64(position));
            continue;
        case TextEncoding::Latin1:
            offsets.push_back(qint64(position));
            continue;
        case TextEncoding::Utf8:
        case TextEncoding::Utf8WithBom:
            break;
        }
        if (position < cursor) { // unsorted input: start over
            cursor = 0;
            bytes = 0;
        }
        for (; cursor < position; ++cursor)
            bytes += utf8Length(document, cursor);
        // A position between the halves of a pair: the pair's 4 bytes are counted on the low
        // half, so `bytes` is the start of the code point already.
        offsets.push_back(bom + bytes);
    }
    return offsets;
}

std::vector<qsizetype> textPositions(const DocumentText& document,
                                     const std::vector<qint64>& sortedByteOffsets) {
    if (!document.runs.empty())
        return textPositionsThroughRuns(document, sortedByteOffsets);
    std::vector<qsizetype> positions;
    positions.reserve(sortedByteOffsets.size());
    const qint64 bom = bomLength(document.encoding);
    const qsizetype size = document.text.size();
    const QChar* text = document.text.constData();

    qsizetype cursor = 0; // a code point start whose byte offset (after the mark) is `bytes`
    qint64 bytes = 0;
    for (const qint64 offset : sortedByteOffsets) {
        const qint64 wanted = std::max<qint64>(offset - bom, 0);
        switch (document.encoding) {
        case TextEncoding::Utf16LE:
        case TextEncoding::Utf16BE: {
            qsizetype position = qsizetype(std::min<qint64>(wanted / 2, size));
            if (position > 0 && position < size && text[position].isLowSurrogate() &&
                text[position - 1].isHighSurrogate())
                --position;
            positions.push_back(position);
            continue;
        }
        case TextEncoding::Latin1:
            positions.push_back(qsizetype(std::min<qint64>(wanted, size)));
            continue;
        case TextEncoding::Utf8:
        case TextEncoding::Utf8WithBom:
            break;
        }
        if (wanted < bytes) { // unsorted input: start over
            cursor = 0;
            bytes = 0;
        }
        advanceTo(document, wanted, size, cursor, bytes);
        positions.push_back(cursor);
    }
    return positions;
}

qint64 DocumentText::byteOffset(qsizetype index) const {
    return byteOffsets(*this, {index}).front();
}

} // namespace semsearch
