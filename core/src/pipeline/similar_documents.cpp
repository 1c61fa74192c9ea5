// Searcher::similarDocuments: "more like this" for a whole file.
//
// The score of a candidate document D for the file F:
//     score(D) = mean over F's passages p of  max over D's passages q of  cos(p, q)
// Why this one:
//  - Every part of F counts equally, so D ranks high when it covers all that F talks about,
//    not just its most typical sentence; a near copy scores close to 1.
//  - A D longer than F is not punished for what it adds (a note that grew into a report still
//    counts as like the note), while a D that matches one passage of F and nothing else gets
//    only that passage's share.
//  - Unlike comparing one mean vector per document, one off-topic passage does not wash out
//    the rest, and no new vectors need storing: it works on the passages the index holds.
// It is asymmetric on purpose: "documents like F" is a question about F.

#include "semsearch/searcher.h"

#include "pipeline/duplicate_folding.h"
#include "semsearch/extract.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace semsearch {

namespace {

// An unindexed file is embedded here and now: at most this many of its passages, spread evenly
// over it, keep the time bounded (a few seconds with the real model) for a file of any size.
constexpr std::size_t kMaxFilePassages = 64;
// Nearest passages looked at per passage of the file to find candidate documents.
constexpr int kNeighboursPerPassage = 20;

void normalize(std::vector<float>& rows, std::size_t dim) {
    for (std::size_t start = 0; start + dim <= rows.size(); start += dim) {
        double norm = 0;
        for (std::size_t i = 0; i < dim; ++i)
            norm += double(rows[start + i]) * rows[start + i];
        const float scale = norm > 0 ? float(1.0 / std::sqrt(norm)) : 0.0f;
        for (std::size_t i = 0; i < dim; ++i)
            rows[start + i] *= scale;
    }
}

float dot(const float* a, const float* b, std::size_t dim) {
    double sum = 0;
    for (std::size_t i = 0; i < dim; ++i)
        sum += double(a[i]) * b[i];
    return float(sum);
}

} // namespace

Result<std::vector<DocumentHit>> Searcher::similarDocuments(const QString& path,
                                                            const SearchOptions& options) {
    if (auto model = requireModel(); !model)
        return model.error();
    const QString file = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    auto document = readDocument(file);
    if (!document)
        return document.error();
    if (auto refreshed = m_index.refresh(); !refreshed)
        return refreshed.error();
    SqliteStore& store = m_index.store(); // until the vectors are read, which may reopen it

    // The file itself and its identical copies are left out; a copy's vectors are the file's.
    auto copies = store.documents().findByHash(document->contentHash);
    if (!copies)
        return copies.error();
    auto itself = store.documents().find(file);
    if (!itself)
        return itself.error();
    QSet<std::int64_t> leftOut;
    std::int64_t leftOutPassages = 0;
    for (const DocumentRecord& copy : *copies) {
        leftOut.insert(copy.id);
        leftOutPassages += copy.passageCount;
    }
    if (*itself && !leftOut.contains((*itself)->id)) {
        leftOut.insert((*itself)->id);
        leftOutPassages += (*itself)->passageCount;
    }

    std::vector<float> fileVectors;
    if (!copies->empty()) {
        auto stored = passagesOfDocument(copies->front().id);
        if (!stored)
            return stored.error();
        fileVectors = std::move(*stored);
    } else {
        auto embedded = embedFile(*document);
        if (!embedded)
            return embedded.error();
        fileVectors = std::move(*embedded);
    }
    const std::size_t dim = m_embedder->dimension();
    normalize(fileVectors, dim);
    const std::size_t fileRows = fileVectors.size() / dim;
    if (fileRows == 0 || options.limit <= 0)
        return std::vector<DocumentHit>();

    // Candidates: the documents of the passages nearest to any of the file's.
    SearchOptions neighbours = options;
    neighbours.limit = kNeighboursPerPassage + int(leftOutPassages);
    QSet<std::int64_t> seen;
    std::vector<std::int64_t> candidates;
    for (std::size_t row = 0; row < fileRows; ++row) {
        auto near = searchPassagesByVector(fileVectors.data() + row * dim, neighbours);
        if (!near)
            return near.error();
        for (const PassageHit& hit : *near)
            if (!leftOut.contains(hit.documentId) && !seen.contains(hit.documentId)) {
                seen.insert(hit.documentId);
                candidates.push_back(hit.documentId);
            }
    }

    std::vector<DocumentHit> ranked;
    for (std::int64_t candidate : candidates) {
        auto scored = scoreAgainst(candidate, fileVectors, options);
        if (!scored)
            return scored.error();
        if (*scored)
            ranked.push_back(std::move(**scored));
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const DocumentHit& a, const DocumentHit& b) { return a.score > b.score; });
    return foldDuplicates(m_index.store(), std::move(ranked), options.limit);
}

