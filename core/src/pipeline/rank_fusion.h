#pragma once

// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) of the two rankings hybrid
// search has: by meaning (cosine) and by keywords (BM25). It is used at both levels, documents
// and passages, over ids of either kind.

#include <QHash>

#include <cstdint>
#include <vector>

namespace semsearch {

// Why these numbers:
//  - k = 60 is the paper's constant, found robust across very different runs, and the one
//    hybrid search engines ship with. It flattens the top ranks, so neither list's first item
//    wins by position alone: an item ranked 3rd by both lists (2/63) beats one ranked 1st by
//    only one of them (1/61).
//  - Equal weights: rank fusion needs no score calibration, and we have no labelled queries of
//    our users to fit unequal weights on. The keyword list already holds only passages that
//    contain a query word, and a word in no passage adds nothing to it, so rare, precise words
//    are not outvoted by a vague vector ranking, nor does a typo drag the ranking by meaning.
//  - A tie (each item first in one list only) goes to the keyword hit: a word match can be
//    checked by the reader, and the shipped model's vectors are coarse.
//  - An exact phrase weighs more than any rank: items containing more of the query's quoted
//    phrases come first (the query language promises it), then the fused score.
inline constexpr double kFusionK = 60.0;
inline constexpr double kSemanticWeight = 1.0;
inline constexpr double kKeywordWeight = 1.0;

struct FusedItem {
    std::int64_t id = 0;
    double score = 0;     // sum of weight / (kFusionK + rank), rank from 1
    int phrases = 0;      // quoted phrases it contains
    int keywordRank = 0;  // 1-based; 0 = not in the keyword list
    int semanticRank = 0; // 1-based; 0 = not in the semantic list
};

// Fuses two rankings (ids best first, each id at most once per list) into one, best first:
// more phrases, then a higher score, then the better keyword rank, then the better semantic
// rank, then the smaller id. `phraseCounts` gives the phrases each id contains (absent = 0).
// An id in neither list is not in the result.
std::vector<FusedItem> fuseRankings(const std::vector<std::int64_t>& semantic,
                                    const std::vector<std::int64_t>& keyword,
                                    const QHash<std::int64_t, int>& phraseCounts = {});

} // namespace semsearch
