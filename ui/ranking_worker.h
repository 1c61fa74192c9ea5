#pragma once

// Ranks passages by cosine similarity to a query, off the GUI thread. Lives in a worker QThread
// and owns the embedder; the GUI talks to it only through queued signals. Each request carries
// an id so the window can drop answers that a newer request has superseded.

#include "semsearch/embedder.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QVector>

#include <memory>

namespace semsearch::ui {

class RankingWorker : public QObject {
    Q_OBJECT

public:
    explicit RankingWorker(std::unique_ptr<Embedder> embedder);
    ~RankingWorker() override;

public Q_SLOTS:
    // Embeds the query and the passages (passages are cached by text across calls) and answers
    // with ranked() or failed().
    void rank(quint64 requestId, const QString& query, const QStringList& passages);

Q_SIGNALS:
    // scores[i] is the cosine similarity of passages[i] to the query.
    void ranked(quint64 requestId, const QVector<float>& scores);
    void failed(quint64 requestId, const QString& message);

private:
    std::unique_ptr<Embedder> m_embedder;
    QHash<QString, QVector<float>> m_cache; // passage text -> unit-length vector
};

} // namespace semsearch::ui