Result<std::vector<float>> Searcher::passagesOfDocument(std::int64_t documentId) {
    auto passages = m_index.store().documents().passagesOf(documentId);
    if (!passages)
        return passages.error();
    std::vector<std::int64_t> ids;
    for (const PassageRecord& passage : *passages)
        ids.push_back(passage.id);
    return m_index.store().documents().vectorsOf(ids);
}

Result<std::vector<float>> Searcher::embedFile(const DocumentText& document) {
    const auto spans = splitPassages(document, m_embedder->tokenizer(), m_embedder->maxSeqLength());
    QStringList texts;
    const std::size_t step =
        std::max<std::size_t>(1, (spans.size() + kMaxFilePassages - 1) / kMaxFilePassages);
    for (std::size_t i = 0; i < spans.size(); i += step)
        texts << spans[i].text;
    auto embedded = m_embedder->embed(texts);
    if (!embedded)
        return embedded.error();
    return std::move(embedded->values);
}

Result<std::optional<DocumentHit>> Searcher::scoreAgainst(std::int64_t documentId,
                                                          const std::vector<float>& fileVectors,
                                                          const SearchOptions& options) {
    auto passages = m_index.store().documents().passagesOf(documentId);
    if (!passages)
        return passages.error();
    std::vector<std::int64_t> ids;
    for (const PassageRecord& passage : *passages)
        ids.push_back(passage.id);
    auto vectors = m_index.store().documents().vectorsOf(ids);
    if (!vectors)
        return vectors.error();
    if (ids.empty())
        return std::optional<DocumentHit>();
    const std::size_t dim = m_embedder->dimension();
    normalize(*vectors, dim);
    // Each of the document's passages keeps its best similarity to any passage of the file:
    // those matched best are shown.
    std::vector<float> passageBest(ids.size(), -2.0f);
    double sum = 0;
    const std::size_t fileRows = fileVectors.size() / dim;
    for (std::size_t row = 0; row < fileRows; ++row) {
        float best = -2.0f;
        for (std::size_t j = 0; j < ids.size(); ++j) {
            const float similarity =
                dot(fileVectors.data() + row * dim, vectors->data() + j * dim, dim);
            best = std::max(best, similarity);
            passageBest[j] = std::max(passageBest[j], similarity);
        }
        sum += best;
    }
    std::vector<ScoredId> shown;
    for (std::size_t j = 0; j < ids.size(); ++j)
        shown.push_back(ScoredId{ids[j], passageBest[j]});
    std::stable_sort(shown.begin(), shown.end(),
                     [](const ScoredId& a, const ScoredId& b) { return a.score > b.score; });
    shown.resize(std::min(shown.size(), std::size_t(std::max(1, options.passagesPerDocument))));
    auto hits = resolve(shown);
    if (!hits)
        return hits.error();
    if (hits->empty())
        return std::optional<DocumentHit>();
    DocumentHit hit;
    hit.documentId = documentId;
    hit.path = hits->front().path;
    hit.score = float(sum / double(fileRows));
    hit.passages = std::move(*hits);
    return std::optional<DocumentHit>(std::move(hit));
}

} // namespace semsearch
