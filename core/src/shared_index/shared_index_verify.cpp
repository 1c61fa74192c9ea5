#include "semsearch/shared_index_verify.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"
#include "shared_index/pg_schema.h"
#include "shared_index/pg_snapshot.h"
#include "shared_index/shared_index_reads.h"

#include <cstring>

namespace semsearch {

namespace {

// Each check counts the rows that break a rule and names one of them (the first path in byte
// order), so that a problem says how many and where to look.
struct Rule {
    const char* sql; // returns count, example; may use $1 = the model's bytes per vector
    const char* problem;
};

const Rule kRules[] = {
    {"SELECT count(*), min(d.path COLLATE \"C\") FROM passages p "
     "JOIN documents d ON d.id = p.document_id WHERE octet_length(p.vector) <> $1",
     "%1 passages have vectors of another size than the model's, e.g. in %2"},
    {"SELECT count(*), min(d.path COLLATE \"C\") FROM documents d "
     "WHERE d.path <> d.source AND left(d.path, length(rtrim(d.source, '/')) + 1) <> "
     "rtrim(d.source, '/') || '/'",
     "%1 documents lie outside their source's folder, e.g. %2"},
    {"SELECT count(*), min(d.path COLLATE \"C\") FROM documents d LEFT JOIN ("
     "  SELECT document_id, count(*) AS n, min(ordinal) AS first, max(ordinal) AS last "
     "  FROM passages GROUP BY document_id) p ON p.document_id = d.id "
     "WHERE coalesce(p.n, 0) <> d.passage_count OR (p.n > 0 AND (p.first <> 0 OR "
     "p.last <> p.n - 1))",
     "%1 documents do not hold the passages their count says, in order from 0, e.g. %2"},
    {"SELECT count(*), min(generation)::text FROM changes c WHERE generation > 1 AND NOT EXISTS "
     "(SELECT 1 FROM changes b WHERE b.generation = c.generation - 1)",
     "the change log misses %1 generations, e.g. the one before %2"},
    {"WITH added AS (SELECT DISTINCT unnest(added) AS id FROM changes), "
     "removed AS (SELECT DISTINCT unnest(removed) AS id FROM changes), "
     "live AS (SELECT id FROM added EXCEPT SELECT id FROM removed) "
     "SELECT count(*), min(d.path COLLATE \"C\") FROM passages p "
     "JOIN documents d ON d.id = p.document_id "
     "WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.id = p.id)",
     "%1 passages are missing from the change log (searchers' caches do not have them), e.g. "
     "in %2"},
    {"WITH added AS (SELECT DISTINCT unnest(added) AS id FROM changes), "
     "removed AS (SELECT DISTINCT unnest(removed) AS id FROM changes), "
     "live AS (SELECT id FROM added EXCEPT SELECT id FROM removed) "
     "SELECT count(*), min(l.id)::text FROM live l "
     "WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.id = l.id)",
     "the change log lists %1 passages the index does not hold (searchers' caches keep them), "
     "e.g. passage %2"},
};

Result<void> applyRules(PgConnection& connection, int dimension, SharedIndexCheck& check) {
    for (const Rule& rule : kRules) {
        // The server refuses a parameter that the statement does not use.
        std::vector<PgParam> params;
        if (std::strstr(rule.sql, "$1") != nullptr)
            params.push_back(PgParam::integer(std::int64_t(dimension) * 4));
        auto found = connection.query(rule.sql, params);
        if (!found)
            return found.error();
        if (const std::int64_t count = found->integer(0, 0); count > 0)
            check.problems << QString::fromLatin1(rule.problem).arg(count).arg(found->text(0, 1));
    }
    return {};
}

// A lease row whose session no longer holds the lock: its writer ended without releasing it
// (killed, or the server restarted). Harmless; worth a note.
Result<void> noteStaleLeases(PgConnection& connection, SharedIndexCheck& check) {
    auto stale = connection.query(
        "SELECT count(*) FROM source_leases s WHERE NOT EXISTS (SELECT 1 FROM pg_locks l "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = "
        "s.lock_key::oid AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()))",
        {PgParam::integer(kSourceLeaseClass)});
    if (!stale)
        return stale.error();
    if (const std::int64_t count = stale->integer(0, 0); count > 0)
        check.notes << QStringLiteral("%1 sources name a writer that has gone; the next writer "
                                      "takes them over")
                           .arg(count);
    return {};
}

Result<SharedIndexCheck> checkSnapshot(PgConnection& connection) {
    SharedIndexCheck check;
    auto model = sharedModel(connection);
    if (!model)
        return model.error();
    auto counts = sharedCounts(connection);
    if (!counts)
        return counts.error();
    if (!*model) {
        if (counts->total.passages > 0)
            check.problems << QStringLiteral("the index holds %1 passages but no model")
                                  .arg(counts->total.passages);
        return check;
    }
    if (auto applied = applyRules(connection, (*model)->dimension, check); !applied)
        return applied.error();
    if (auto noted = noteStaleLeases(connection, check); !noted)
        return noted.error();
    return check;
}

} // namespace

Result<SharedIndexCheck> verifySharedIndex(const QString& location) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error();
    if (auto current = requireCurrentSharedIndex(*connection); !current)
        return current.error();
    return inSnapshot<SharedIndexCheck>(*connection, [&] { return checkSnapshot(*connection); });
}

} // namespace semsearch
