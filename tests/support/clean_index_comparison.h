#pragma once

// Compares an index that was brought up to date step by step with a clean index of the same
// files, built from nothing into a fresh folder: the documents (path, size, times, content hash,
// encoding, passage count), every passage (ordinal, byte range, line, text), every vector
// (within a tolerance: a fresh embedding of the same text in another batch may differ in the
// last bits) and the skipped-file records (path and reason). Incremental indexing is correct
// when the two agree after every run.

#include "semsearch/indexer.h"

#include <QStringList>
#include <QTemporaryDir>

#include <cmath>
#include <map>

namespace semsearch::test {

struct IndexSnapshot {
    struct Document {
        DocumentRecord record;
        std::vector<PassageRecord> passages;
        std::vector<float> vectors; // passages.size() x dim
    };
    std::map<QString, Document> documents; // by path
    std::map<QString, QString> skipped;    // path -> reason
    QString error;                         // set when the index could not be read
};

inline IndexSnapshot snapshotOf(SqliteStore& store) {
    IndexSnapshot snapshot;
    auto documents = store.documents().under(QString());
    auto skipped = store.skipped().all();
    if (!documents || !skipped) {
        snapshot.error = !documents ? documents.error().message : skipped.error().message;
        return snapshot;
    }
    for (const DocumentRecord& record : *documents) {
        IndexSnapshot::Document document{record, {}, {}};
        auto passages = store.documents().passagesOf(record.id);
        if (!passages) {
            snapshot.error = passages.error().message;
            return snapshot;
        }
        std::vector<std::int64_t> ids;
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.documents().vectorsOf(ids);
        if (!vectors) {
            snapshot.error = vectors.error().message;
            return snapshot;
        }
        document.passages = *passages;
        document.vectors = *vectors;
        snapshot.documents.emplace(record.path, std::move(document));
    }
    for (const SkippedRecord& record : *skipped)
        snapshot.skipped.emplace(record.path, record.reason);
    return snapshot;
}

// The differences between `actual` and `expected`, one line each (at most `limit`), empty when
// they agree. Ids and indexing times are the store's own and are not compared.
inline QStringList snapshotDifferences(const IndexSnapshot& actual, const IndexSnapshot& expected,
                                       float tolerance = 1e-5f, int limit = 20) {
    QStringList lines;
    auto note = [&](const QString& line) {
        if (lines.size() < limit)
            lines << line;
    };
    if (!actual.error.isEmpty() || !expected.error.isEmpty())
        return {QStringLiteral("cannot read: ") + actual.error + expected.error};
    for (const auto& [path, reason] : expected.skipped) {
        auto it = actual.skipped.find(path);
        if (it == actual.skipped.end())
            note(path + QStringLiteral(": not recorded as skipped (") + reason + u')');
        else if (it->second != reason)
            note(path + QStringLiteral(": skipped as '%1', expected '%2'").arg(it->second, reason));
    }
    for (const auto& [path, reason] : actual.skipped)
        if (!expected.skipped.count(path))
            note(path + QStringLiteral(": recorded as skipped (") + reason +
                 QStringLiteral("), not in a clean index"));
    for (const auto& [path, document] : actual.documents)
        if (!expected.documents.count(path))
            note(path + QStringLiteral(": indexed, not in a clean index"));
    for (const auto& [path, want] : expected.documents) {
        auto it = actual.documents.find(path);
        if (it == actual.documents.end()) {
            note(path + QStringLiteral(": missing"));
            continue;
        }
        const IndexSnapshot::Document& have = it->second;
        const DocumentRecord& a = have.record;
        const DocumentRecord& e = want.record;
        if (a.size != e.size || a.modifiedMs != e.modifiedMs || a.changedMs != e.changedMs ||
            a.contentHash != e.contentHash || a.encoding != e.encoding ||
            a.passageCount != e.passageCount)
            note(path + QStringLiteral(": record differs: size %1/%2, mtime %3/%4, hash %5/%6, "
                                       "encoding %7/%8, passages %9/%10, ctime %11/%12")
                            .arg(a.size)
                            .arg(e.size)
                            .arg(a.modifiedMs)
                            .arg(e.modifiedMs)
                            .arg(QString::fromLatin1(a.contentHash.toHex().left(8)),
                                 QString::fromLatin1(e.contentHash.toHex().left(8)), a.encoding,
                                 e.encoding)
                            .arg(a.passageCount)
                            .arg(e.passageCount)
                            .arg(a.changedMs)
                            .arg(e.changedMs));
        if (have.passages.size() != want.passages.size())
            continue;
        for (std::size_t i = 0; i < want.passages.size(); ++i) {
            const PassageRecord& p = have.passages[i];
            const PassageRecord& q = want.passages[i];
            if (p.ordinal != q.ordinal || p.byteStart != q.byteStart || p.byteEnd != q.byteEnd ||
                p.line != q.line || p.text != q.text)
                note(path + QStringLiteral(": passage %1 differs ('%2' at %3..%4, expected '%5' "
                                           "at %6..%7)")
                                .arg(i)
                                .arg(p.text.left(30))
                                .arg(p.byteStart)
                                .arg(p.byteEnd)
                                .arg(q.text.left(30))
                                .arg(q.byteStart)
                                .arg(q.byteEnd));
        }
        if (have.vectors.size() != want.vectors.size()) {
            note(path + QStringLiteral(": %1 vector values, expected %2")
                            .arg(have.vectors.size())
                            .arg(want.vectors.size()));
            continue;
        }
        float worst = 0;
        for (std::size_t i = 0; i < want.vectors.size(); ++i)
            worst = std::max(worst, std::fabs(have.vectors[i] - want.vectors[i]));
        if (!(worst <= tolerance))
            note(path + QStringLiteral(": vectors differ by up to %1").arg(double(worst)));
    }
    return lines;
}

// Indexes `roots` from nothing into a fresh folder and compares `index` with it (see above).
inline QStringList differencesFromCleanIndex(IndexFolder& index, const QStringList& roots,
                                             Embedder& embedder, const IndexOptions& options = {}) {
    QTemporaryDir folder;
    auto clean =
        IndexFolder::open(folder.path() + QStringLiteral("/clean"), IndexFolder::Mode::Write);
    if (!clean)
        return {QStringLiteral("clean index: ") + clean.error().message};
    Indexer indexer(**clean, embedder, options);
    if (auto stats = indexer.run(roots); !stats)
        return {QStringLiteral("clean index: ") + stats.error().message};
    return snapshotDifferences(snapshotOf(index.store()), snapshotOf((*clean)->store()));
}

} // namespace semsearch::test
