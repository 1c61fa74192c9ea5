#include "shared_index/change_log.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"

#include <QStringList>

#include <algorithm>

namespace semsearch {

namespace {

// The ids ascending, as the change log keeps them.
PgParam idArray(std::vector<std::int64_t> ids) {
    std::sort(ids.begin(), ids.end());
    return PgParam::integers(ids);
}

Result<std::vector<std::int64_t>> parseIds(PgConnection& connection, const QString& text) {
    std::vector<std::int64_t> ids;
    const QString inner = text.mid(1, text.size() - 2);
    if (!text.startsWith(QLatin1Char('{')) || !text.endsWith(QLatin1Char('}')))
        return connection.error(
            ErrorCode::Corrupt,
            QStringLiteral("the change log holds '%1', not a list of ids").arg(text.left(40)));
    for (const QString& part : inner.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        ids.push_back(part.toLongLong(&ok));
        if (!ok)
            return connection.error(
                ErrorCode::Corrupt,
                QStringLiteral("the change log holds '%1', not a passage id").arg(part.left(40)));
    }
    return ids;
}

} // namespace

Result<std::int64_t> recordChange(PgConnection& connection, const QString& machine,
                                  const std::vector<std::int64_t>& added,
                                  const std::vector<std::int64_t>& removed, bool everyVector) {
    if (auto locked = connection.execute("SELECT pg_advisory_xact_lock($1, 0)",
                                         {PgParam::integer(kChangeLogLockClass)});
        !locked)
        return locked.error();
    // After the lock, in a statement of its own: its snapshot then includes the commit of the
    // writer we waited for.
    auto recorded = connection.query(
        "INSERT INTO changes(generation, machine, added, removed, every_vector) "
        "SELECT coalesce(max(generation), 0) + 1, $1, $2::bigint[], $3::bigint[], $4::boolean FROM "
        "changes "
        "RETURNING generation",
        {PgParam::text(machine), idArray(added), idArray(removed),
         PgParam::text(everyVector ? QStringLiteral("true") : QStringLiteral("false"))});
    if (!recorded)
        return recorded.error();
    const std::int64_t generation = recorded->integer(0, 0);
    if (auto told = connection.execute("SELECT pg_notify($1, $2)",
                                       {PgParam::text(QString::fromLatin1(kChangesChannel)),
                                        PgParam::text(QString::number(generation))});
        !told)
        return told.error();
    return generation;
}

Result<std::int64_t> lastEveryVectorChange(PgConnection& connection) {
    auto rows =
        connection.query("SELECT coalesce(max(generation), 0) FROM changes WHERE every_vector");
    if (!rows)
        return rows.error();
    return rows->integer(0, 0);
}

Result<std::vector<ChangeRecord>> changesSince(PgConnection& connection, std::int64_t generation,
                                               int limit) {
    auto rows = connection.query("SELECT generation, machine, added::text, removed::text "
                                 "FROM changes WHERE generation > $1 ORDER BY generation LIMIT $2",
                                 {PgParam::integer(generation), PgParam::integer(limit)});
    if (!rows)
        return rows.error();
    std::vector<ChangeRecord> changes;
    changes.reserve(std::size_t(rows->rowCount()));
    for (int row = 0; row < rows->rowCount(); ++row) {
        ChangeRecord change;
        change.generation = rows->integer(row, 0);
        change.machine = rows->text(row, 1);
        auto added = parseIds(connection, rows->text(row, 2));
        if (!added)
            return added.error();
        auto removed = parseIds(connection, rows->text(row, 3));
        if (!removed)
            return removed.error();
        change.added = std::move(*added);
        change.removed = std::move(*removed);
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace semsearch
