#include "shared_search/server_vectors.h"

#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/vector_bytes.h"

#include <QHash>

#include <algorithm>

namespace semsearch {

namespace {

// Rows a cursor fetch brings: 1,024 x 768 floats is 3 MB (twice that in bytea's text form).
constexpr int kFetchRows = 1024;

} // namespace

Result<std::int64_t> ServerVectors::count() {
    auto rows = m_connection.query("SELECT count(*) FROM passages");
    if (!rows)
        return rows.error();
    return rows->integer(0, 0);
}

Result<std::vector<std::int64_t>> ServerVectors::passageIds() {
    auto rows = m_connection.query("SELECT id FROM passages ORDER BY id");
    if (!rows)
        return rows.error();
    return rows->integers(0);
}

Result<std::vector<float>> ServerVectors::vectorsOf(const std::vector<std::int64_t>& ids) {
    std::vector<std::int64_t> found = ids;
    std::vector<float> rows;
    if (auto read = readServerVectors(m_connection, m_dimension, found, rows); !read)
        return read.error();
    if (found.size() != ids.size())
        return m_connection.error(ErrorCode::NotFound,
                                  QStringLiteral("a passage asked for is not in the index"));
    return rows;
}

Result<void>
ServerVectors::forEachVector(const std::function<bool(std::int64_t, const float*)>& visit) {
    if (auto declared = m_connection.executeScript(
            "DECLARE server_vectors NO SCROLL CURSOR FOR SELECT id, vector FROM passages "
            "ORDER BY id");
        !declared)
        return declared.error();
    // FETCH takes no parameters; the count is ours, never user text.
    const QByteArray fetch =
        "FETCH FORWARD " + QByteArray::number(kFetchRows) + " FROM server_vectors";
    std::vector<float> vector(std::size_t(std::max(0, m_dimension)));
    bool more = true;
    while (more) {
        auto rows = m_connection.query(fetch.constData());
        if (!rows)
            return rows.error();
        more = rows->rowCount() > 0;
        for (int row = 0; more && row < rows->rowCount(); ++row) {
            const QByteArray bytes = rows->bytes(row, 1);
            if (!readVectorBytes(bytes, m_dimension, vector.data()))
                return wrongVectorSize(m_connection, rows->integer(row, 0), bytes.size(),
                                       m_dimension);
            more = visit(rows->integer(row, 0), vector.data());
        }
    }
    // Closed, so that a second pass in the same transaction can declare it again.
    return m_connection.executeScript("CLOSE server_vectors");
}

Result<void> readServerVectors(PgConnection& connection, int dimension,
                               std::vector<std::int64_t>& ids, std::vector<float>& rows) {
    auto read = connection.query("SELECT id, vector FROM passages WHERE id = ANY($1::bigint[])",
                                 {PgParam::integers(ids)});
    if (!read)
        return read.error();
    QHash<std::int64_t, int> rowOf;
    for (int row = 0; row < read->rowCount(); ++row)
        rowOf.insert(read->integer(row, 0), row);
    const std::size_t d = std::size_t(std::max(0, dimension));
    std::vector<std::int64_t> kept;
    rows.clear();
    for (std::int64_t id : ids) {
        const auto found = rowOf.constFind(id);
        if (found == rowOf.constEnd())
            continue;
        rows.resize((kept.size() + 1) * d);
        const QByteArray bytes = read->bytes(*found, 1);
        if (!readVectorBytes(bytes, dimension, rows.data() + kept.size() * d))
            return wrongVectorSize(connection, id, bytes.size(), dimension);
        kept.push_back(id);
    }
    ids = std::move(kept);
    return {};
}

Result<std::optional<StoredPassageVector>>
storedPassageVector(PgConnection& connection, int dimension, const QString& path, int ordinal) {
    auto rows = connection.query("SELECT d.id, p.vector, p.id FROM passages p JOIN documents d ON "
                                 "d.id = p.document_id WHERE d.path = $1 AND p.ordinal = $2",
                                 {PgParam::text(path), PgParam::integer(ordinal)});
    if (!rows)
        return rows.error();
    if (rows->rowCount() == 0)
        return std::optional<StoredPassageVector>();
    StoredPassageVector stored{rows->integer(0, 0), std::vector<float>(std::size_t(dimension))};
    const QByteArray bytes = rows->bytes(0, 1);
    if (!readVectorBytes(bytes, dimension, stored.vector.data()))
        return wrongVectorSize(connection, rows->integer(0, 2), bytes.size(), dimension);
    return std::optional<StoredPassageVector>(std::move(stored));
}

} // namespace semsearch
