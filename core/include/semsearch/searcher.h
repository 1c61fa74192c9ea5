#pragma once

// Answers a query by meaning (embed it, find the nearest passages in the vector index), by
// keywords (BM25 over the store's keyword index), or both fused (hybrid), then joins the
// passages' text and documents from the store.
//
// The query language (quoted phrases, -word exclusions) is described in
// core/src/pipeline/search_query.h; malformed syntax is read as plain words, never an error.
// Scores depend on the mode: Semantic gives cosine similarities in [-1, 1]; Keyword gives BM25
// (> 0, larger is better, comparable within one query only); Hybrid gives the fused
// reciprocal-rank score (see core/src/pipeline/rank_fusion.h), again only an order.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/index_folder.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace semsearch {

struct DocumentText;

struct SearchFilter {
    QString pathPrefix;                // a folder or file; empty = everywhere
    QStringList extensions;            // lower-case, without the dot ("md", "txt"); empty = all
    std::int64_t modifiedAfterMs = 0;  // 0 = no bound
    std::int64_t modifiedBeforeMs = 0; // 0 = no bound
    bool isEmpty() const {
        return pathPrefix.isEmpty() && extensions.isEmpty() && modifiedAfterMs == 0 &&
               modifiedBeforeMs == 0;
    }
};

enum class SearchMode {
    Hybrid,   // meaning and keywords, fused by reciprocal rank (the front ends' default)
    Semantic, // meaning only: the top-k by cosine (exact scores; see SearchOptions::exact)
    Keyword,  // keywords only: passages holding a query word or phrase, by BM25
};

struct SearchOptions {
    int limit = 10;              // documents (searchDocuments) or passages (searchPassages)
    int passagesPerDocument = 3; // best passages kept per document
    SearchFilter filter;
    SearchMode mode = SearchMode::Semantic;
    // Compare the query with every full-precision vector in the store instead of using the
    // vector cache (IndexFolder::searchExactly): the reference the cache is measured against,
    // at about a second per 100,000 passages. Applies wherever vectors are compared (Semantic,
    // the meaning half of Hybrid, similarDocuments).
    bool exact = false;
};

// A match of a query word or phrase in a passage: [start, end) positions in PassageHit::text,
// and the same range as byte offsets counted as PassageHit::byteStart is (in the file for text
// and Markdown, in the extracted text as UTF-8 for other formats; exact but for UTF-8 files
// holding bytes that are not UTF-8, where it may be off by the bad bytes before it). For a
// Markdown file changed since it was indexed, the bytes are the whole passage's.
struct KeywordMatch {
    qsizetype start = 0;
    qsizetype end = 0;
    std::int64_t byteStart = 0;
    std::int64_t byteEnd = 0;
};

struct PassageHit {
    std::int64_t passageId = 0;
    std::int64_t documentId = 0;
    QString path;
    QString machine; // the machine that indexed the document (a shared index); empty locally
    float score = 0;
    QString text;
    int line = 1;
    std::int64_t byteStart = 0; // see PassageRecord::byteStart
    std::int64_t byteEnd = 0;
    int page = 0;    // see PassageRecord::page
    QString section; // see PassageRecord::section
    // Where the query's words and phrases occur in `text`, ascending (any mode; empty when the
    // query has none or they do not occur here).
    std::vector<KeywordMatch> keywordMatches;
};

struct DocumentHit {
    std::int64_t documentId = 0;
    QString path;
    QString machine; // as PassageHit::machine
    float score = 0; // its best passage's score
    std::int64_t modifiedMs = 0;
    std::vector<PassageHit> passages; // best first, at most passagesPerDocument
    // Other documents with identical content (same content hash), folded into this result
    // wherever they rank: their paths, sorted. Every copy in the index is named, also those
    // outside the filter.
    QStringList duplicates;
};

class Searcher {
public:
    // Both must outlive the Searcher. Works on indexes open for reading or writing.
    Searcher(IndexFolder& index, Embedder& embedder);
    // Without a model, for a front end that answers keyword queries without loading it: only
    // Keyword mode searches work; the others, the ...ByVector calls and similarDocuments fail
    // with InvalidArgument ("no model is loaded").
    explicit Searcher(IndexFolder& index);

