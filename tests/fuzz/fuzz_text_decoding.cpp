// Any file the indexer meets: encoding detection and decoding (readDocument), and the mapping
// between text positions and file byte offsets that passages and search results rely on.

#include "fuzz_support.h"

#include "semsearch/extract.h"

#include <algorithm>

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QString path = fuzz::writeScratchFile(QStringLiteral("document.txt"), data, size);
    auto document = readDocument(path);
    if (!document)
        return 0;
    FUZZ_CHECK(document->byteSize == qint64(size));
    const QString& text = document->text;

    // Every position that is not inside a surrogate pair maps to a byte offset and back; the
    // offsets never decrease and the end of the text is the end of the file (but for the odd
    // last byte of a UTF-16 file, which is no character).
    std::vector<qsizetype> positions;
    for (qsizetype i = 0; i <= text.size(); ++i)
        if (i == text.size() || !text[i].isLowSurrogate() || i == 0 ||
            !text[i - 1].isHighSurrogate())
            positions.push_back(i);
    const std::vector<qint64> offsets = byteOffsets(*document, positions);
    FUZZ_CHECK(offsets.size() == positions.size());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        FUZZ_CHECK(offsets[i] >= 0 && offsets[i] <= qint64(size));
        FUZZ_CHECK(i == 0 || offsets[i - 1] <= offsets[i]);
        // The one-position call agrees (at 17 places: it is linear in the position for UTF-8).
        if (i % std::max<std::size_t>(1, offsets.size() / 16) == 0 || i + 1 == offsets.size())
            FUZZ_CHECK(offsets[i] == document->byteOffset(positions[i]));
    }
    const bool utf16 =
        document->encoding == TextEncoding::Utf16LE || document->encoding == TextEncoding::Utf16BE;
    FUZZ_CHECK(offsets.back() == qint64(size) - (utf16 ? qint64(size % 2) : 0));
    FUZZ_CHECK(textPositions(*document, offsets) == positions);
    return 0;
}
