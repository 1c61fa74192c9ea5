// A Markdown file the indexer meets: its markup left out by our own line scanner (readMarkdown,
// which runs in the indexer's process), and the byte offsets of the kept text, which passages,
// search results and the preview rely on.

#include "fuzz_support.h"

#include "extract/markdown_reader.h"
#include "semsearch/extract.h"

#include <algorithm>

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QString path = fuzz::writeScratchFile(QStringLiteral("document.md"), data, size);
    auto decoded = readDocument(path);
    if (!decoded)
        return 0;
    const qsizetype decodedSize = decoded->text.size();
    const DocumentText document = readMarkdown(std::move(*decoded));
    const QString& text = document.text;
    FUZZ_CHECK(document.format == DocumentFormat::Markdown);
    FUZZ_CHECK(text.size() <= decodedSize);

    // Runs and places are sorted, start at 0 and lie inside the text and the file.
    FUZZ_CHECK(document.runs.empty() || document.runs.front().start == 0);
    for (std::size_t i = 0; i < document.runs.size(); ++i) {
        const TextRun& run = document.runs[i];
        FUZZ_CHECK(run.start >= 0 && run.start <= text.size());
        FUZZ_CHECK(run.byteStart >= 0 && run.byteStart <= qint64(size));
        FUZZ_CHECK(i == 0 || (document.runs[i - 1].start <= run.start &&
                              document.runs[i - 1].byteStart <= run.byteStart));
    }
    for (std::size_t i = 0; i < document.places.size(); ++i) {
        FUZZ_CHECK(document.places[i].start >= 0 && document.places[i].start <= text.size());
        FUZZ_CHECK(i == 0 || document.places[i - 1].start <= document.places[i].start);
    }

    // Every position maps to a byte offset in the file, never decreasing, and back to a
    // position at or before it.
    std::vector<qsizetype> positions;
    for (qsizetype i = 0; i <= text.size(); ++i)
        positions.push_back(i);
    const std::vector<qint64> offsets = byteOffsets(document, positions);
    FUZZ_CHECK(offsets.size() == positions.size());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        FUZZ_CHECK(offsets[i] >= 0 && offsets[i] <= qint64(size));
        FUZZ_CHECK(i == 0 || offsets[i - 1] <= offsets[i]);
    }
    const std::vector<qsizetype> back = textPositions(document, offsets);
    FUZZ_CHECK(back.size() == positions.size());
    for (std::size_t i = 0; i < back.size(); ++i)
        FUZZ_CHECK(back[i] >= 0 && back[i] <= text.size());
    return 0;
}
