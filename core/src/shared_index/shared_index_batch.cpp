#include "shared_index/shared_index_batch.h"

#include "shared_index/change_log.h"
#include "shared_index/folder_params.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"
#include "shared_index/vector_bytes.h"

#include <QDateTime>
#include <QStringList>

#include <algorithm>
#include <iterator>
#include <utility>

namespace semsearch {

namespace {

// The meta keys of the model identity, the local store's (store/meta_table.h).
constexpr const char* kModelSql = R"sql(
INSERT INTO meta(key, value) VALUES
    ('model_name', $1), ('model_dimension', $2), ('model_pooling', $3),
    ('model_normalize', $4), ('model_weights_fingerprint', $5)
ON CONFLICT (key) DO NOTHING
)sql";

// Whether this session holds the lease of the source $3: the lock on its key, and the row
// SourceLease::take wrote for this very path (a key shared with another source it holds does
// not count).
constexpr const char* kLeaseSql = R"sql(
SELECT EXISTS (SELECT 1 FROM pg_locks
               WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1
                 AND objid = $2 AND pid = pg_backend_pid())
   AND EXISTS (SELECT 1 FROM source_leases WHERE path = $3 AND server_pid = pg_backend_pid())
)sql";

constexpr const char* kPutDocumentSql = R"sql(
INSERT INTO documents(source, machine, path, size, modified_ms, changed_ms, content_hash,
                      encoding, indexed_at_ms, passage_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (path) DO UPDATE SET
    source = excluded.source, machine = excluded.machine, size = excluded.size,
    modified_ms = excluded.modified_ms, changed_ms = excluded.changed_ms,
    content_hash = excluded.content_hash, encoding = excluded.encoding,
    indexed_at_ms = excluded.indexed_at_ms, passage_count = excluded.passage_count
RETURNING id
)sql";

constexpr const char* kPutPassageSql = R"sql(
INSERT INTO passages(document_id, ordinal, byte_start, byte_end, line, page, section, text,
                     vector)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id
)sql";

// "/a/b/" and "/a/b" are one folder.
bool inside(const QString& folder, const QString& path) {
    const QString base = withoutTrailingSlash(folder);
    return path == base || path.startsWith(base + QLatin1Char('/'));
}

