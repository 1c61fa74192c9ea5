#include "semsearch/searcher.h"

#include "semsearch/extract.h"
#include "semsearch/model_identity.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace semsearch {

Searcher::Searcher(IndexFolder& index, Embedder& embedder)
    : m_index(index), m_embedder(&embedder) {}

Searcher::Searcher(IndexFolder& index) : m_index(index) {}

Result<void> Searcher::requireModel() const {
    if (!m_embedder)
        return makeError(ErrorCode::InvalidArgument,
                         m_index.folder() + QStringLiteral(": no model is loaded, so only a "
                                                           "keyword search can run"));
    return {};
}

Result<std::vector<float>> Searcher::embedQuery(const QString& query) {
    if (query.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("the query is empty"));
    if (auto model = requireModel(); !model)
        return model.error();
    auto vectors = m_embedder->embed({query});
    if (!vectors)
        return vectors.error();
    return std::move(vectors->values);
}

Result<std::vector<ScoredId>> Searcher::nearest(const float* query, int k,
                                                const SearchOptions& options) {
    const SearchFilter& filter = options.filter;
    if (auto model = requireModel(); !model)
        return model.error();
    auto vectors = m_index.vectors();
    if (!vectors)
        return vectors.error();
    if (!*vectors || k <= 0)
        return std::vector<ScoredId>(); // nothing indexed yet
    // Vectors of two models are not comparable, even at the same width: refuse, never rank.
    auto recorded = m_index.model();
    if (!recorded)
        return recorded.error();
    const ModelIdentity model = modelIdentity(m_embedder->model());
    if (*recorded && !sameVectors(**recorded, model))
        return makeError(ErrorCode::Mismatch,
                         m_index.folder() +
                             QStringLiteral(": this index was built with the model %1 and "
                                            "cannot be searched with %2; search with the model "
                                            "that built it, or re-embed the whole index with "
                                            "the new one")
                                 .arg(describeModel(**recorded), describeModel(model)));
    if (filter.isEmpty())
        return options.exact ? m_index.searchExactly(query, k, nullptr)
                             : (*vectors)->search(query, k);
    PassageFilter passageFilter;
    passageFilter.pathPrefix = filter.pathPrefix;
    passageFilter.extensions = filter.extensions;
    passageFilter.modifiedAfterMs = filter.modifiedAfterMs;
    passageFilter.modifiedBeforeMs = filter.modifiedBeforeMs;
    auto allowed = m_index.passagesMatching(passageFilter);
    if (!allowed)
        return allowed.error();
    std::sort(allowed->begin(), allowed->end());
    return options.exact ? m_index.searchExactly(query, k, &*allowed)
                         : (*vectors)->search(query, k, &*allowed);
}

Result<std::vector<PassageHit>> Searcher::resolve(const std::vector<ScoredId>& scored) {
    std::vector<std::int64_t> ids;
    ids.reserve(scored.size());
    for (const ScoredId& hit : scored)
        ids.push_back(hit.id);
    auto located = m_index.locatePassages(ids);
    if (!located)
        return located.error();
    QHash<std::int64_t, const LocatedPassage*> byId;
    for (const LocatedPassage& passage : *located)
        byId.insert(passage.passage.id, &passage);

    std::vector<PassageHit> hits;
    hits.reserve(scored.size());
    for (const ScoredId& hit : scored) {
        // A passage removed by a writer since the vectors were read is simply left out.
        const LocatedPassage* found = byId.value(hit.id);
        if (!found)
            continue;
        const PassageRecord* passage = &found->passage;
        const DocumentRecord* document = &found->document;
        PassageHit result;
        result.passageId = passage->id;
        result.documentId = document->id;
        result.path = document->path;
        result.score = hit.score;
        result.text = passage->text;
        result.line = passage->line;
        result.byteStart = passage->byteStart;
        result.byteEnd = passage->byteEnd;
        result.page = passage->page;
        result.section = passage->section;
        hits.push_back(std::move(result));
    }
    return hits;
}

