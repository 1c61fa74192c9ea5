#include "shared_index/shared_index_reads.h"

#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_snapshot.h"
#include "shared_index/vector_bytes.h"

#include <QHash>

#include <algorithm>
#include <utility>

namespace semsearch {

namespace {

// The columns fill() reads, in its order; the vector, where wanted, comes after them.
#define SEMSEARCH_PASSAGE_COLUMNS                                                                  \
    "p.id, p.document_id, p.ordinal, p.byte_start, p.byte_end, p.line, p.page, p.section, "        \
    "p.text, d.path, d.size, d.modified_ms, d.changed_ms, d.content_hash, d.encoding, "            \
    "d.indexed_at_ms, d.passage_count, d.source, d.machine"
constexpr int kVectorColumn = 19;

SharedPassage fill(const PgRows& rows, int row) {
    SharedPassage shared;
    PassageRecord& passage = shared.passage;
    passage.id = rows.integer(row, 0);
    passage.documentId = rows.integer(row, 1);
    passage.ordinal = int(rows.integer(row, 2));
    passage.byteStart = rows.integer(row, 3);
    passage.byteEnd = rows.integer(row, 4);
    passage.line = int(rows.integer(row, 5));
    passage.page = int(rows.integer(row, 6));
    passage.section = rows.text(row, 7);
    passage.text = rows.text(row, 8);
    DocumentRecord& document = shared.document;
    document.id = passage.documentId;
    document.path = rows.text(row, 9);
    document.size = rows.integer(row, 10);
    document.modifiedMs = rows.integer(row, 11);
    document.changedMs = rows.integer(row, 12);
    document.contentHash = rows.bytes(row, 13);
    document.encoding = rows.text(row, 14);
    document.indexedAtMs = rows.integer(row, 15);
    document.passageCount = int(rows.integer(row, 16));
    shared.source = rows.text(row, 17);
    shared.machine = rows.text(row, 18);
    return shared;
}

std::vector<SharedPassage> passagesIn(const PgRows& rows) {
    std::vector<SharedPassage> passages;
    passages.reserve(std::size_t(rows.rowCount()));
    for (int row = 0; row < rows.rowCount(); ++row)
        passages.push_back(fill(rows, row));
    return passages;
}

} // namespace

Error wrongVectorSize(PgConnection& connection, std::int64_t passageId, qsizetype bytes,
                      int dimension) {
    return connection.error(ErrorCode::Corrupt,
                            QStringLiteral("the vector of passage %1 has %2 bytes, not %3 "
                                           "floats of the model")
                                .arg(passageId)
                                .arg(bytes)
                                .arg(dimension));
}

Result<std::optional<ModelIdentity>> sharedModel(PgConnection& connection) {
    // The meta keys of the model identity are the local store's (store/meta_table.h).
    auto stored = connection.query(
        "SELECT max(value) FILTER (WHERE key = 'model_name'), "
        "max(value) FILTER (WHERE key = 'model_dimension'), "
        "coalesce(max(value) FILTER (WHERE key = 'model_pooling'), ''), "
        "coalesce(max(value) FILTER (WHERE key = 'model_normalize'), ''), "
        "coalesce(max(value) FILTER (WHERE key = 'model_weights_fingerprint'), '') FROM meta");
    if (!stored)
        return stored.error();
    if (stored->isNull(0, 0) && stored->isNull(0, 1))
        return std::optional<ModelIdentity>();
    ModelIdentity model;
    model.name = stored->text(0, 0);
    bool ok = false;
    model.dimension = stored->text(0, 1).toInt(&ok);
    if (!ok || model.dimension <= 0)
        return connection.error(ErrorCode::Corrupt,
                                QStringLiteral("the model dimension '%1' is not a positive number")
                                    .arg(stored->text(0, 1).left(40)));
    model.pooling = stored->text(0, 2);
    model.normalize = stored->text(0, 3) == QLatin1String("1");
    model.weightsFingerprint = stored->text(0, 4);
    return std::optional<ModelIdentity>(std::move(model));
}

Result<std::optional<Precision>> sharedPrecision(PgConnection& connection) {
    auto stored = connection.query("SELECT value FROM meta WHERE key = 'precision'");
    if (!stored)
        return stored.error();
    if (stored->rowCount() == 0)
        return std::optional<Precision>();
    const std::optional<Precision> precision = parsePrecision(stored->text(0, 0));
    if (!precision || *precision == Precision::Auto)
        return connection.error(ErrorCode::Corrupt,
                                QStringLiteral("the recorded precision '%1' names no precision")
                                    .arg(stored->text(0, 0).left(40)));
    return precision;
}

Result<int> sharedDimension(PgConnection& connection) {
    auto model = sharedModel(connection);
    if (!model)
        return model.error();
    return *model ? (*model)->dimension : 0;
}

Result<SharedIndexOverview> sharedOverview(PgConnection& connection) {
    return inSnapshot<SharedIndexOverview>(connection, [&]() -> Result<SharedIndexOverview> {
        SharedIndexOverview overview;
        overview.location = connection.location();
        auto model = sharedModel(connection);
        if (!model)
            return model.error();
        auto precision = sharedPrecision(connection);
        if (!precision)
            return precision.error();
        overview.precision = *precision;
        auto counts = sharedCounts(connection);
        if (!counts)
            return counts.error();
        auto sources = sharedSources(connection);
        if (!sources)
            return sources.error();
        auto generation = connection.query(
            "SELECT coalesce(max(generation), 0), "
            "(SELECT extversion FROM pg_extension WHERE extname = 'vector'), "
            "(SELECT default_version FROM pg_available_extensions WHERE name = 'vector') "
            "FROM changes");
        if (!generation)
            return generation.error();
        overview.pgvectorInstalled = generation->text(0, 1);
        overview.pgvectorAvailable = generation->text(0, 2);
        overview.model = std::move(*model);
        overview.totals = counts->total;
        for (SharedSource& source : *sources) {
            const StoreCounts sourceCounts = counts->bySource[source.source.path];
            overview.sources.push_back(
                {std::move(source.source), std::move(source.machine), sourceCounts});
        }
        overview.generation = generation->integer(0, 0);
        return overview;
    });
}

Result<SharedCounts> sharedCounts(PgConnection& connection) {
    // One statement, so one snapshot: the totals are the sums of what it lists.
    auto rows = connection.query(
        "SELECT s.path, "
        "(SELECT count(*) FROM documents d WHERE d.source = s.path), "
        "(SELECT count(*) FROM passages p JOIN documents d ON d.id = p.document_id "
        "  WHERE d.source = s.path), "
        "(SELECT count(*) FROM skipped k WHERE k.source = s.path) "
        "FROM sources s");
    if (!rows)
        return rows.error();
    SharedCounts counts;
    for (int row = 0; row < rows->rowCount(); ++row) {
        StoreCounts& source = counts.bySource[rows->text(row, 0)];
        source.documents = rows->integer(row, 1);
        source.passages = rows->integer(row, 2);
        source.skipped = rows->integer(row, 3);
        counts.total.documents += source.documents;
        counts.total.passages += source.passages;
        counts.total.skipped += source.skipped;
    }
    return counts;
}

Result<std::map<QString, SharedDocumentState>> sharedDocumentStates(PgConnection& connection,
                                                                    const QString& source) {
    auto rows = connection.query(
        "SELECT path, content_hash, size, modified_ms FROM documents WHERE source = $1",
        {PgParam::text(source)});
    if (!rows)
        return rows.error();
    std::map<QString, SharedDocumentState> states;
    for (int row = 0; row < rows->rowCount(); ++row)
        states.emplace(
            rows->text(row, 0),
            SharedDocumentState{rows->bytes(row, 1), rows->integer(row, 2), rows->integer(row, 3)});
    return states;
}

Result<std::vector<SkippedRecord>> sharedSkippedOf(PgConnection& connection,
                                                   const QString& source) {
    auto rows = connection.query("SELECT path, reason, at_ms FROM skipped WHERE source = $1 "
                                 "ORDER BY path COLLATE \"C\"",
                                 {PgParam::text(source)});
    if (!rows)
        return rows.error();
    std::vector<SkippedRecord> skipped;
    for (int row = 0; row < rows->rowCount(); ++row)
        skipped.push_back({rows->text(row, 0), rows->text(row, 1), rows->integer(row, 2)});
    return skipped;
}

Result<std::vector<SharedSource>> sharedSources(PgConnection& connection) {
    auto rows = connection.query("SELECT path, machine, added_ms, indexed_ms FROM sources "
                                 "ORDER BY path COLLATE \"C\"");
    if (!rows)
        return rows.error();
    std::vector<SharedSource> sources;
    for (int row = 0; row < rows->rowCount(); ++row) {
        SharedSource source;
        source.source.path = rows->text(row, 0);
        source.machine = rows->text(row, 1);
        source.source.addedMs = rows->integer(row, 2);
        source.source.indexedMs = rows->integer(row, 3);
        sources.push_back(std::move(source));
    }
    return sources;
}

Result<std::vector<SharedPassage>> sharedPassages(PgConnection& connection,
                                                  const std::vector<std::int64_t>& ids) {
    auto rows = connection.query("SELECT " SEMSEARCH_PASSAGE_COLUMNS
                                 " FROM unnest($1::bigint[]) WITH ORDINALITY AS wanted(id, n) "
                                 "JOIN passages p ON p.id = wanted.id "
                                 "JOIN documents d ON d.id = p.document_id ORDER BY wanted.n",
                                 {PgParam::integers(ids)});
    if (!rows)
        return rows.error();
    return passagesIn(*rows);
}

Result<std::vector<SharedPassage>> sharedPassagesOfDocument(PgConnection& connection,
                                                            const QString& path) {
    auto rows = connection.query("SELECT " SEMSEARCH_PASSAGE_COLUMNS
                                 " FROM documents d JOIN passages p ON p.document_id = d.id "
                                 "WHERE d.path = $1 ORDER BY p.ordinal",
                                 {PgParam::text(path)});
    if (!rows)
        return rows.error();
    return passagesIn(*rows);
}

Result<std::vector<VectorChange>> changesSinceWithVectors(PgConnection& connection,
                                                          std::int64_t generation, int limit) {
    return inSnapshot<std::vector<VectorChange>>(
        connection, [&]() -> Result<std::vector<VectorChange>> {
            auto dimension = sharedDimension(connection);
            if (!dimension)
                return dimension.error();
            auto changes = changesSince(connection, generation, limit);
            if (!changes)
                return changes.error();
            std::vector<std::int64_t> wanted;
            for (const ChangeRecord& change : *changes)
                wanted.insert(wanted.end(), change.added.begin(), change.added.end());
            auto rows = connection.query("SELECT id, vector FROM passages WHERE id = ANY($1)",
                                         {PgParam::integers(wanted)});
            if (!rows)
                return rows.error();
            QHash<std::int64_t, QByteArray> vectors;
            for (int row = 0; row < rows->rowCount(); ++row)
                vectors.insert(rows->integer(row, 0), rows->bytes(row, 1));
            std::vector<VectorChange> result;
            result.reserve(changes->size());
            for (ChangeRecord& change : *changes) {
                VectorChange applied;
                applied.generation = change.generation;
                applied.machine = change.machine;
                applied.removed = std::move(change.removed);
                for (std::int64_t id : change.added) {
                    const auto found = vectors.constFind(id);
                    if (found == vectors.constEnd())
                        continue; // removed by a later commit, which lists it
                    applied.vectors.resize(applied.vectors.size() + std::size_t(*dimension));
                    if (!readVectorBytes(*found, *dimension,
                                         applied.vectors.data() + applied.vectors.size() -
                                             std::size_t(*dimension)))
                        return wrongVectorSize(connection, id, found->size(), *dimension);
                    applied.added.push_back(id);
                }
                result.push_back(std::move(applied));
            }
            return result;
        });
}

Result<std::int64_t>
exportPassages(PgConnection& connection,
               const std::function<bool(const SharedPassage& passage, const float* vector)>& visit,
               int pageRows) {
    return inSnapshot<std::int64_t>(connection, [&]() -> Result<std::int64_t> {
        auto dimension = sharedDimension(connection);
        if (!dimension)
            return dimension.error();
        auto generation = connection.query("SELECT coalesce(max(generation), 0) FROM changes");
        if (!generation)
            return generation.error();
        // Paths in byte order whatever the database's collation, as the local store sorts.
        if (auto declared = connection.executeScript(
                "DECLARE shared_export NO SCROLL CURSOR FOR SELECT " SEMSEARCH_PASSAGE_COLUMNS
                ", p.vector FROM passages p JOIN documents d ON d.id = p.document_id "
                "ORDER BY d.path COLLATE \"C\", p.ordinal");
            !declared)
            return declared.error();
        // FETCH takes no parameters; the count is ours, never user text.
        const QByteArray fetch =
            "FETCH FORWARD " + QByteArray::number(std::max(1, pageRows)) + " FROM shared_export";
        std::vector<float> vector(std::size_t(std::max(0, *dimension)));
        for (;;) {
            auto rows = connection.query(fetch.constData());
            if (!rows)
                return rows.error();
            if (rows->rowCount() == 0)
                break;
            for (int row = 0; row < rows->rowCount(); ++row) {
                const SharedPassage passage = fill(*rows, row);
                const QByteArray bytes = rows->bytes(row, kVectorColumn);
                if (!readVectorBytes(bytes, *dimension, vector.data()))
                    return wrongVectorSize(connection, passage.passage.id, bytes.size(),
                                           *dimension);
                if (!visit(passage, vector.data()))
                    return generation->integer(0, 0);
            }
        }
        return generation->integer(0, 0);
    });
}

#undef SEMSEARCH_PASSAGE_COLUMNS

} // namespace semsearch
