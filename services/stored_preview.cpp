#include "stored_preview.h"

#include <algorithm>
#include <numeric>

namespace semsearch::services {

DocumentPreview storedPassagesPreview(const QString& path,
                                      const std::vector<PassageHit>& passages) {
    std::vector<std::size_t> inOrder(passages.size());
    std::iota(inOrder.begin(), inOrder.end(), std::size_t(0));
    std::sort(inOrder.begin(), inOrder.end(), [&](std::size_t a, std::size_t b) {
        if (passages[a].byteStart != passages[b].byteStart)
            return passages[a].byteStart < passages[b].byteStart;
        return passages[a].passageId < passages[b].passageId;
    });
    std::vector<std::size_t> byScore = inOrder;
    std::stable_sort(byScore.begin(), byScore.end(), [&](std::size_t a, std::size_t b) {
        return passages[a].score > passages[b].score;
    });
    std::vector<int> rank(passages.size());
    for (std::size_t r = 0; r < byScore.size(); ++r)
        rank[byScore[r]] = int(r);

    DocumentPreview preview;
    preview.path = path;
    preview.passageCount = int(passages.size());
    for (std::size_t i : inOrder) {
        const PassageHit& passage = passages[i];
        if (!preview.text.isEmpty())
            preview.text += QStringLiteral("\n\n…\n\n");
        PreviewMatch match;
        match.passageId = passage.passageId;
        match.score = passage.score;
        match.rank = rank[i];
        match.start = preview.text.size();
        preview.text += passage.text;
        match.end = preview.text.size();
        match.page = passage.page;
        match.section = passage.section;
        preview.matches.push_back(match);
    }
    return preview;
}

} // namespace semsearch::services
