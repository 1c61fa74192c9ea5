// Text from files and from the command line into the WordPiece tokenizer (the tiny model's
// vocabulary, as bert-base-uncased's), and into the passage cutter that counts with it.
//
// Input: the first byte chooses the length limit (0: none) and how the rest is read: as UTF-8
// (invalid sequences become U+FFFD, as when a file is decoded) or, with the high bit set, as raw
// UTF-16 code units (reaching lone surrogates, which UTF-8 cannot carry).

#include "fuzz_support.h"

#include "semsearch/extract.h"
#include "semsearch/tokenizer.h"

#include <QTextBoundaryFinder>

#include <optional>

using namespace semsearch;

namespace {

const WordPieceTokenizer& tokenizer() {
    static const std::optional<WordPieceTokenizer> loaded = [] {
        auto result = WordPieceTokenizer::load(fuzz::testDataPath(QStringLiteral("tiny-bert-max")));
        if (!result) {
            std::fprintf(stderr, "%s\n", qPrintable(result.error().message));
            std::abort();
        }
        return std::optional<WordPieceTokenizer>(std::move(result).value());
    }();
    return *loaded;
}

QString textOf(const std::uint8_t* data, std::size_t size, bool utf16) {
    if (!utf16)
        return QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    QString text(qsizetype(size / 2), Qt::Uninitialized);
    for (std::size_t i = 0; i + 1 < size; i += 2)
        text[qsizetype(i / 2)] = QChar(char16_t(data[i] | (data[i + 1] << 8)));
    return text;
}

void checkEncoding(const QString& text, std::size_t maxLength) {
    const std::vector<TokenId> ids = tokenizer().encode(text, maxLength);
    FUZZ_CHECK(ids.size() >= 2);
    FUZZ_CHECK(maxLength == 0 || ids.size() <= maxLength);
    FUZZ_CHECK(ids.front() == tokenizer().clsId() && ids.back() == tokenizer().sepId());
    for (TokenId id : ids)
        FUZZ_CHECK(id >= 0 && std::size_t(id) < tokenizer().vocabularySize());
}

// The promises of splitPassages: passages in order, inside the text, saying what the text says
// there; nothing but whitespace left out; within the limit, but for a single character
// (grapheme cluster) that does not fit even alone.
void checkPassages(const QString& text, std::size_t maxTokens) {
    DocumentText document;
    document.text = text;
    const std::vector<PassageSpan> passages = splitPassages(document, tokenizer(), maxTokens);
    const auto onlySpace = [&](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i)
            if (!text[i].isSpace())
                return false;
        return true;
    };
    qsizetype previousEnd = 0;
    for (const PassageSpan& passage : passages) {
        FUZZ_CHECK(previousEnd <= passage.start && passage.start < passage.end);
        FUZZ_CHECK(passage.end <= text.size());
        FUZZ_CHECK(onlySpace(previousEnd, passage.start));
        FUZZ_CHECK(passage.text == text.mid(passage.start, passage.end - passage.start));
        FUZZ_CHECK(passage.tokenCount == int(tokenizer().encode(passage.text, 0).size()));
        // One character as the splitter sees it: in its text, not alone. Qt puts a boundary
        // after the first character of a text that starts with "_" + U+093F, while inside a
        // word the two are one cluster (found by this target).
        QTextBoundaryFinder graphemes(QTextBoundaryFinder::Grapheme, text);
        graphemes.setPosition(passage.start);
        const bool oneCharacter = graphemes.toNextBoundary() == passage.end;
        FUZZ_CHECK(std::size_t(passage.tokenCount) <= maxTokens || oneCharacter);
        FUZZ_CHECK(passage.byteStart <= passage.byteEnd);
        previousEnd = passage.end;
    }
    FUZZ_CHECK(onlySpace(previousEnd, text.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const bool utf16 = data[0] & 0x80;
    const std::size_t maxLength = data[0] & 0x7f; // 0: no limit; 1 is below the minimum of 2
    const QString text = textOf(data + 1, size - 1, utf16);
    checkEncoding(text, maxLength < 2 ? 0 : maxLength);
    checkPassages(text, std::max<std::size_t>(3, maxLength));
    return 0;
}
