// repairSharedIndex(): `verify --repair` on a shared index (shared_index_verify.h says what it
// mends and why that is enough for every searcher's cache to agree with the database again).

#include "semsearch/shared_index_verify.h"

#include "shared_index/change_log.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/shared_index_rules.h"
#include "shared_index/source_lease.h"

#include <map>
#include <set>

namespace semsearch {

namespace {

struct DamagedDocument {
    QString source;
    QString machine;
};

// Every document that breaks a document rule, by path (one that breaks two counts once).
Result<std::map<QString, DamagedDocument>> damagedDocuments(PgConnection& connection,
                                                            int dimension) {
    std::map<QString, DamagedDocument> damaged;
    for (const shared_rules::DocumentRule& rule : shared_rules::kDocumentRules) {
        const QByteArray sql = QByteArray("SELECT d.path, d.source, d.machine FROM (") +
                               rule.damaged + ") damaged JOIN documents d ON d.path = damaged.path";
        auto rows = connection.query(sql.constData(), shared_rules::parameters(rule, dimension));
        if (!rows)
            return rows.error();
        for (int row = 0; row < rows->rowCount(); ++row)
            damaged[rows->text(row, 0)] = {rows->text(row, 1), rows->text(row, 2)};
    }
    return damaged;
}

// Removes the damaged documents in one commit, which announces their passages' removal.
Result<void> removeDamaged(PgConnection& connection, const QString& machine,
                           const ModelIdentity& model, SharedIndexRepair& repair) {
    auto damaged = damagedDocuments(connection, model.dimension);
    if (!damaged)
        return damaged.error();
    if (damaged->empty())
        return {};
    auto batch = SharedIndexBatch::begin(connection, machine, model);
    if (!batch)
        return batch.error();
    std::set<QPair<QString, QString>> sources;
    for (const auto& [path, document] : *damaged) {
        if (auto removed = batch->removeDocument(path); !removed)
            return removed.error();
        repair.losses << QStringLiteral("%1 (indexed by %2)").arg(path, document.machine);
        sources.insert({document.source, document.machine});
    }
    if (auto committed = batch->commit(); !committed)
        return committed.error();
    repair.repairs << QStringLiteral("removed %1 damaged documents").arg(damaged->size());
    repair.sourcesToIndexAgain = QList<QPair<QString, QString>>(sources.begin(), sources.end());
    return {};
}

Result<std::vector<std::int64_t>> ids(PgConnection& connection, const char* statement) {
    auto rows = connection.query((QByteArray(shared_rules::kLivePassages) + statement).constData());
    if (!rows)
        return rows.error();
    return rows->integers(0);
}

// Fills the change log's gaps and announces what it never did, in one transaction.
Result<void> mendChangeLog(PgConnection& connection, const QString& machine,
                           SharedIndexRepair& repair) {
    if (auto begun = connection.execute("BEGIN"); !begun)
        return begun.error();
    auto fail = [&](const Error& error) {
        (void)connection.execute("ROLLBACK");
        return error;
    };
    auto gaps = connection.query(shared_rules::kMissingGenerations);
    auto added = ids(connection, shared_rules::kUnannouncedPassages);
    auto removed = ids(connection, shared_rules::kVanishedPassages);
    if (!gaps || !added || !removed)
        return fail(!gaps ? gaps.error() : !added ? added.error() : removed.error());
    if (gaps->rowCount() == 0 && added->empty() && removed->empty()) {
        (void)connection.execute("ROLLBACK");
        return {};
    }
    // The change log's lock first (recordChange takes it): no writer adds a generation while
    // the gaps below the last one are filled.
    auto generation = recordChange(connection, machine, *added, *removed);
    if (!generation)
        return fail(generation.error());
    if (auto filled =
            connection.execute("INSERT INTO changes(generation, machine) "
                               "SELECT unnest($1::bigint[]), $2",
                               {PgParam::integers(gaps->integers(0)), PgParam::text(machine)});
        !filled)
        return fail(filled.error());
    if (auto committed = connection.execute("COMMIT"); !committed)
        return committed.error();
    if (gaps->rowCount() > 0)
        repair.repairs << QStringLiteral("filled %1 missing generations of the change log")
                              .arg(gaps->rowCount());
    if (!added->empty() || !removed->empty())
        repair.repairs << QStringLiteral("announced %1 passages added and %2 removed in "
                                         "generation %3, which searchers apply as they catch up")
                              .arg(added->size())
                              .arg(removed->size())
                              .arg(*generation);
    return {};
}

} // namespace

Result<SharedIndexRepair> repairSharedIndex(const QString& location, const QString& machine) {
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    // Held until the end: no writer publishes while the index is mended.
    auto leases = SourceLease::takeEvery(*connection);
    if (!leases)
        return leases.error();
    SharedIndexRepair repair;
    auto model = sharedModel(*connection);
    if (!model)
        return model.error();
    if (*model) {
        if (auto removed = removeDamaged(*connection, machine, **model, repair); !removed)
            return removed.error();
    }
    if (auto mended = mendChangeLog(*connection, machine, repair); !mended)
        return mended.error();
    return repair;
}

} // namespace semsearch
