#include "pipeline/query_search.h"

#include "pipeline/document_grouping.h"
#include "pipeline/duplicate_folding.h"
#include "pipeline/match_bytes.h"
#include "pipeline/rank_fusion.h"

#include "semsearch/index_folder.h"
#include "semsearch/store.h"

#include <algorithm>

namespace semsearch {

namespace {

// How deep each ranking is read before fusion: an item below this in one list can still be
// lifted by the other, and 50 is where reciprocal-rank contributions (1/110) stop mattering
// against a top-ten pair.
constexpr int kFusionDepth = 50;
// "All of them", small enough to add counts to without overflow.
constexpr int kEveryMatch = 1 << 28;

template <typename Hit>
void dropExcluded(std::vector<Hit>& hits, const QSet<std::int64_t>& excluded,
                  std::int64_t Hit::*key) {
    if (excluded.isEmpty())
        return;
    hits.erase(std::remove_if(hits.begin(), hits.end(),
                              [&](const Hit& hit) { return excluded.contains(hit.*key); }),
               hits.end());
}

} // namespace

QuerySearch::QuerySearch(Searcher& searcher, const QString& text, const SearchOptions& options)
    : m_searcher(searcher), m_options(options), m_text(text) {}

SqliteKeywords& QuerySearch::keywords() {
    return m_searcher.m_index.store().keywords();
}

Result<void> QuerySearch::prepare() {
    if (m_text.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("the query is empty"));
    m_query = parseSearchQuery(m_text);
    // What a writer committed since, also for a search that reads no vectors (Keyword mode).
    if (auto refreshed = m_searcher.m_index.refresh(); !refreshed)
        return refreshed;
    auto ranked = keywords().withoutCommonWords(m_query.keywordTerms());
    if (!ranked)
        return ranked.error();
    m_rankedTerms = std::move(*ranked);
    auto excluded = keywords().allMatching(m_query.excluded);
    if (!excluded)
        return excluded.error();
    for (const KeywordHit& hit : *excluded)
        m_excludedDocuments.insert(hit.documentId);
    auto excludedRecords = m_searcher.m_index.documents(
        std::vector<std::int64_t>(m_excludedDocuments.begin(), m_excludedDocuments.end()));
    if (!excludedRecords)
        return excludedRecords.error();
    for (const DocumentRecord& record : *excludedRecords)
        m_excludedPassageCount += record.passageCount;
    if (m_options.mode != SearchMode::Semantic) {
        for (const QString& phrase : m_query.phrases) {
            auto holding = keywords().allMatching({phrase});
            if (!holding)
                return holding.error();
            QSet<std::int64_t> documents;
            for (const KeywordHit& hit : *holding) {
                ++m_phrasesInPassage[hit.passageId];
                documents.insert(hit.documentId);
            }
            for (std::int64_t document : documents)
                ++m_phrasesInDocument[document];
        }
        if (!m_options.filter.isEmpty()) {
            PassageFilter filter{m_options.filter.pathPrefix, m_options.filter.extensions,
                                 m_options.filter.modifiedAfterMs,
                                 m_options.filter.modifiedBeforeMs};
            auto allowed = m_searcher.m_index.passagesMatching(filter);
            if (!allowed)
                return allowed.error();
            m_allowed = std::move(*allowed);
        }
    }
    if (m_options.mode != SearchMode::Keyword && !m_query.semanticText.isEmpty()) {
        auto vector = m_searcher.embedQuery(m_query.semanticText);
        if (!vector)
            return vector.error();
        m_vector = std::move(*vector);
    }
    return {};
}

bool QuerySearch::nothingToSearch() const {
    const bool keywords = !m_query.keywordTerms().isEmpty();
    switch (m_options.mode) {
    case SearchMode::Semantic:
        return !m_vector;
    case SearchMode::Keyword:
        return !keywords;
    case SearchMode::Hybrid:
        return !m_vector && !keywords;
    }
    return true;
}

Result<std::vector<DocumentHit>> QuerySearch::semanticDocuments(int count) {
    if (!m_vector)
        return std::vector<DocumentHit>();
    SearchOptions options = m_options;
    // Excluded documents can take at most their own number of places.
    options.limit = count + int(m_excludedDocuments.size());
    auto documents = m_searcher.searchDocumentsByVector(m_vector->data(), options);
    if (!documents)
        return documents.error();
    dropExcluded(*documents, m_excludedDocuments, &DocumentHit::documentId);
    if (int(documents->size()) > count)
        documents->resize(std::size_t(count));
    return documents;
}

Result<std::vector<KeywordHit>> QuerySearch::keywordHits(int count) {
    // Every phrase-holding passage is read: they rank above the rest whatever their BM25.
    const int wanted =
        (m_phrasesInPassage.isEmpty() ? count : kEveryMatch) + int(m_excludedPassageCount);
    auto found = keywords().search(m_rankedTerms, wanted, m_allowed ? &*m_allowed : nullptr);
    if (!found)
        return found.error();
    dropExcluded(*found, m_excludedDocuments, &KeywordHit::documentId);
    return found;
}

Result<std::vector<PassageHit>>
QuerySearch::resolveKeywordHits(const std::vector<KeywordHit>& hits) {
    std::vector<ScoredId> scored;
    for (const KeywordHit& hit : hits)
        scored.push_back(ScoredId{hit.passageId, float(hit.score)});
    return m_searcher.resolve(scored);
}

Result<std::vector<PassageHit>> QuerySearch::keywordPassages(int count) {
    auto hits = keywordHits(count);
    if (!hits)
        return hits.error();
    return resolveKeywordHits(*hits);
}

Result<std::vector<DocumentHit>> QuerySearch::keywordDocuments(int count) {
    const int perDocument = std::max(1, m_options.passagesPerDocument);
    // With phrases every matching document is kept: they rank above the rest.
    const int documents = m_phrasesInPassage.isEmpty() ? count : kEveryMatch;
    // Widen the net until enough documents turn up, as the semantic ranking does.
    for (int depth = std::max(64, count * perDocument * 4);; depth *= 4) {
        auto hits = keywordHits(depth);
        if (!hits)
            return hits.error();
        const bool exhausted = int(hits->size()) < depth || !m_phrasesInPassage.isEmpty();
        // Only the passages that will be shown are read from the store.
        std::vector<KeywordHit> shown;
        QHash<std::int64_t, int> perDocumentShown;
        for (const KeywordHit& hit : *hits) {
            auto found = perDocumentShown.find(hit.documentId);
            if (found == perDocumentShown.end()) {
                if (perDocumentShown.size() == documents)
                    continue;
                found = perDocumentShown.insert(hit.documentId, 0);
            }
            if (found.value() < perDocument) {
                ++found.value();
                shown.push_back(hit);
            }
        }
        if (int(perDocumentShown.size()) < count && !exhausted)
            continue;
        auto passages = resolveKeywordHits(shown);
        if (!passages)
            return passages.error();
        return groupByDocument(std::move(*passages), documents, perDocument);
    }
}

Result<std::vector<PassageHit>> QuerySearch::semanticPassages(int count) {
    if (!m_vector)
        return std::vector<PassageHit>();
    SearchOptions options = m_options;
    options.limit = count + int(m_excludedPassageCount);
    auto passages = m_searcher.searchPassagesByVector(m_vector->data(), options);
    if (!passages)
        return passages.error();
    dropExcluded(*passages, m_excludedDocuments, &PassageHit::documentId);
    if (int(passages->size()) > count)
        passages->resize(std::size_t(count));
    return passages;
}

std::vector<PassageHit> QuerySearch::fusePassages(std::vector<PassageHit> semantic,
                                                  std::vector<PassageHit> keyword) const {
    std::vector<std::int64_t> semanticIds, keywordIds;
    QHash<std::int64_t, PassageHit> byId;
    for (PassageHit& hit : keyword) {
        keywordIds.push_back(hit.passageId);
        byId.insert(hit.passageId, std::move(hit));
    }
    for (PassageHit& hit : semantic) {
        semanticIds.push_back(hit.passageId);
        byId.insert(hit.passageId, std::move(hit));
    }
    std::vector<PassageHit> fused;
    for (const FusedItem& item : fuseRankings(semanticIds, keywordIds, m_phrasesInPassage)) {
        PassageHit hit = byId.take(item.id);
        if (m_options.mode == SearchMode::Hybrid)
            hit.score = float(item.score);
        fused.push_back(std::move(hit));
    }
    return fused;
}

std::vector<DocumentHit> QuerySearch::fuseDocuments(std::vector<DocumentHit> semantic,
                                                    std::vector<DocumentHit> keyword) const {
    // The passages shown for a document: its passages from both rankings, in their fused order.
    std::vector<PassageHit> semanticPassages, keywordPassages;
    for (const DocumentHit& document : semantic)
        semanticPassages.insert(semanticPassages.end(), document.passages.begin(),
                                document.passages.end());
    std::stable_sort(semanticPassages.begin(), semanticPassages.end(),
                     [](const PassageHit& a, const PassageHit& b) { return a.score > b.score; });
    for (const DocumentHit& document : keyword)
        keywordPassages.insert(keywordPassages.end(), document.passages.begin(),
                               document.passages.end());
    std::stable_sort(keywordPassages.begin(), keywordPassages.end(),
                     [](const PassageHit& a, const PassageHit& b) { return a.score > b.score; });
    QHash<std::int64_t, std::vector<PassageHit>> passagesOf;
    for (PassageHit& hit : fusePassages(std::move(semanticPassages), std::move(keywordPassages)))
        passagesOf[hit.documentId].push_back(std::move(hit));

    std::vector<std::int64_t> semanticIds, keywordIds;
    QHash<std::int64_t, DocumentHit> byId;
    for (DocumentHit& document : keyword) {
        keywordIds.push_back(document.documentId);
        byId.insert(document.documentId, std::move(document));
    }
    for (DocumentHit& document : semantic) {
        semanticIds.push_back(document.documentId);
        byId.insert(document.documentId, std::move(document));
    }
    const std::size_t perDocument = std::size_t(std::max(1, m_options.passagesPerDocument));
    std::vector<DocumentHit> fused;
    for (const FusedItem& item : fuseRankings(semanticIds, keywordIds, m_phrasesInDocument)) {
        DocumentHit document = byId.take(item.id);
        if (m_options.mode == SearchMode::Hybrid)
            document.score = float(item.score);
        document.passages = passagesOf.take(item.id);
        if (document.passages.size() > perDocument)
            document.passages.resize(perDocument);
        fused.push_back(std::move(document));
    }
    return fused;
}

Result<std::vector<DocumentHit>> QuerySearch::rankDocuments(int count) {
    if (m_options.mode == SearchMode::Semantic)
        return semanticDocuments(count);
    const int depth = std::max(kFusionDepth, count);
    auto keyword = keywordDocuments(depth);
    if (!keyword)
        return keyword.error();
    if (m_options.mode == SearchMode::Keyword)
        return fuseDocuments({}, std::move(*keyword));
    auto semantic = semanticDocuments(depth);
    if (!semantic)
        return semantic.error();
    return fuseDocuments(std::move(*semantic), std::move(*keyword));
}

Result<std::vector<DocumentHit>> QuerySearch::documents() {
    if (auto prepared = prepare(); !prepared)
        return prepared.error();
    if (nothingToSearch() || m_options.limit <= 0)
        return std::vector<DocumentHit>();
    // Identical copies fold into one result: read deeper until enough distinct ones remain.
    for (int count = m_options.limit;; count *= 4) {
        auto ranked = rankDocuments(count);
        if (!ranked)
            return ranked.error();
        const bool filled = int(ranked->size()) >= count;
        auto folded =
            foldDuplicates(m_searcher.m_index.store(), std::move(*ranked), m_options.limit);
        if (!folded)
            return folded.error();
        if (int(folded->size()) < m_options.limit && filled) {
            // Counted only here: a count of a million passages' documents costs milliseconds.
            auto counts = m_searcher.m_index.store().counts();
            if (!counts)
                return counts.error();
            if (count < counts->documents)
                continue;
        }
        std::vector<PassageHit*> passages;
        for (DocumentHit& document : *folded)
            for (PassageHit& passage : document.passages)
                passages.push_back(&passage);
        if (auto marked = markMatches(passages); !marked)
            return marked.error();
        if (auto dated = fillModifiedTimes(*folded); !dated)
            return dated.error();
        return folded;
    }
}

Result<std::vector<PassageHit>> QuerySearch::passages() {
    if (auto prepared = prepare(); !prepared)
        return prepared.error();
    if (nothingToSearch() || m_options.limit <= 0)
        return std::vector<PassageHit>();
    const int limit = m_options.limit;
    std::vector<PassageHit> ranked;
    if (m_options.mode == SearchMode::Semantic) {
        auto semantic = semanticPassages(limit);
        if (!semantic)
            return semantic.error();
        ranked = std::move(*semantic);
    } else {
        const int depth =
            m_options.mode == SearchMode::Hybrid ? std::max(kFusionDepth, limit) : limit;
        auto keyword = keywordPassages(depth);
        if (!keyword)
            return keyword.error();
        auto semantic = m_options.mode == SearchMode::Hybrid ? semanticPassages(depth)
                                                             : std::vector<PassageHit>();
        if (!semantic)
            return semantic.error();
        ranked = fusePassages(std::move(*semantic), std::move(*keyword));
    }
    if (int(ranked.size()) > limit)
        ranked.resize(std::size_t(limit));
    std::vector<PassageHit*> pointers;
    for (PassageHit& passage : ranked)
        pointers.push_back(&passage);
    if (auto marked = markMatches(pointers); !marked)
        return marked.error();
    return ranked;
}

Result<void> QuerySearch::markMatches(std::vector<PassageHit*> passages) {
    const QStringList& terms = m_rankedTerms;
    if (terms.isEmpty() || passages.empty())
        return {};
    std::vector<std::int64_t> documentIds;
    for (const PassageHit* passage : passages)
        documentIds.push_back(passage->documentId);
    auto documents = m_searcher.m_index.documents(documentIds);
    if (!documents)
        return documents.error();
    MatchBytes bytes(*documents);
    for (PassageHit* passage : passages) {
        auto ranges = keywords().matchesIn(passage->passageId, terms);
        if (!ranges)
            return ranges.error();
        for (const TextRange& range : *ranges)
            passage->keywordMatches.push_back(bytes.place(*passage, range));
    }
    return {};
}

Result<void> QuerySearch::fillModifiedTimes(std::vector<DocumentHit>& documents) {
    std::vector<std::int64_t> ids;
    for (const DocumentHit& document : documents)
        ids.push_back(document.documentId);
    auto records = m_searcher.m_index.documents(ids);
    if (!records)
        return records.error();
    QHash<std::int64_t, std::int64_t> modified;
    for (const DocumentRecord& record : *records)
        modified.insert(record.id, record.modifiedMs);
    for (DocumentHit& document : documents)
        document.modifiedMs = modified.value(document.documentId);
    return {};
}

Result<std::vector<DocumentHit>> Searcher::searchDocuments(const QString& query,
                                                           const SearchOptions& options) {
    return QuerySearch(*this, query, options).documents();
}

Result<std::vector<PassageHit>> Searcher::searchPassages(const QString& query,
                                                         const SearchOptions& options) {
    return QuerySearch(*this, query, options).passages();
}

} // namespace semsearch
