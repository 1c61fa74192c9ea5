#include "shared_search/shared_rankings.h"

#include "pipeline/rank_fusion.h"
#include "shared_index/shared_keyword_search.h"
#include "shared_search/shared_hits.h"

#include <algorithm>
#include <iterator>

namespace semsearch {

namespace {

bool narrowsBeyondFolder(const SearchFilter& filter) {
    return !filter.extensions.isEmpty() || filter.modifiedAfterMs != 0 ||
           filter.modifiedBeforeMs != 0;
}

std::vector<std::int64_t> idsOf(const std::vector<ScoredId>& ranking) {
    std::vector<std::int64_t> ids;
    ids.reserve(ranking.size());
    for (const ScoredId& item : ranking)
        ids.push_back(item.id);
    return ids;
}

} // namespace

Result<std::optional<std::vector<std::int64_t>>> allowedPassages(PgConnection& connection,
                                                                 const VectorIndex& cache,
                                                                 const SearchFilter& filter,
                                                                 const QStringList& excluded) {
    if (filter.isEmpty() && excluded.isEmpty())
        return std::optional<std::vector<std::int64_t>>();
    std::vector<std::int64_t> allowed;
    if (filter.isEmpty()) {
        allowed = cache.ids();
    } else {
        auto filtered = filteredPassageIds(connection, filter);
        if (!filtered)
            return filtered.error();
        allowed = std::move(filtered).value();
    }
    auto left = sharedPassagesOfDocumentsHolding(connection, excluded);
    if (!left)
        return left.error();
    std::vector<std::int64_t> kept;
    std::set_difference(allowed.begin(), allowed.end(), left->begin(), left->end(),
                        std::back_inserter(kept));
    return std::optional<std::vector<std::int64_t>>(std::move(kept));
}

Result<std::vector<ScoredId>> keywordRanking(PgConnection& connection, const SearchQuery& query,
                                             const SearchFilter& filter, int k) {
    const bool narrowed = narrowsBeyondFolder(filter);
    SharedKeywordQuery wanted{query.words, query.phrases, query.excluded, filter.pathPrefix,
                              narrowed ? k * 8 : k};
    auto hits = sharedKeywordSearch(connection, wanted);
    if (!hits)
        return hits.error();
    std::vector<std::int64_t> allowed;
    if (narrowed) {
        auto filtered = filteredPassageIds(connection, filter);
        if (!filtered)
            return filtered.error();
        allowed = std::move(filtered).value();
    }
    std::vector<ScoredId> ranking;
    for (const SharedKeywordHit& hit : *hits) {
        if (int(ranking.size()) == k)
            break;
        if (!narrowed || std::binary_search(allowed.begin(), allowed.end(), hit.passageId))
            ranking.push_back({hit.passageId, hit.score});
    }
    return ranking;
}

std::vector<ScoredId> fusedRanking(const std::vector<ScoredId>& semantic,
                                   const std::vector<ScoredId>& keyword, int k) {
    std::vector<ScoredId> ranking;
    for (const FusedItem& item : fuseRankings(idsOf(semantic), idsOf(keyword))) {
        if (int(ranking.size()) == k)
            break;
        ranking.push_back({item.id, float(item.score)});
    }
    return ranking;
}

} // namespace semsearch
