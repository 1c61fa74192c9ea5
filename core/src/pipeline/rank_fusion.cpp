#include "pipeline/rank_fusion.h"

#include <algorithm>
#include <limits>

namespace semsearch {

namespace {

// Ranks 0 (absent) sort after every real rank.
int orderOf(int rank) {
    return rank == 0 ? std::numeric_limits<int>::max() : rank;
}

} // namespace

std::vector<FusedItem> fuseRankings(const std::vector<std::int64_t>& semantic,
                                    const std::vector<std::int64_t>& keyword,
                                    const QHash<std::int64_t, int>& phraseCounts) {
    std::vector<FusedItem> items;
    QHash<std::int64_t, std::size_t> position;
    auto add = [&](const std::vector<std::int64_t>& ranking, double weight, int FusedItem::*rank) {
        for (std::size_t i = 0; i < ranking.size(); ++i) {
            auto found = position.find(ranking[i]);
            if (found == position.end()) {
                found = position.insert(ranking[i], items.size());
                FusedItem item;
                item.id = ranking[i];
                item.phrases = phraseCounts.value(ranking[i]);
                items.push_back(item);
            }
            FusedItem& item = items[found.value()];
            if (item.*rank != 0)
                continue; // listed twice: the better rank counts
            item.*rank = int(i) + 1;
            item.score += weight / (kFusionK + double(i + 1));
        }
    };
    add(semantic, kSemanticWeight, &FusedItem::semanticRank);
    add(keyword, kKeywordWeight, &FusedItem::keywordRank);
    std::sort(items.begin(), items.end(), [](const FusedItem& a, const FusedItem& b) {
        if (a.phrases != b.phrases)
            return a.phrases > b.phrases;
        if (a.score != b.score)
            return a.score > b.score;
        if (a.keywordRank != b.keywordRank)
            return orderOf(a.keywordRank) < orderOf(b.keywordRank);
        if (a.semanticRank != b.semanticRank)
            return orderOf(a.semanticRank) < orderOf(b.semanticRank);
        return a.id < b.id;
    });
    return items;
}

} // namespace semsearch
