#pragma once

// One run of Searcher::searchDocuments or searchPassages: the query parsed (search_query.h),
// its exclusions looked up, then the mode's ranking (semantic, keyword, or both fused by
// rank_fusion.h), identical documents folded (duplicate_folding.h) and the query's keyword
// matches marked in every passage returned. See searcher.h for the contract.

#include "semsearch/searcher.h"

#include "pipeline/search_query.h"

#include <QHash>
#include <QSet>

#include <optional>
#include <vector>

namespace semsearch {

class QuerySearch {
public:
    QuerySearch(Searcher& searcher, const QString& text, const SearchOptions& options);

    Result<std::vector<DocumentHit>> documents();
    Result<std::vector<PassageHit>> passages();

private:
    // The store's keyword index, asked for anew at each use: a refresh may reopen the store.
    SqliteKeywords& keywords();
    Result<void> prepare();
    bool nothingToSearch() const;
    // Up to `count` documents (more when copies may be folded) in the mode's order, without
    // the excluded ones.
    Result<std::vector<DocumentHit>> rankDocuments(int count);
    Result<std::vector<DocumentHit>> semanticDocuments(int count);
    Result<std::vector<DocumentHit>> keywordDocuments(int count);
    Result<std::vector<PassageHit>> semanticPassages(int count);
    Result<std::vector<PassageHit>> keywordPassages(int count);
    // Up to `count` keyword hits (every one with phrases), best first, none of an excluded
    // document.
    Result<std::vector<KeywordHit>> keywordHits(int count);
    Result<std::vector<PassageHit>> resolveKeywordHits(const std::vector<KeywordHit>& hits);
    // Orders `semantic` and `keyword` documents (either may be empty) by fusion.
    std::vector<DocumentHit> fuseDocuments(std::vector<DocumentHit> semantic,
                                           std::vector<DocumentHit> keyword) const;
    std::vector<PassageHit> fusePassages(std::vector<PassageHit> semantic,
                                         std::vector<PassageHit> keyword) const;
    Result<void> markMatches(std::vector<PassageHit*> passages);
    Result<void> fillModifiedTimes(std::vector<DocumentHit>& documents);

    Searcher& m_searcher;
    SearchOptions m_options;
    QString m_text;
    SearchQuery m_query;
    // The query's words and phrases that rank and are marked: keywordTerms() without the words
    // too common to tell passages apart (SqliteKeywords::withoutCommonWords).
    QStringList m_rankedTerms;
    std::optional<std::vector<float>> m_vector;         // the query's, unless Keyword mode
    std::optional<std::vector<std::int64_t>> m_allowed; // passages within the filter, ascending
    QSet<std::int64_t> m_excludedDocuments;
    std::int64_t m_excludedPassageCount = 0;      // passages of the excluded documents
    QHash<std::int64_t, int> m_phrasesInDocument; // quoted phrases each document holds
    QHash<std::int64_t, int> m_phrasesInPassage;
};

} // namespace semsearch
