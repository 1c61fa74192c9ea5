#include "store/meta_table.h"

#include "store/store_connection.h"

namespace semsearch {

Result<std::optional<QString>> metaValue(StoreConnection& connection, const QString& key) {
    auto q = connection.query("SELECT value FROM meta WHERE key = ?1");
    if (!q)
        return q.error();
    (*q)->bind(1, key);
    auto row = (*q)->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<QString>();
    return std::optional<QString>((*q)->columnText(0));
}

Result<void> setMetaValue(StoreConnection& connection, const QString& key, const QString& value) {
    auto q = connection.query("INSERT INTO meta(key, value) VALUES (?1, ?2) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!q)
        return q.error();
    (*q)->bind(1, key);
    (*q)->bind(2, value);
    return (*q)->run();
}

Result<std::optional<std::int64_t>> metaInteger(StoreConnection& connection, const QString& key) {
    auto value = metaValue(connection, key);
    if (!value)
        return value.error();
    if (!*value)
        return std::optional<std::int64_t>();
    bool ok = false;
    const std::int64_t number = (*value)->toLongLong(&ok);
    if (!ok)
        return makeError(
            ErrorCode::Corrupt,
            connection.path +
                QStringLiteral(": the stored %1 '%2' is not a number").arg(key, **value));
    return std::optional<std::int64_t>(number);
}

Result<int> storedDimension(StoreConnection& connection) {
    auto value = metaInteger(connection, kModelDimension);
    if (!value)
        return value.error();
    if (!*value)
        return makeError(ErrorCode::InvalidArgument,
                         connection.path + QStringLiteral(": no model identity recorded; set it "
                                                          "before storing vectors"));
    if (**value <= 0 || **value > (1 << 20))
        return makeError(
            ErrorCode::Corrupt,
            connection.path +
                QStringLiteral(": the stored model dimension %1 is impossible").arg(**value));
    return int(**value);
}

Result<void> bumpGeneration(StoreConnection& connection) {
    return connection.run("INSERT INTO meta(key, value) VALUES ('vector_generation', '1') "
                          "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1");
}

Result<bool> holdsPassages(StoreConnection& connection) {
    auto any = connection.query("SELECT EXISTS (SELECT 1 FROM passages)");
    if (!any)
        return any.error();
    auto row = (*any)->step();
    if (!row)
        return row.error();
    return *row && (*any)->columnInt64(0) != 0;
}

} // namespace semsearch
