#include "shared_write/source_publication.h"

#include "semsearch/index_folder.h"
#include "semsearch/store.h"
#include "semsearch/store_documents.h"
#include "semsearch/store_skipped_files.h"
#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"

#include <QDateTime>

#include <algorithm>
#include <optional>

namespace semsearch {

namespace {

bool inside(const QString& folder, const QString& path) {
    return path == folder || path.startsWith(folder + QLatin1Char('/'));
}

// What the database lacks of the working copy, and what it holds beyond it.
struct Publication {
    std::vector<DocumentRecord> put;
    QStringList remove;
    std::vector<SkippedRecord> skipped; // the working copy's, under the source
    bool replaceSkipped = false;
    bool registerSource = false;

    bool empty() const {
        return put.empty() && remove.isEmpty() && !replaceSkipped && !registerSource;
    }
};

bool sameSkipped(std::vector<SkippedRecord> a, std::vector<SkippedRecord> b) {
    // The time of a record changes on every run; the file and the reason are what searchers see.
    const auto byPath = [](const SkippedRecord& x, const SkippedRecord& y) {
        return x.path < y.path;
    };
    std::sort(a.begin(), a.end(), byPath);
    std::sort(b.begin(), b.end(), byPath);
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const SkippedRecord& x, const SkippedRecord& y) {
                          return x.path == y.path && x.reason == y.reason;
                      });
}

Result<bool> registeredByThisMachine(PgConnection& connection, const QString& source,
                                     const QString& machine) {
    auto sources = sharedSources(connection);
    if (!sources)
        return sources.error();
    for (const SharedSource& shared : *sources)
        if (shared.source.path == source)
            return shared.machine == machine;
    return false;
}

Result<Publication> plan(PgConnection& connection, SqliteStore& copy, const QString& source,
                         const PublishOptions& options) {
    auto published = sharedDocumentStates(connection, source);
    if (!published)
        return published.error();
    auto held = copy.documents().under(source);
    if (!held)
        return held.error();
    Publication publication;
    for (DocumentRecord& document : *held) {
        const auto found = published->find(document.path);
        if (found == published->end() || found->second.contentHash != document.contentHash ||
            found->second.size != document.size || found->second.modifiedMs != document.modifiedMs)
            publication.put.push_back(std::move(document));
        if (found != published->end())
            published->erase(found);
    }
    for (const auto& [path, state] : *published)
        publication.remove << path;
    if (options.replaceSkipped) {
        auto skipped = copy.skipped().all();
        if (!skipped)
            return skipped.error();
        for (SkippedRecord& record : *skipped)
            if (inside(source, record.path))
                publication.skipped.push_back(std::move(record));
        auto recorded = sharedSkippedOf(connection, source);
        if (!recorded)
            return recorded.error();
        publication.replaceSkipped = !sameSkipped(publication.skipped, *recorded);
    }
    auto registered = registeredByThisMachine(connection, source, options.machine);
    if (!registered)
        return registered.error();
    publication.registerSource = !*registered;
    return publication;
}

// Puts `document` with the passages and vectors the working copy holds for it.
Result<int> putFromCopy(SharedIndexBatch& batch, SqliteStore& copy, const QString& source,
                        const DocumentRecord& document) {
    auto passages = copy.documents().passagesOf(document.id);
    if (!passages)
        return passages.error();
    std::vector<std::int64_t> ids;
    ids.reserve(passages->size());
    for (const PassageRecord& passage : *passages)
        ids.push_back(passage.id);
    auto vectors = copy.documents().vectorsOf(ids);
    if (!vectors)
        return vectors.error();
    if (auto put = batch.putDocument(source, document, *passages, *vectors); !put)
        return put.error();
    return int(passages->size());
}

// The first batch's extra work: the source registered, the documents gone from the copy removed.
Result<void> openPublication(SharedIndexBatch& batch, const Publication& publication,
                             const QString& source, PublishCounts& counts) {
    if (auto added = batch.addSource(source, QDateTime::currentMSecsSinceEpoch()); !added)
        return added;
    for (const QString& path : publication.remove) {
        if (auto removed = batch.removeDocument(path); !removed)
            return removed.error();
        ++counts.documentsRemoved;
    }
    return {};
}

Result<void> closePublication(SharedIndexBatch& batch, const Publication& publication,
                              const QString& source) {
    if (!publication.replaceSkipped)
        return {};
    if (auto forgotten = batch.forgetSkippedUnder(source, source); !forgotten)
        return forgotten;
    for (const SkippedRecord& record : publication.skipped)
        if (auto recorded = batch.recordSkipped(source, record); !recorded)
            return recorded;
    return {};
}

} // namespace

Result<void> markSourceIndexed(PgConnection& connection, const QString& source) {
    return connection.execute(
        "UPDATE sources SET indexed_ms = $2 WHERE path = $1",
        {PgParam::text(source), PgParam::integer(QDateTime::currentMSecsSinceEpoch())});
}

Result<void> publishSource(PgConnection& connection, IndexFolder& workingCopy,
                           const QString& source, const PublishOptions& options,
                           PublishCounts& counts) {
    SqliteStore& copy = workingCopy.store();
    auto publication = plan(connection, copy, source, options);
    if (!publication)
        return publication.error();
    if (publication->empty())
        return {};
    std::size_t next = 0;
    for (bool first = true;; first = false) {
        auto batch =
            SharedIndexBatch::begin(connection, options.machine, options.model, options.precision);
        if (!batch)
            return batch.error();
        if (first)
            if (auto opened = openPublication(*batch, *publication, source, counts); !opened)
                return opened;
        PublishCounts batchCounts;
        for (int passages = 0;
             next < publication->put.size() && passages < options.passagesPerBatch; ++next) {
            auto put = putFromCopy(*batch, copy, source, publication->put[next]);
            if (!put)
                return put.error();
            passages += *put;
            ++batchCounts.documentsPublished;
            batchCounts.passagesPublished += *put;
        }
        const bool last = next == publication->put.size();
        if (last)
            if (auto closed = closePublication(*batch, *publication, source); !closed)
                return closed;
        auto generation = batch->commit();
        if (!generation)
            return generation.error();
        counts.generation = *generation;
        counts.documentsPublished += batchCounts.documentsPublished;
        counts.passagesPublished += batchCounts.passagesPublished;
        if (first)
            abortIfAt(options.abortAt, AbortPoint::AfterPublish);
        if (last)
            return {};
    }
}

} // namespace semsearch