    // Documents, best first, each with its best passages, identical copies folded (see
    // DocumentHit::duplicates). Semantic: ranked by their best passage's cosine. Keyword: only
    // documents with a passage holding a query word or phrase, by their best passage's BM25.
    // Hybrid: the two document rankings fused (rank_fusion.h). In Keyword and Hybrid modes a
    // document holding more of the quoted phrases ranks above one holding fewer. Documents
    // holding an excluded word or phrase are left out in every mode. A query with no words
    // left after exclusions finds nothing. InvalidArgument for an empty query; Mismatch for an
    // index of another model (except Keyword mode, which does not use the model).
    Result<std::vector<DocumentHit>> searchDocuments(const QString& query,
                                                     const SearchOptions& options = {});
    // The top-k passages over the whole index (or the filtered part), best first, as above at
    // the level of passages: Semantic is the top-k by cosine, every score the exact cosine; the
    // vector index may miss a passage of the exact top-k (recall@10 >= 0.95 is what its guard
    // holds, vector_index_options.h) unless options.exact.
    Result<std::vector<PassageHit>> searchPassages(const QString& query,
                                                   const SearchOptions& options = {});

    // "More like this": the documents closest in meaning to the file at `path` (indexed or not,
    // read as the indexer reads it), best first, never the file itself nor an identical copy
    // of it. The score of a document D is the mean, over the file's passages, of each
    // passage's best cosine with a passage of D (see similar_documents.cpp for why). Its
    // passages are those that matched best. options.mode is ignored. Errors: the file's
    // (NotFound, Unsupported for a binary or too large file, Io), the embedder's, the store's.
    Result<std::vector<DocumentHit>> similarDocuments(const QString& path,
                                                      const SearchOptions& options = {});

    // The same with a query vector (dimension floats), for tests and benchmarks.
    Result<std::vector<PassageHit>> searchPassagesByVector(const float* query,
                                                           const SearchOptions& options);
    Result<std::vector<DocumentHit>> searchDocumentsByVector(const float* query,
                                                             const SearchOptions& options);

private:
    Result<std::vector<ScoredId>> nearest(const float* query, int k, const SearchOptions& options);
    Result<std::vector<PassageHit>> resolve(const std::vector<ScoredId>& scored);
    Result<std::vector<float>> embedQuery(const QString& query);
    // The hybrid and keyword machinery (query_search.cpp).
    friend class QuerySearch;
    // For similarDocuments (similar_documents.cpp): a stored document's vectors (rows x dim);
    // a file's passages embedded; one candidate scored against the file's normalized vectors
    // (std::nullopt when it has no passages left).
    Result<std::vector<float>> passagesOfDocument(std::int64_t documentId);
    Result<std::vector<float>> embedFile(const DocumentText& document);
    Result<std::optional<DocumentHit>> scoreAgainst(std::int64_t documentId,
                                                    const std::vector<float>& fileVectors,
                                                    const SearchOptions& options);

    IndexFolder& m_index;
    // InvalidArgument unless a model was given.
    Result<void> requireModel() const;

    Embedder* m_embedder = nullptr; // null: keyword searches only
};

// Sentences of one passage scoring within this much cosine similarity of its best sentence
// count among its best too: a near tie is no reason to leave one of two good sentences out.
constexpr double kBestSentenceTies = 0.02;

// A sentence of a passage's text that matches a query: [start, end) in text positions (UTF-16
// code units) of PassageHit::text, with its cosine similarity to the query.
struct SentenceMatch {
    qsizetype start = 0;
    qsizetype end = 0;
    float score = 0;
};

// Which sentences of each passage match the query best (sentence emphasis): each text of
// `passageTexts` is cut into sentences as the passage splitter cuts (splitSentences in
// extract.h), every sentence is embedded on its own, and those whose cosine similarity with
// `query` (embedder.dimension() floats, as Embedder::embed gives) lies within kBestSentenceTies
// of that passage's best are returned, in text order. Element i answers passageTexts[i]; a text
// without sentences (whitespace only) gets none. All sentences go to the embedder in one call,
// so the cost is about that of embedding as many short passages. Errors: the embedder's.
Result<std::vector<std::vector<SentenceMatch>>>
bestSentences(Embedder& embedder, const float* query, const QStringList& passageTexts);

} // namespace semsearch
