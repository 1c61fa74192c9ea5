#pragma once

// Answers a query: embed it, find the nearest passages in the vector index, join their text and
// documents from the store. Scores are cosine similarities in [-1, 1].

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/index_folder.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace semsearch {

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

struct SearchOptions {
    int limit = 10;              // documents (searchDocuments) or passages (searchPassages)
    int passagesPerDocument = 3; // best passages kept per document
    SearchFilter filter;
};

struct PassageHit {
    std::int64_t passageId = 0;
    std::int64_t documentId = 0;
    QString path;
    float score = 0;
    QString text;
    int line = 1;
    std::int64_t byteStart = 0; // see PassageRecord::byteStart
    std::int64_t byteEnd = 0;
    int page = 0;    // see PassageRecord::page
    QString section; // see PassageRecord::section
};

struct DocumentHit {
    std::int64_t documentId = 0;
    QString path;
    float score = 0; // its best passage's score
    std::int64_t modifiedMs = 0;
    std::vector<PassageHit> passages; // best first, at most passagesPerDocument
};

class Searcher {
public:
    // Both must outlive the Searcher. Works on indexes open for reading or writing.
    Searcher(IndexFolder& index, Embedder& embedder);

    // Documents ranked by their best passage, each with its best passages.
    Result<std::vector<DocumentHit>> searchDocuments(const QString& query,
                                                     const SearchOptions& options = {});
    // The exact top-k passages over the whole index (or the filtered part), best first.
    Result<std::vector<PassageHit>> searchPassages(const QString& query,
                                                   const SearchOptions& options = {});

    // The same with a query vector (dimension floats), for tests and benchmarks.
    Result<std::vector<PassageHit>> searchPassagesByVector(const float* query,
                                                           const SearchOptions& options);
    Result<std::vector<DocumentHit>> searchDocumentsByVector(const float* query,
                                                             const SearchOptions& options);

private:
    Result<std::vector<ScoredId>> nearest(const float* query, int k, const SearchFilter& filter);
    Result<std::vector<PassageHit>> resolve(const std::vector<ScoredId>& scored);
    Result<std::vector<float>> embedQuery(const QString& query);

    IndexFolder& m_index;
    Embedder& m_embedder;
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