std::vector<std::int64_t> idsOf(const PgRows& rows) {
    std::vector<std::int64_t> ids;
    ids.reserve(std::size_t(rows.rowCount()));
    for (int row = 0; row < rows.rowCount(); ++row)
        ids.push_back(rows.integer(row, 0));
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace

namespace {

// Records `precision` if the index has none yet, then requires the recorded one: vectors of two
// precisions never mix either (index_precision.h says why for a local index).
Result<void> claimPrecision(PgConnection& connection, Precision precision) {
    if (auto recorded = connection.execute(
            "INSERT INTO meta(key, value) VALUES ('precision', $1) ON CONFLICT (key) DO NOTHING",
            {PgParam::text(precisionName(precision))});
        !recorded)
        return recorded.error();
    auto held = sharedPrecision(connection);
    if (!held)
        return held.error();
    if (*held && **held != precision)
        return connection.error(
            ErrorCode::Mismatch,
            QStringLiteral("holds vectors made in %1 and this writer makes %2; index with "
                           "--precision %1, or switch the index with index --reembed "
                           "--precision %2")
                .arg(precisionName(**held), precisionName(precision)));
    return {};
}

} // namespace

Result<SharedIndexBatch> SharedIndexBatch::begin(PgConnection& connection, const QString& machine,
                                                 const ModelIdentity& model,
                                                 std::optional<Precision> precision) {
    if (model.name.isEmpty() || model.dimension <= 0)
        return connection.error(ErrorCode::InvalidArgument,
                                QStringLiteral("a model identity needs a name and a positive "
                                               "dimension"));
    if (auto begun = connection.executeScript("BEGIN"); !begun)
        return begun.error();
    SharedIndexBatch batch(connection, machine, model.dimension);
    // Before reading the model: a re-embed's swap of every vector waits for this batch, and a
    // batch that waited for a swap reads the model and precision the swap set.
    if (auto locked = connection.execute("SELECT pg_advisory_xact_lock_shared($1, 0)",
                                         {PgParam::integer(kVectorsLockClass)});
        !locked)
        return locked.error();
    // Two first batches at once: the second's insert waits for the first's rows and, once they
    // are committed, inserts nothing; the select that follows then reads the first's model.
    if (auto recorded = connection.execute(
            kModelSql, {PgParam::text(model.name), PgParam::integer(model.dimension),
                        PgParam::text(model.pooling),
                        PgParam::text(model.normalize ? QStringLiteral("1") : QStringLiteral("0")),
                        PgParam::text(model.weightsFingerprint)});
        !recorded)
        return recorded.error();
    auto stored = sharedModel(connection);
    if (!stored)
        return stored.error();
    const ModelIdentity& held = stored->value_or(ModelIdentity());
    const bool same = held.name == model.name && held.dimension == model.dimension &&
                      held.pooling == model.pooling && held.normalize == model.normalize &&
                      held.weightsFingerprint == model.weightsFingerprint;
    if (!same)
        return connection.error(ErrorCode::Mismatch,
                                QStringLiteral("holds vectors of the model '%1' (%2 dimensions); "
                                               "this semsearch uses the model '%3' (%4 "
                                               "dimensions), and vectors of two models never mix")
                                    .arg(held.name)
                                    .arg(held.dimension)
                                    .arg(model.name)
                                    .arg(model.dimension));
    if (precision)
        if (auto claimed = claimPrecision(connection, *precision); !claimed)
            return claimed.error();
    return batch;
}

SharedIndexBatch::SharedIndexBatch(PgConnection& connection, QString machine, int dimension)
    : m_connection(&connection), m_machine(std::move(machine)), m_dimension(dimension) {}

SharedIndexBatch::SharedIndexBatch(SharedIndexBatch&& other) noexcept
    : m_connection(std::exchange(other.m_connection, nullptr)),
      m_machine(std::move(other.m_machine)), m_dimension(other.m_dimension),
      m_leased(std::move(other.m_leased)), m_added(std::move(other.m_added)),
      m_removed(std::move(other.m_removed)) {}

SharedIndexBatch::~SharedIndexBatch() {
    rollback();
}

void SharedIndexBatch::rollback() {
    PgConnection* connection = std::exchange(m_connection, nullptr);
    // A lost connection took its transaction with it; there is no one to tell of a failure.
    if (connection != nullptr && connection->isOpen())
        (void)connection->executeScript("ROLLBACK");
}

Result<void> SharedIndexBatch::requireLease(const QString& source) {
    if (m_leased.contains(source))
        return {};
    auto held = m_connection->query(kLeaseSql, {PgParam::integer(kSourceLeaseClass),
                                                PgParam::integer(SourceLease::lockKey(source)),
                                                PgParam::text(source)});
    if (!held)
        return held.error();
    if (!held->boolean(0, 0))
        return m_connection->error(ErrorCode::InvalidArgument,
                                   QStringLiteral("refused to write into the source %1: this "
                                                  "session does not hold its lease (one writer "
                                                  "per source; take the lease first)")
                                       .arg(source));
    m_leased.insert(source);
    return {};
}

Result<void> SharedIndexBatch::requireInside(const QString& source, const QString& path) const {
    if (!path.startsWith(QLatin1Char('/')))
        return m_connection->error(ErrorCode::InvalidArgument,
                                   QStringLiteral("'%1' is not an absolute path").arg(path));
    if (!inside(source, path))
        return m_connection->error(
            ErrorCode::InvalidArgument,
            QStringLiteral("%1 is not inside the source %2").arg(path, source));
    return {};
}

Result<void> SharedIndexBatch::addSource(const QString& path, std::int64_t addedMs) {
    if (auto leased = requireLease(path); !leased)
        return leased;
    return m_connection->execute(
        "INSERT INTO sources(path, machine, added_ms) VALUES ($1, $2, $3) "
        "ON CONFLICT (path) DO UPDATE SET machine = excluded.machine",
        {PgParam::text(path), PgParam::text(m_machine), PgParam::integer(addedMs)});
}

Result<void> SharedIndexBatch::forgetSource(const QString& path) {
    if (auto leased = requireLease(path); !leased)
        return leased;
    // Documents and skipped files reference their source ON DELETE CASCADE: a document left
    // here would vanish without a change-log entry, so the caller removes them first.
    return m_connection->execute("DELETE FROM sources WHERE path = $1", {PgParam::text(path)});
}

Result<std::int64_t> SharedIndexBatch::putDocument(const QString& source, DocumentRecord document,
                                                   std::vector<PassageRecord>& passages,
                                                   const std::vector<float>& vectors) {
    if (auto checked = requireInside(source, document.path); !checked)
        return checked.error();
    if (vectors.size() != passages.size() * std::size_t(m_dimension))
        return m_connection->error(ErrorCode::InvalidArgument,
                                   QStringLiteral("%1: %2 floats for %3 passages of %4 "
                                                  "dimensions")
                                       .arg(document.path)
                                       .arg(vectors.size())
                                       .arg(passages.size())
                                       .arg(m_dimension));
    if (auto leased = requireLease(source); !leased)
        return leased.error();
    // A document of another source is another machine's to replace, whatever leases this
    // session holds: no code path overwrites it.
    auto previous = m_connection->query("SELECT source FROM documents WHERE path = $1 FOR UPDATE",
                                        {PgParam::text(document.path)});
    if (!previous)
        return previous.error();
    if (previous->rowCount() == 1 && previous->text(0, 0) != source)
        return m_connection->error(ErrorCode::InvalidArgument,
                                   QStringLiteral("%1 belongs to the source %2, not to %3, "
                                                  "which this batch writes")
                                       .arg(document.path, previous->text(0, 0), source));
    auto removed = m_connection->query("DELETE FROM passages WHERE document_id = (SELECT id FROM "
                                       "documents WHERE path = $1) RETURNING id",
                                       {PgParam::text(document.path)});
    if (!removed)
        return removed.error();
    const std::vector<std::int64_t> removedIds = idsOf(*removed);
    m_removed.insert(m_removed.end(), removedIds.begin(), removedIds.end());

    if (document.indexedAtMs == 0)
        document.indexedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto id = m_connection->query(
        kPutDocumentSql,
        {PgParam::text(source), PgParam::text(m_machine), PgParam::text(document.path),
         PgParam::integer(document.size), PgParam::integer(document.modifiedMs),
         PgParam::integer(document.changedMs), PgParam::bytes(document.contentHash),
         PgParam::text(document.encoding), PgParam::integer(document.indexedAtMs),
         PgParam::integer(std::int64_t(passages.size()))});
    if (!id)
        return id.error();
    const std::int64_t documentId = id->integer(0, 0);
    for (std::size_t i = 0; i < passages.size(); ++i) {
        PassageRecord& passage = passages[i];
        auto passageId = m_connection->query(
            kPutPassageSql, {PgParam::integer(documentId), PgParam::integer(std::int64_t(i)),
                             PgParam::integer(passage.byteStart), PgParam::integer(passage.byteEnd),
                             PgParam::integer(passage.line), PgParam::integer(passage.page),
                             PgParam::text(passage.section), PgParam::text(passage.text),
                             PgParam::bytes(vectorBytes(
                                 vectors.data() + i * std::size_t(m_dimension), m_dimension))});
        if (!passageId)
            return passageId.error();
        passage.id = passageId->integer(0, 0);
        passage.documentId = documentId;
        passage.ordinal = int(i);
        m_added.push_back(passage.id);
    }
    return documentId;
}

Result<std::vector<std::int64_t>> SharedIndexBatch::removeDocument(const QString& path) {
    auto found = m_connection->query("SELECT source FROM documents WHERE path = $1 FOR UPDATE",
                                     {PgParam::text(path)});
    if (!found)
        return found.error();
    if (found->rowCount() == 0)
        return std::vector<std::int64_t>();
    if (auto leased = requireLease(found->text(0, 0)); !leased)
        return leased.error();
    // Passages first, in a statement of their own, so that their ids come back (the
    // documents' cascade would delete them unseen).
    auto removed = m_connection->query("DELETE FROM passages WHERE document_id = (SELECT id FROM "
                                       "documents WHERE path = $1) RETURNING id",
                                       {PgParam::text(path)});
    if (!removed)
        return removed.error();
    if (auto gone =
            m_connection->execute("DELETE FROM documents WHERE path = $1", {PgParam::text(path)});
        !gone)
        return gone.error();
    std::vector<std::int64_t> ids = idsOf(*removed);
    m_removed.insert(m_removed.end(), ids.begin(), ids.end());
    return ids;
}

Result<std::vector<std::int64_t>> SharedIndexBatch::removeUnder(const QString& prefix) {
    const auto [folder, inFolder] = folderParams(prefix);
    auto sources = m_connection->query("SELECT DISTINCT source FROM documents "
                                       "WHERE path = $1 OR starts_with(path, $2)",
                                       {folder, inFolder});
    if (!sources)
        return sources.error();
    for (int row = 0; row < sources->rowCount(); ++row)
        if (auto leased = requireLease(sources->text(row, 0)); !leased)
            return leased.error();
    // A source that gained a document under the prefix since the look above was leased by
    // someone else, who may not write into ours; the delete is limited to the checked sources.
    QStringList checked;
    for (int row = 0; row < sources->rowCount(); ++row)
        checked << sources->text(row, 0);
    auto removed = m_connection->query(
        "DELETE FROM passages WHERE document_id IN (SELECT id FROM documents WHERE (path = $1 OR "
        "starts_with(path, $2)) AND source = ANY($3::text[])) RETURNING id",
        {folder, inFolder, PgParam::texts(checked)});
    if (!removed)
        return removed.error();
    if (auto gone = m_connection->execute("DELETE FROM documents WHERE (path = $1 OR "
                                          "starts_with(path, $2)) AND source = ANY($3::text[])",
                                          {folder, inFolder, PgParam::texts(checked)});
        !gone)
        return gone.error();
    std::vector<std::int64_t> ids = idsOf(*removed);
    m_removed.insert(m_removed.end(), ids.begin(), ids.end());
    return ids;
}

Result<void> SharedIndexBatch::recordSkipped(const QString& source, const SkippedRecord& skipped) {
    if (auto checked = requireInside(source, skipped.path); !checked)
        return checked;
    if (auto leased = requireLease(source); !leased)
        return leased;
    return m_connection->execute(
        "INSERT INTO skipped(path, source, machine, reason, at_ms) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (path) DO UPDATE SET source = excluded.source, machine = excluded.machine, "
        "reason = excluded.reason, at_ms = excluded.at_ms",
        {PgParam::text(skipped.path), PgParam::text(source), PgParam::text(m_machine),
         PgParam::text(skipped.reason), PgParam::integer(skipped.atMs)});
}

Result<void> SharedIndexBatch::forgetSkippedUnder(const QString& source, const QString& prefix) {
    if (auto leased = requireLease(source); !leased)
        return leased;
    const auto [folder, inFolder] = folderParams(prefix);
    return m_connection->execute(
        "DELETE FROM skipped WHERE source = $1 AND (path = $2 OR starts_with(path, $3))",
        {PgParam::text(source), folder, inFolder});
}

Result<std::int64_t> SharedIndexBatch::commit() {
    if (m_connection == nullptr)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the shared index's batch was already committed or "
                                        "rolled back"));
    // A passage both added and removed in this batch (a document put twice) never existed for
    // anyone else.
    std::sort(m_added.begin(), m_added.end());
    std::sort(m_removed.begin(), m_removed.end());
    std::vector<std::int64_t> added;
    std::vector<std::int64_t> removed;
    std::set_difference(m_added.begin(), m_added.end(), m_removed.begin(), m_removed.end(),
                        std::back_inserter(added));
    std::set_difference(m_removed.begin(), m_removed.end(), m_added.begin(), m_added.end(),
                        std::back_inserter(removed));
    auto generation = recordChange(*m_connection, m_machine, added, removed);
    if (!generation) {
        rollback();
        return generation.error();
    }
    PgConnection* connection = std::exchange(m_connection, nullptr);
    if (auto committed = connection->executeScript("COMMIT"); !committed) {
        if (connection->isOpen())
            (void)connection->executeScript("ROLLBACK");
        return committed.error();
    }
    return *generation;
}

} // namespace semsearch
