#include "store/store_check.h"

#include "store/sqlite_statement.h"
#include "store/vector_blob.h"

#include <functional>
#include <optional>

namespace semsearch {

void ProblemList::add(const QString& problem) {
    if (full())
        ++m_notListed;
    else
        m_lines << problem;
}

QStringList ProblemList::lines() const {
    QStringList result = m_lines;
    if (m_notListed > 0)
        result << QStringLiteral("... and %1 more problems not listed").arg(m_notListed);
    return result;
}

QStringList sqliteReportLines(const QString& row) {
    QStringList lines;
    for (const QString& line : row.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (line != QLatin1String("ok") && !line.startsWith(QLatin1String("*** ")))
            lines << line.trimmed();
    return lines;
}

namespace {

using RowVisitor = std::function<void(const SqliteStatement&)>;

// Runs `sql` and hands each row to `visit`. Returns false, after noting the problem, when the
// database is too damaged for the query; other failures are errors.
Result<bool> checkEachRow(sqlite3* db, const char* sql, const QString& file, ProblemList& problems,
                          const RowVisitor& visit,
                          std::optional<std::int64_t> parameter = std::nullopt) {
    auto statement = SqliteStatement::prepare(db, sql, file);
    Result<void> read = statement ? Result<void>() : Result<void>(statement.error());
    if (statement) {
        if (parameter)
            statement->bind(1, *parameter);
        read = forEachRow(*statement, [&](const SqliteStatement& row) {
            visit(row);
            return true;
        });
    }
    if (read)
        return true;
    if (read.error().code != ErrorCode::Corrupt)
        return read.error();
    problems.add(read.error().message);
    return false;
}

} // namespace

Result<void> checkStoreDatabase(sqlite3* db, const QString& file, int dimension,
                                ProblemList& problems) {
    const QString prefix = file + QStringLiteral(": ");

    // integrity_check reads every page; its rows are "ok" or one line per problem.
    auto intact = checkEachRow(db, "PRAGMA integrity_check(100)", file, problems,
                               [&](const SqliteStatement& row) {
                                   for (const QString& line : sqliteReportLines(row.columnText(0)))
                                       problems.add(prefix + QStringLiteral("SQLite: ") + line);
                               });
    if (!intact)
        return intact.error();
    if (!*intact)
        return {};

    auto keys = checkEachRow(
        db, "PRAGMA foreign_key_check", file, problems, [&](const SqliteStatement& row) {
            problems.add(prefix + QStringLiteral("row %1 of %2 refers to a "
                                                 "missing row of %3")
                                      .arg(row.columnInt64(1))
                                      .arg(row.columnText(0), row.columnText(2)));
        });
    if (!keys)
        return keys.error();

    // length() of a blob comes from the record header, without reading the blob's pages.
    const std::int64_t vectorBytes = std::int64_t(dimension) * std::int64_t(kBytesPerComponent);
    if (dimension > 0) {
        auto vectors = checkEachRow(
            db,
            "SELECT id, document_id, typeof(vector), length(vector) FROM passages "
            "WHERE typeof(vector) != 'blob' OR length(vector) != ?1 ORDER BY id",
            file, problems,
            [&](const SqliteStatement& row) {
                problems.add(prefix + QStringLiteral("passage %1 (document %2): the vector is a "
                                                     "%3 of %4 bytes, expected a blob of %5")
                                          .arg(row.columnInt64(0))
                                          .arg(row.columnInt64(1))
                                          .arg(row.columnText(2))
                                          .arg(row.columnInt64(3))
                                          .arg(vectorBytes));
            },
            vectorBytes);
        if (!vectors)
            return vectors.error();
    } else {
        auto orphans = checkEachRow(
            db, "SELECT count(*) FROM passages", file, problems, [&](const SqliteStatement& row) {
                if (row.columnInt64(0) > 0)
                    problems.add(prefix + QStringLiteral("%1 passages but no model "
                                                         "identity")
                                              .arg(row.columnInt64(0)));
            });
        if (!orphans)
            return orphans.error();
    }

    // With n passages, ordinals 0..n-1 means: n distinct values, the least 0, the greatest n-1.
    auto documents = checkEachRow(
        db,
        "SELECT d.id, d.path, d.passage_count, count(p.id), min(p.ordinal), max(p.ordinal), "
        "count(DISTINCT p.ordinal) FROM documents d LEFT JOIN passages p ON p.document_id = d.id "
        "GROUP BY d.id ORDER BY d.path",
        file, problems, [&](const SqliteStatement& row) {
            const QString document =
                prefix +
                QStringLiteral("document %1 (%2): ").arg(row.columnInt64(0)).arg(row.columnText(1));
            const std::int64_t recorded = row.columnInt64(2);
            const std::int64_t actual = row.columnInt64(3);
            if (recorded != actual)
                problems.add(
                    document +
                    QStringLiteral("records %1 passages but has %2").arg(recorded).arg(actual));
            if (actual > 0 && (row.columnInt64(4) != 0 || row.columnInt64(5) != actual - 1 ||
                               row.columnInt64(6) != actual))
                problems.add(document + QStringLiteral("passage ordinals are not 0..%1 "
                                                       "(from %2 to %3, %4 distinct)")
                                            .arg(actual - 1)
                                            .arg(row.columnInt64(4))
                                            .arg(row.columnInt64(5))
                                            .arg(row.columnInt64(6)));
        });
    if (!documents)
        return documents.error();

    auto ranges = checkEachRow(
        db,
        "SELECT id, document_id, byte_start, byte_end FROM passages "
        "WHERE byte_start < 0 OR byte_end < byte_start ORDER BY id",
        file, problems, [&](const SqliteStatement& row) {
            problems.add(prefix + QStringLiteral("passage %1 (document %2): byte range %3..%4 "
                                                 "is not ordered")
                                      .arg(row.columnInt64(0))
                                      .arg(row.columnInt64(1))
                                      .arg(row.columnInt64(2))
                                      .arg(row.columnInt64(3)));
        });
    if (!ranges)
        return ranges.error();
    return {};
}

} // namespace semsearch
