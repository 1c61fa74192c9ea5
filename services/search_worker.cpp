#include "search_worker.h"

#include <QSet>

namespace semsearch::services {

namespace {

// How many results get their matching sentences worked out: about what the list shows at
// once. Each costs its sentences' embeddings (a few ms each with bert-base).
constexpr std::size_t kEmphasisedDocuments = 8;

// The extensions of every indexed document (see IndexOverview::extensions). One pass over the
// document records: a few milliseconds for ten thousand documents.
Result<QStringList> documentExtensions(SqliteStore& store) {
    auto documents = store.documentsUnder(QStringLiteral("/"));
    if (!documents)
        return documents.error();
    QSet<QString> seen;
    for (const DocumentRecord& document : *documents) {
        const QString name = document.path.section(QLatin1Char('/'), -1);
        const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
        if (dot > 0 && dot + 1 < name.size())
            seen.insert(name.mid(dot + 1).toLower());
    }
    QStringList extensions(seen.begin(), seen.end());
    extensions.sort();
    return extensions;
}

} // namespace

SearchWorker::SearchWorker(QString indexFolder, std::shared_ptr<std::atomic<quint64>> latest)
    : m_folder(std::move(indexFolder)), m_latest(std::move(latest)) {}

SearchWorker::~SearchWorker() = default;

void SearchWorker::setEmbedder(std::shared_ptr<SharedEmbedder> shared) {
    m_embedder = shared ? shared->client(SharedEmbedder::Priority::Query) : nullptr;
}

IndexFolder* SearchWorker::index(std::optional<Error>& problem) {
    if (m_index)
        return m_index.get();
    // Read only, always: an index of an older schema fails here (Unsupported) until the one
    // writer has upgraded it (IndexingSession::upgrade, which the window asks for).
    auto opened = IndexFolder::open(m_folder, IndexFolder::Mode::Read);
    if (!opened) {
        // Nothing indexed yet is a state, not a problem.
        if (opened.error().code != ErrorCode::NotFound)
            problem = opened.error();
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
    std::optional<Error> problem;
    IndexFolder* folder = index(problem);
    if (!folder) {
        if (problem)
            Q_EMIT searchFailed(ticket, problem->message);
        else
            Q_EMIT resultsReady(ticket, query, {});
        return;
    }
    auto embedded = m_embedder->embed({query});
    if (!embedded) {
        Q_EMIT searchFailed(ticket, embedded.error().message);
        return;
    }
    if (!isCurrent(ticket))
        return;
    Searcher searcher(*folder, *m_embedder);
    auto hits = searcher.searchDocumentsByVector(embedded->row(0), options);
    if (!hits) {
        Q_EMIT searchFailed(ticket, hits.error().message);
        return;
    }
    Q_EMIT resultsReady(ticket, query, *hits);
    emphasise(ticket, embedded->values, *hits);
}

void SearchWorker::emphasise(quint64 ticket, const std::vector<float>& query,
                             const DocumentHits& hits) {
    std::vector<qint64> passageIds;
    QStringList texts;
    for (std::size_t i = 0; i < hits.size() && i < kEmphasisedDocuments; ++i) {
        if (hits[i].passages.empty())
            continue;
        passageIds.push_back(hits[i].passages.front().passageId);
        texts << hits[i].passages.front().text;
    }
    if (texts.isEmpty() || !isCurrent(ticket))
        return;
    auto sentences = bestSentences(*m_embedder, query.data(), texts);
    if (!sentences || !isCurrent(ticket))
        return; // emphasis is a help, not a result: the results stand without it
    for (std::size_t i = 0; i < passageIds.size(); ++i) {
        TextRanges ranges;
        for (const SentenceMatch& match : (*sentences)[i])
            ranges.append({int(match.start), int(match.end)});
        Q_EMIT emphasisReady(ticket, passageIds[i], ranges);
    }
}

void SearchWorker::readOverview() {
    IndexOverview overview;
    std::optional<Error> problem;
    IndexFolder* folder = index(problem);
    if (!folder) {
        if (problem) {
            overview.problem = problem->message;
            overview.needsUpgrade = problem->code == ErrorCode::Unsupported;
        }
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
        auto extensions = documentExtensions(store);
        if (!extensions)
            return extensions.error();
        overview.extensions = std::move(extensions).value();
        return {};
    }();
    (void)store.rollback();
    if (!read)
        overview.problem = read.error().message;
    Q_EMIT overviewReady(overview);
}

} // namespace semsearch::services
