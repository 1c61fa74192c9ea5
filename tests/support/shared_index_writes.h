#pragma once

// Writes for the tests of searching a shared index: documents of real text embedded by a real
// model (so that a searcher with the same model accepts the index), committed through
// SharedIndexBatch as a writer on another machine would, and a record of every vector written
// (the reference a test compares search results and exports with).

#include "brute_force_ranking.h"
#include "semsearch/embedder.h"
#include "semsearch/model_identity.h"
#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"

#include <QString>
#include <QStringList>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace semsearch::test {

struct TestDocument {
    QString path;
    QStringList passages;
};

// What the index holds, as the test wrote it: passage id -> its document's path, its ordinal,
// its text and its vector.
struct WrittenPassage {
    QString path;
    QString machine;
    int ordinal = 0;
    QString text;
    std::vector<float> vector;
};
using WrittenIndex = std::map<std::int64_t, WrittenPassage>;

// Drops the passages of the document at `path` from `written`.
inline void forgetDocument(WrittenIndex& written, const QString& path) {
    for (auto it = written.begin(); it != written.end();)
        it = it->second.path == path ? written.erase(it) : std::next(it);
}

// Runs `write` in one batch of `machine`, holding the lease of `source`, and commits it. "" or
// what went wrong.
inline QString inBatch(const QString& location, const QString& machine, const QString& source,
                       Embedder& embedder,
                       const std::function<QString(SharedIndexBatch& batch)>& write) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error().message;
    auto lease = SourceLease::take(*connection, source);
    if (!lease)
        return lease.error().message;
    auto batch = SharedIndexBatch::begin(*connection, machine, modelIdentity(embedder.model()));
    if (!batch)
        return batch.error().message;
    if (QString failed = write(*batch); !failed.isEmpty())
        return failed;
    if (auto committed = batch->commit(); !committed)
        return committed.error().message;
    return QString();
}

// Commits `documents` under `source` as `machine` in one batch (a document at a path already
// written is replaced), keeping `written` up to date. "" or what went wrong.
inline QString commitDocuments(const QString& location, const QString& machine,
                               const QString& source, const std::vector<TestDocument>& documents,
                               Embedder& embedder, WrittenIndex& written) {
    return inBatch(location, machine, source, embedder, [&](SharedIndexBatch& batch) {
        if (auto added = batch.addSource(source, 1000); !added)
            return added.error().message;
        for (const TestDocument& document : documents) {
            auto vectors = embedder.embed(document.passages);
            if (!vectors)
                return vectors.error().message;
            std::vector<PassageRecord> records(std::size_t(document.passages.size()));
            for (qsizetype i = 0; i < document.passages.size(); ++i)
                records[std::size_t(i)].text = document.passages[i];
            DocumentRecord record;
            record.path = document.path;
            record.modifiedMs = 1000;
            if (auto put = batch.putDocument(source, record, records, vectors->values); !put)
                return put.error().message;
            forgetDocument(written, document.path);
            for (std::size_t i = 0; i < records.size(); ++i)
                written[records[i].id] = WrittenPassage{
                    document.path, machine, records[i].ordinal, records[i].text,
                    std::vector<float>(vectors->row(i), vectors->row(i) + embedder.dimension())};
        }
        return QString();
    });
}

// Removes the document at `path` (of `source`) in a batch of its own. "" or what went wrong.
inline QString removeDocument(const QString& location, const QString& machine,
                              const QString& source, const QString& path, Embedder& embedder,
                              WrittenIndex& written) {
    return inBatch(location, machine, source, embedder, [&](SharedIndexBatch& batch) {
        if (auto removed = batch.removeDocument(path); !removed)
            return removed.error().message;
        forgetDocument(written, path);
        return QString();
    });
}

// Every passage of `written` that `keep` keeps (all without it) by cosine similarity with
// `query` (brute_force_ranking.h: double precision): best first, equal scores by ascending id.
struct RankedId {
    std::int64_t id = 0;
    double score = 0;
};
inline std::vector<RankedId>
bruteForce(const WrittenIndex& written, const std::vector<float>& query,
           const std::function<bool(const WrittenPassage&)>& keep = {}) {
    std::vector<RankedId> ranked;
    for (const auto& [id, passage] : written)
        if (!keep || keep(passage))
            ranked.push_back({id, cosine(query, passage.vector)});
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const RankedId& x, const RankedId& y) { return x.score > y.score; });
    return ranked;
}

} // namespace semsearch::test
