#include "store/path_range.h"

#include "store/store_connection.h"

namespace semsearch {

PathRange pathRange(QString prefix) {
    while (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    PathRange range;
    range.everything = prefix.isEmpty();
    range.exact = prefix;
    range.lower = prefix + QLatin1Char('/');
    range.upper = prefix + QLatin1Char('0');
    return range;
}

void bindRange(SqliteStatement& statement, const PathRange& range) {
    statement.bind(1, range.exact);
    statement.bind(2, range.lower);
    statement.bind(3, range.upper);
}

Result<void> deleteUnder(StoreConnection& connection, std::string_view deleteAll,
                         std::string_view deleteUnder, const QString& path) {
    const PathRange range = pathRange(path);
    auto q = connection.query(range.everything ? deleteAll : deleteUnder);
    if (!q)
        return q.error();
    if (!range.everything)
        bindRange(**q, range);
    return (*q)->run();
}

} // namespace semsearch
