#include "ranking_worker.h"

#include <cmath>

namespace semsearch::ui {

namespace {

QVector<float> unitVector(const float* values, std::size_t dim) {
    double norm = 0;
    for (std::size_t i = 0; i < dim; ++i)
        norm += double(values[i]) * values[i];
    const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
    QVector<float> unit(static_cast<qsizetype>(dim));
    for (std::size_t i = 0; i < dim; ++i)
        unit[static_cast<qsizetype>(i)] = float(values[i] * scale);
    return unit;
}

} // namespace

RankingWorker::RankingWorker(std::unique_ptr<Embedder> embedder)
    : m_embedder(std::move(embedder)) {}

RankingWorker::~RankingWorker() = default;

void RankingWorker::rank(quint64 requestId, const QString& query, const QStringList& passages) {
    QStringList missing;
    for (const QString& passage : passages)
        if (!m_cache.contains(passage) && !missing.contains(passage))
            missing << passage;
    auto vectors = m_embedder->embed(QStringList{query} + missing);
    if (!vectors) {
        Q_EMIT failed(requestId, vectors.error().message);
        return;
    }
    const QVector<float> queryVector = unitVector(vectors->row(0), vectors->dim);
    for (qsizetype i = 0; i < missing.size(); ++i)
        m_cache.insert(missing[i],
                       unitVector(vectors->row(static_cast<std::size_t>(i) + 1), vectors->dim));

    QVector<float> scores;
    scores.reserve(passages.size());
    for (const QString& passage : passages) {
        const QVector<float>& v = m_cache[passage];
        double dot = 0;
        for (qsizetype j = 0; j < v.size(); ++j)
            dot += double(v[j]) * queryVector[j];
        scores << float(dot);
    }
    Q_EMIT ranked(requestId, scores);
}

} // namespace semsearch::ui
