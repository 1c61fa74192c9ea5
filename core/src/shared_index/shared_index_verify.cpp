#include "semsearch/shared_index_verify.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"
#include "shared_index/pg_schema.h"
#include "shared_index/pg_snapshot.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/shared_index_rules.h"

#include <utility>

namespace semsearch {

namespace {

// Each rule counts what breaks it and names one example (the first path in byte order), so
// that a problem says how many and where to look.
Result<void> applyDocumentRules(PgConnection& connection, int dimension, SharedIndexCheck& check) {
    for (const shared_rules::DocumentRule& rule : shared_rules::kDocumentRules) {
        const QByteArray sql = QByteArray("SELECT count(*), min(path COLLATE \"C\") FROM (") +
                               rule.damaged + ") damaged";
        auto found = connection.query(sql.constData(), shared_rules::parameters(rule, dimension));
        if (!found)
            return found.error();
        if (const std::int64_t count = found->integer(0, 0); count > 0)
            check.problems << QString::fromLatin1(rule.problem).arg(count).arg(found->text(0, 1));
    }
    return {};
}

// The change log against the passages: what a searcher's cache, built by replaying it, would
// hold that the index does not, or lack.
Result<void> applyChangeLogRules(PgConnection& connection, SharedIndexCheck& check) {
    using namespace shared_rules;
    const QByteArray gaps =
        QByteArray("SELECT count(*), min(g)::text FROM (") + kMissingGenerations + ") missing";
    const QByteArray unannounced = QByteArray(kLivePassages) +
                                   "SELECT count(*), min(path COLLATE \"C\") FROM (" +
                                   kUnannouncedPassages + ") unannounced";
    const QByteArray vanished = QByteArray(kLivePassages) +
                                "SELECT count(*), min(id)::text FROM (" + kVanishedPassages +
                                ") vanished";
    const std::pair<QByteArray, const char*> rules[] = {
        {gaps, "the change log misses %1 generations, e.g. generation %2"},
        {unannounced, "%1 passages are missing from the change log (searchers' caches do not "
                      "have them), e.g. in %2"},
        {vanished, "the change log lists %1 passages the index does not hold (searchers' caches "
                   "keep them), e.g. passage %2"},
    };
    for (const auto& [sql, problem] : rules) {
        auto found = connection.query(sql.constData());
        if (!found)
            return found.error();
        if (const std::int64_t count = found->integer(0, 0); count > 0)
            check.problems << QString::fromLatin1(problem).arg(count).arg(found->text(0, 1));
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
    if (auto applied = applyDocumentRules(connection, (*model)->dimension, check); !applied)
        return applied.error();
    if (auto applied = applyChangeLogRules(connection, check); !applied)
        return applied.error();
    if (auto noted = noteStaleLeases(connection, check); !noted)
        return noted.error();
    return check;
}

} // namespace

Result<SharedIndexCheck> verifySharedIndex(const QString& location) {
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    return inSnapshot<SharedIndexCheck>(*connection, [&] { return checkSnapshot(*connection); });
}

} // namespace semsearch
