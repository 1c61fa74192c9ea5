#include "stored_preview.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace semsearch::services {

namespace {

// Each hit's rank by score (0 = the best; equal scores in the order given), by passage id.
std::map<std::int64_t, int> ranksByScore(const std::vector<PassageHit>& hits) {
    std::vector<std::size_t> byScore(hits.size());
    std::iota(byScore.begin(), byScore.end(), std::size_t(0));
    std::stable_sort(byScore.begin(), byScore.end(),
                     [&](std::size_t a, std::size_t b) { return hits[a].score > hits[b].score; });
    std::map<std::int64_t, int> ranks;
    for (std::size_t r = 0; r < byScore.size(); ++r)
        ranks[hits[byScore[r]].passageId] = int(r);
    return ranks;
}

// Appends the passage's text to the preview, as a match when `rank` >= 0.
void append(DocumentPreview& preview, const PassageHit& passage, int rank) {
    const qsizetype start = preview.text.size();
    preview.text += passage.text;
    if (rank < 0)
        return;
    PreviewMatch match;
    match.passageId = passage.passageId;
    match.score = passage.score;
    match.rank = rank;
    match.start = start;
    match.end = preview.text.size();
    match.page = passage.page;
    match.section = passage.section;
    preview.matches.push_back(match);
}

// What most likely stood between two passages `gap` bytes apart.
QString between(std::int64_t gap) {
    if (gap <= 0)
        return QString();
    return gap == 1 ? QStringLiteral(" ") : QStringLiteral("\n\n");
}

} // namespace

DocumentPreview storedDocumentPreview(const QString& path,
                                      const std::vector<PassageRecord>& passages,
                                      const std::vector<PassageHit>& hits) {
    std::map<std::int64_t, const PassageRecord*> held;
    for (const PassageRecord& passage : passages)
        held[passage.id] = &passage;
    // Ranked among the hits the document still holds, so that ranks run 0, 1, ... as shown.
    std::vector<PassageHit> found;
    for (const PassageHit& hit : hits)
        if (held.count(hit.passageId) > 0)
            found.push_back(hit);
    const std::map<std::int64_t, int> ranks = ranksByScore(found);
    DocumentPreview preview;
    preview.path = path;
    preview.passageCount = int(hits.size());
    preview.changedPassages = int(hits.size() - found.size());
    for (std::size_t i = 0; i < passages.size(); ++i) {
        const PassageRecord& record = passages[i];
        const bool newPage = record.page > 0 && (i == 0 || record.page != passages[i - 1].page);
        if (newPage)
            preview.text += (i > 0 ? QStringLiteral("\n\n") : QString()) + pageMarker(record.page) +
                            QStringLiteral("\n\n");
        else if (i > 0)
            preview.text += between(record.byteStart - passages[i - 1].byteEnd);
        const auto hit = std::find_if(found.begin(), found.end(), [&](const PassageHit& h) {
            return h.passageId == record.id;
        });
        PassageHit shown = hit != found.end() ? *hit : PassageHit();
        shown.passageId = record.id;
        shown.text = record.text; // as the index holds it now
        shown.page = record.page;
        shown.section = record.section;
        append(preview, shown, hit != found.end() ? ranks.at(record.id) : -1);
    }
    return preview;
}

DocumentPreview storedPassagesPreview(const QString& path,
                                      const std::vector<PassageHit>& passages) {
    std::vector<const PassageHit*> inOrder;
    for (const PassageHit& passage : passages)
        inOrder.push_back(&passage);
    std::sort(inOrder.begin(), inOrder.end(), [](const PassageHit* a, const PassageHit* b) {
        if (a->byteStart != b->byteStart)
            return a->byteStart < b->byteStart;
        return a->passageId < b->passageId;
    });
    const std::map<std::int64_t, int> ranks = ranksByScore(passages);
    DocumentPreview preview;
    preview.path = path;
    preview.passageCount = int(passages.size());
    preview.excerptsOnly = true;
    for (const PassageHit* passage : inOrder) {
        if (!preview.text.isEmpty())
            preview.text += QStringLiteral("\n\n…\n\n");
        append(preview, *passage, ranks.at(passage->passageId));
    }
    return preview;
}

} // namespace semsearch::services
