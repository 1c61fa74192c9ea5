#include "document_preview.h"

#include "semsearch/extract.h"

#include <algorithm>
#include <numeric>

namespace semsearch::services {

namespace {

// The text as the editor shows it: each "\r\n" made "\n" (the dropped '\r's, ascending), and
// a marker line inserted where each page begins (their original positions, ascending).
struct EditorText {
    QString text;
    std::vector<qsizetype> dropped;
    std::vector<std::pair<qsizetype, qsizetype>> inserted; // original position, length

    EditorText(const QString& original, const std::vector<DocumentPlace>& places) {
        text.reserve(original.size());
        std::size_t place = 0;
        int page = 0;
        for (qsizetype i = 0; i < original.size(); ++i) {
            for (; place < places.size() && places[place].start <= i; ++place) {
                if (places[place].page <= 0 || places[place].page == page)
                    continue;
                page = places[place].page;
                const QString marker = pageMarker(page) + QStringLiteral("\n\n");
                inserted.emplace_back(i, marker.size());
                text.append(marker);
            }
            if (original[i] == QLatin1Char('\r') && i + 1 < original.size() &&
                original[i + 1] == QLatin1Char('\n')) {
                dropped.push_back(i);
                continue;
            }
            text.append(original[i]);
        }
    }

    // Where position `original` of the original text is in `text`: after the markers inserted
    // at or before it.
    qsizetype position(qsizetype original) const {
        const auto before = std::lower_bound(dropped.begin(), dropped.end(), original);
        qsizetype shift = 0;
        for (const auto& [at, length] : inserted)
            if (at <= original)
                shift += length;
        return original - qsizetype(before - dropped.begin()) + shift;
    }
};

// The occurrence of `needle` in `text` nearest to `near`, or -1.
qsizetype nearestOccurrence(const QString& text, const QString& needle, qsizetype near) {
    if (needle.isEmpty())
        return -1;
    const qsizetype after = text.indexOf(needle, near);
    const qsizetype before = near > 0 ? text.lastIndexOf(needle, near - 1) : -1;
    if (after < 0)
        return before;
    if (before < 0)
        return after;
    return (near - before) <= (after - near) ? before : after;
}

} // namespace

QString pageMarker(int page) {
    return QStringLiteral("\u2014 page %1 \u2014").arg(page);
}

Result<DocumentPreview> preparePreview(const QString& path, const std::vector<PassageHit>& passages,
                                       const ReadOptions& options) {
    DocumentReader reader(options);
    Result<DocumentText> document = reader.read(path);
    if (!document.ok())
        return document.error();

    std::vector<qint64> offsets;
    offsets.reserve(2 * passages.size());
    for (const PassageHit& passage : passages) {
        offsets.push_back(passage.byteStart);
        offsets.push_back(passage.byteEnd);
    }
    std::sort(offsets.begin(), offsets.end());
    const std::vector<qsizetype> positions = textPositions(*document, offsets);
    auto positionOf = [&](qint64 offset) {
        return positions[std::size_t(std::lower_bound(offsets.begin(), offsets.end(), offset) -
                                     offsets.begin())];
    };

    // Ranks by score, best first; equal scores keep the given order.
    std::vector<std::size_t> byScore(passages.size());
    std::iota(byScore.begin(), byScore.end(), std::size_t(0));
    std::stable_sort(byScore.begin(), byScore.end(), [&](std::size_t a, std::size_t b) {
        return passages[a].score > passages[b].score;
    });
    std::vector<int> rank(passages.size());
    for (std::size_t i = 0; i < byScore.size(); ++i)
        rank[byScore[i]] = int(i);

    const QString& text = document->text;
    const EditorText editor(text, document->places);
    DocumentPreview preview;
    preview.path = path;
    preview.format = document->format;
    preview.passageCount = int(passages.size());
    for (std::size_t i = 0; i < passages.size(); ++i) {
        const PassageHit& passage = passages[i];
        qsizetype start = positionOf(passage.byteStart);
        const qsizetype end = positionOf(passage.byteEnd);
        if (passage.byteEnd < passage.byteStart ||
            QStringView(text).mid(start, std::max<qsizetype>(end - start, 0)) != passage.text) {
            ++preview.changedPassages;
            start = nearestOccurrence(text, passage.text, start);
            if (start < 0)
                continue;
        }
        preview.matches.push_back(
            {passage.passageId, passage.score, rank[i], editor.position(start),
             editor.position(start + passage.text.size()), passage.page, passage.section});
    }
    std::stable_sort(
        preview.matches.begin(), preview.matches.end(),
        [](const PreviewMatch& a, const PreviewMatch& b) { return a.start < b.start; });
    preview.text = editor.text;
    return preview;
}

} // namespace semsearch::services
