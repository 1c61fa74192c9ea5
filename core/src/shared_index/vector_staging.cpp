#include "shared_index/vector_staging.h"

#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"
#include "shared_index/vector_bytes.h"

namespace semsearch {

namespace {

// `work` inside BEGIN ... COMMIT; rolled back when it fails.
template <typename T, typename Work> Result<T> inTransaction(PgConnection& connection, Work work) {
    if (auto begun = connection.executeScript("BEGIN"); !begun)
        return begun.error();
    Result<T> result = work();
    if (result)
        if (auto committed = connection.executeScript("COMMIT"); !committed)
            return committed.error();
    if (!result)
        (void)connection.executeScript("ROLLBACK"); // a lost connection took it with it
    return result;
}

constexpr const char* kUnstagedSql = R"sql(
SELECT p.id, p.text FROM passages p
WHERE NOT EXISTS (SELECT 1 FROM passage_vectors_next n WHERE n.passage_id = p.id)
ORDER BY p.id LIMIT $1
)sql";

// The precision and the model identity, under the keys SharedIndexBatch writes.
constexpr const char* kMetaSql = R"sql(
INSERT INTO meta(key, value) VALUES
    ('precision', $1), ('model_name', $2), ('model_dimension', $3), ('model_pooling', $4),
    ('model_normalize', $5), ('model_weights_fingerprint', $6)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
)sql";

} // namespace

Result<std::int64_t> beginStaging(PgConnection& connection, const QString& target) {
    return inTransaction<std::int64_t>(connection, [&]() -> Result<std::int64_t> {
        // FOR UPDATE: two re-embeds starting at once (each holds every lease, so only one gets
        // this far at a time anyway) agree on one target.
        auto recorded =
            connection.query("SELECT value FROM meta WHERE key = 'reembed_target' FOR UPDATE");
        if (!recorded)
            return recorded.error();
        if (recorded->rowCount() == 1 && recorded->text(0, 0) == target) {
            auto staged = connection.query("SELECT count(*) FROM passage_vectors_next");
            if (!staged)
                return staged.error();
            return staged->integer(0, 0);
        }
        if (auto forgot = connection.execute("DELETE FROM passage_vectors_next"); !forgot)
            return forgot.error();
        if (auto set =
                connection.execute("INSERT INTO meta(key, value) VALUES ('reembed_target', $1) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   {PgParam::text(target)});
            !set)
            return set.error();
        return std::int64_t(0);
    });
}

Result<UnstagedPassages> unstagedPassages(PgConnection& connection, int limit) {
    auto rows = connection.query(kUnstagedSql, {PgParam::integer(limit)});
    if (!rows)
        return rows.error();
    UnstagedPassages passages;
    for (int row = 0; row < rows->rowCount(); ++row) {
        passages.ids.push_back(rows->integer(row, 0));
        passages.texts << rows->text(row, 1);
    }
    return passages;
}

Result<void> stageVectors(PgConnection& connection, const std::vector<std::int64_t>& ids,
                          const std::vector<float>& vectors, int dimension) {
    return inTransaction<void>(connection, [&]() -> Result<void> {
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (auto staged = connection.execute(
                    "INSERT INTO passage_vectors_next(passage_id, vector) VALUES ($1, $2) "
                    "ON CONFLICT (passage_id) DO UPDATE SET vector = excluded.vector",
                    {PgParam::integer(ids[i]),
                     PgParam::bytes(
                         vectorBytes(vectors.data() + i * std::size_t(dimension), dimension))});
                !staged)
                return staged.error();
        return {};
    });
}

Result<std::optional<std::int64_t>> swapStagedVectors(PgConnection& connection,
                                                      const QString& machine,
                                                      const ModelIdentity& model,
                                                      Precision precision) {
    using Swapped = std::optional<std::int64_t>;
    if (auto begun = connection.executeScript("BEGIN"); !begun)
        return begun.error();
    Result<Swapped> swapped = [&]() -> Result<Swapped> {
        // Exclusive: waits for every writer's open batch, and holds off new ones until commit.
        if (auto locked = connection.execute("SELECT pg_advisory_xact_lock($1, 0)",
                                             {PgParam::integer(kVectorsLockClass)});
            !locked)
            return locked.error();
        auto missing = unstagedPassages(connection, 1);
        if (!missing)
            return missing.error();
        if (!missing->ids.empty())
            return Swapped();
        for (const char* statement :
             {"UPDATE passages p SET vector = n.vector FROM passage_vectors_next n "
              "WHERE n.passage_id = p.id",
              "DELETE FROM passage_vectors_next", "DELETE FROM meta WHERE key = 'reembed_target'"})
            if (auto done = connection.execute(statement); !done)
                return done.error();
        if (auto set = connection.execute(
                kMetaSql,
                {PgParam::text(precisionName(precision)), PgParam::text(model.name),
                 PgParam::integer(model.dimension), PgParam::text(model.pooling),
                 PgParam::text(model.normalize ? QStringLiteral("1") : QStringLiteral("0")),
                 PgParam::text(model.weightsFingerprint)});
            !set)
            return set.error();
        auto generation = recordChange(connection, machine, {}, {}, true);
        if (!generation)
            return generation.error();
        return Swapped(*generation);
    }();
    if (swapped && *swapped)
        if (auto committed = connection.executeScript("COMMIT"); !committed)
            return committed.error();
    if (!swapped || !*swapped)
        (void)connection.executeScript("ROLLBACK"); // a lost connection took it with it
    return swapped;
}

} // namespace semsearch
