#include "search_worker.h"

#include "like_query.h"

#include <QTextBoundaryFinder>

#include <algorithm>
#include <cmath>

namespace semsearch::ui {

namespace {

// How many results get their matching sentences worked out: about what the list shows at
// once. Each costs its sentences' embeddings (a few ms each with bert-base).
constexpr std::size_t kEmphasisedDocuments = 8;
// Sentences scoring within this much of a passage's best sentence are emphasised too.
constexpr double kEmphasisTies = 0.02;

double cosine(const float* a, const float* b, std::size_t dim) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < dim; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

// The sentences of `text` as [start, end) ranges, surrounding white space left out.
TextRanges sentencesOf(const QString& text) {
    TextRanges sentences;
    QTextBoundaryFinder finder(QTextBoundaryFinder::Sentence, text);
    qsizetype start = 0;
    auto add = [&](qsizetype from, qsizetype to) {
        while (from < to && text[from].isSpace())
            ++from;
        while (to > from && text[to - 1].isSpace())
            --to;
        if (to > from)
            sentences.append({int(from), int(to)});
    };
    for (qsizetype end = finder.toNextBoundary(); end != -1; end = finder.toNextBoundary()) {
        add(start, end);
        start = end;
    }
    return sentences;
}

} // namespace

SearchWorker::SearchWorker(QString indexFolder, std::shared_ptr<std::atomic<quint64>> latest)
    : m_folder(std::move(indexFolder)), m_latest(std::move(latest)) {}

SearchWorker::~SearchWorker() = default;

void SearchWorker::setEmbedder(std::shared_ptr<SharedEmbedder> shared) {
    m_embedder = shared ? shared->client(SharedEmbedder::Priority::Query) : nullptr;
}

IndexFolder* SearchWorker::index(QString* problem) {
    if (m_index)
        return m_index.get();
    auto opened = IndexFolder::open(m_folder, IndexFolder::Mode::Read);
    if (!opened && opened.error().code == ErrorCode::Unsupported) {
        // An index of an older schema: opening it once for writing upgrades it (when no other
        // process is writing it; otherwise the original message stands).
        if (auto upgraded = IndexFolder::open(m_folder, IndexFolder::Mode::Write); upgraded) {
            upgraded->reset();
            opened = IndexFolder::open(m_folder, IndexFolder::Mode::Read);
        }
    }
    if (!opened) {
        // Nothing indexed yet is a state, not a problem.
        if (opened.error().code != ErrorCode::NotFound && problem)
            *problem = opened.error().message;
        return nullptr;
    }
    m_index = std::move(opened).value();
    return m_index.get();
}

void SearchWorker::search(quint64 ticket, const QString& query, const SearchOptions& options) {
    if (!isCurrent(ticket))
        return;
    if (!m_embedder) {
        Q_EMIT searchFailed(ticket, tr("The model is not loaded."));
        return;
    }
    QString problem;
    IndexFolder* folder = index(&problem);
    if (!folder) {
        if (problem.isEmpty())
            Q_EMIT resultsReady(ticket, query, {});
        else
            Q_EMIT searchFailed(ticket, problem);
        return;
    }
    Searcher searcher(*folder, *m_embedder);
    if (const auto file = likedFile(query)) {
        auto like = searcher.similarDocuments(*file, options);
        if (!like)
            Q_EMIT searchFailed(ticket, like.error().message);
        else
            Q_EMIT resultsReady(ticket, query, *like);
        return;
    }
    auto hits = searcher.searchDocuments(query, options);
    if (!hits) {
        Q_EMIT searchFailed(ticket, hits.error().message);
        return;
    }
    Q_EMIT resultsReady(ticket, query, *hits);
    // The sentences that match best by meaning, whatever the mode ranked by.
    auto embedded = m_embedder->embed({query});
    if (embedded && isCurrent(ticket))
        emphasise(ticket, embedded->values, *hits);
}

void SearchWorker::emphasise(quint64 ticket, const std::vector<float>& query,
                             const DocumentHits& hits) {
    struct Passage {
        qint64 id;
        TextRanges sentences;
        qsizetype firstRow;
    };
    std::vector<Passage> passages;
    QStringList texts;
    for (std::size_t i = 0; i < hits.size() && i < kEmphasisedDocuments; ++i) {
        if (hits[i].passages.empty())
            continue;
        const PassageHit& best = hits[i].passages.front();
        Passage passage{best.passageId, sentencesOf(best.text), texts.size()};
        for (const auto& range : passage.sentences)
            texts << best.text.mid(range.first, range.second - range.first);
        passages.push_back(std::move(passage));
    }
    if (texts.isEmpty() || !isCurrent(ticket))
        return;
    auto vectors = m_embedder->embed(texts);
    if (!vectors || !isCurrent(ticket))
        return;
    for (const Passage& passage : passages) {
        std::vector<double> scores;
        for (qsizetype i = 0; i < passage.sentences.size(); ++i)
            scores.push_back(cosine(query.data(), vectors->row(std::size_t(passage.firstRow + i)),
                                    vectors->dim));
        if (scores.empty())
            continue;
        const double best = *std::max_element(scores.begin(), scores.end());
        TextRanges emphasised;
        for (std::size_t i = 0; i < scores.size(); ++i)
            if (scores[i] >= best - kEmphasisTies)
                emphasised.append(passage.sentences[qsizetype(i)]);
        Q_EMIT emphasisReady(ticket, passage.id, emphasised);
    }
}

void SearchWorker::readOverview() {
    IndexOverview overview;
    IndexFolder* folder = index(&overview.problem);
    if (!folder) {
        Q_EMIT overviewReady(overview);
        return;
    }
    overview.exists = true;
    if (auto fresh = folder->refresh(); !fresh) {
        overview.problem = fresh.error().message;
        Q_EMIT overviewReady(overview);
        return;
    }
    SqliteStore& store = folder->store();
    // One snapshot, so that the counts agree with each other.
    if (auto begun = store.begin(); !begun) {
        overview.problem = begun.error().message;
        Q_EMIT overviewReady(overview);
        return;
    }
    auto read = [&]() -> Result<void> {
        auto model = store.modelIdentity();
        if (!model)
            return model.error();
        overview.model = *model;
        auto counts = store.counts();
        if (!counts)
            return counts.error();
        overview.counts = *counts;
        auto sources = store.sources();
        if (!sources)
            return sources.error();
        for (const SourceRecord& source : *sources) {
            auto under = store.countsUnder(source.path);
            if (!under)
                return under.error();
            overview.sources.push_back({source, *under});
        }
        auto skipped = store.skippedFiles();
        if (!skipped)
            return skipped.error();
        overview.skipped = std::move(skipped).value();
        return {};
    }();
    (void)store.rollback();
    if (!read)
        overview.problem = read.error().message;
    Q_EMIT overviewReady(overview);
}

} // namespace semsearch::ui