Result<std::vector<PassageHit>> Searcher::searchPassagesByVector(const float* query,
                                                                 const SearchOptions& options) {
    auto scored = nearest(query, options.limit, options);
    if (!scored)
        return scored.error();
    return resolve(*scored);
}

Result<std::vector<DocumentHit>> Searcher::searchDocumentsByVector(const float* query,
                                                                   const SearchOptions& options) {
    if (options.limit <= 0)
        return std::vector<DocumentHit>();
    auto vectors = m_index.vectors();
    if (!vectors)
        return vectors.error();
    const std::int64_t total = *vectors ? (*vectors)->size() : 0;
    const int perDocument = std::max(1, options.passagesPerDocument);

    // Documents are ranked by their best passage, so the top passages decide. Fetch a generous
    // number of them and widen the net until enough distinct documents turn up.
    std::int64_t k = std::max<std::int64_t>(64, std::int64_t(options.limit) * perDocument * 4);
    for (;;) {
        k = std::min(k, total);
        auto scored = nearest(query, int(k), options);
        if (!scored)
            return scored.error();
        auto hits = resolve(*scored);
        if (!hits)
            return hits.error();

        std::vector<DocumentHit> documents;
        QHash<std::int64_t, std::size_t> position;
        for (PassageHit& hit : *hits) {
            auto found = position.find(hit.documentId);
            if (found == position.end()) {
                if (int(documents.size()) == options.limit)
                    continue;
                position.insert(hit.documentId, documents.size());
                DocumentHit document;
                document.documentId = hit.documentId;
                document.path = hit.path;
                document.score = hit.score;
                documents.push_back(std::move(document));
                found = position.find(hit.documentId);
            }
            DocumentHit& document = documents[found.value()];
            if (int(document.passages.size()) < perDocument)
                document.passages.push_back(std::move(hit));
        }
        if (int(documents.size()) >= options.limit || k >= total) {
            std::vector<std::int64_t> ids;
            for (const DocumentHit& document : documents)
                ids.push_back(document.documentId);
            auto records = m_index.documents(ids);
            if (!records)
                return records.error();
            for (const DocumentRecord& record : *records)
                if (auto it = position.find(record.id); it != position.end())
                    documents[it.value()].modifiedMs = record.modifiedMs;
            return documents;
        }
        k *= 4;
    }
}

// searchDocuments and searchPassages, with the query language and the keyword and hybrid
// modes, are in query_search.cpp; similarDocuments in similar_documents.cpp.

namespace {

double cosine(const float* a, const float* b, std::size_t dim) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < dim; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

} // namespace

Result<std::vector<std::vector<SentenceMatch>>>
bestSentences(Embedder& embedder, const float* query, const QStringList& passageTexts) {
    std::vector<std::vector<SentenceSpan>> sentences;
    QStringList texts; // every sentence of every passage, in order
    for (const QString& passage : passageTexts) {
        sentences.push_back(splitSentences(passage));
        for (const SentenceSpan& sentence : sentences.back())
            texts << passage.sliced(sentence.start, sentence.end - sentence.start);
    }
    std::vector<std::vector<SentenceMatch>> best(passageTexts.size());
    if (texts.isEmpty())
        return best;
    auto vectors = embedder.embed(texts);
    if (!vectors)
        return vectors.error();
    std::size_t row = 0;
    for (std::size_t i = 0; i < sentences.size(); ++i) {
        std::vector<SentenceMatch> scored;
        float top = -2; // below any cosine
        for (const SentenceSpan& sentence : sentences[i]) {
            const float score = float(cosine(query, vectors->row(row++), vectors->dim));
            scored.push_back({sentence.start, sentence.end, score});
            top = std::max(top, score);
        }
        for (const SentenceMatch& match : scored)
            if (match.score >= top - kBestSentenceTies)
                best[i].push_back(match);
    }
    return best;
}

} // namespace semsearch
