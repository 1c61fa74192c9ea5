#pragma once

// The rankings a search of a shared index fuses, as the local Searcher has them (searcher.h):
// by meaning from this machine's vector cache, by keywords on the server
// (shared_index/shared_keyword_search.h), and both fused by reciprocal rank
// (pipeline/rank_fusion.h). Each is passage ids with scores, best first; the filter and the
// query's excluded terms (-word: the whole document is left out) apply to every one.
//
// Where it differs from the local index: keyword scores are PostgreSQL's ts_rank_cd, not BM25
// (an order, as locally), and a filter by extension or date is applied to the keyword search's
// first 8 x k passages, so a keyword search narrowed that way may find fewer than k. Hybrid
// does not lift passages holding more of the quoted phrases above the others (the fusion is
// given no phrase counts).
//
// Errors are PgConnection's.

#include "pipeline/search_query.h"
#include "semsearch/error.h"
#include "semsearch/searcher.h"
#include "semsearch/vector_index.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace semsearch {

class PgConnection;

// The passages of `cache` that `filter` and the `excluded` terms leave in, ascending;
// std::nullopt when they leave in everything.
Result<std::optional<std::vector<std::int64_t>>> allowedPassages(PgConnection& connection,
                                                                 const VectorIndex& cache,
                                                                 const SearchFilter& filter,
                                                                 const QStringList& excluded);

// The best `k` passages holding a word or phrase of `query`, by ts_rank_cd.
Result<std::vector<ScoredId>> keywordRanking(PgConnection& connection, const SearchQuery& query,
                                             const SearchFilter& filter, int k);

// The two rankings fused by reciprocal rank, the best `k`; a score is the fused score.
std::vector<ScoredId> fusedRanking(const std::vector<ScoredId>& semantic,
                                   const std::vector<ScoredId>& keyword, int k);

} // namespace semsearch
