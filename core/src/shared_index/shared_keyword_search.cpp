#include "shared_index/shared_keyword_search.h"

#include "shared_index/folder_params.h"
#include "shared_index/pg_connection.h"

namespace semsearch {

namespace {

// "phraseto_tsquery('simple', $first) || phraseto_tsquery('simple', $first+1) || ...", one
// per term, each term a parameter. phraseto_tsquery for single words too: a word the server
// cuts into several must match them together, as the one word it is. An empty tsquery (a term
// without words) leaves the others of an || unchanged.
QByteArray anyOf(int first, qsizetype count) {
    QByteArray sql;
    for (qsizetype i = 0; i < count; ++i) {
        if (i > 0)
            sql += " || ";
        sql += "phraseto_tsquery('simple', $" + QByteArray::number(first + i) + ")";
    }
    return sql;
}

// $1, $2: the folder; $3: k; then the wanted terms, then the excluded ones.
QByteArray searchSql(qsizetype wanted, qsizetype excluded) {
    QByteArray sql = "SELECT p.id, ts_rank_cd(p.words, q.query) AS score "
                     "FROM (SELECT " +
                     anyOf(4, wanted) +
                     " AS query) q, passages p JOIN documents d ON d.id = p.document_id "
                     "WHERE p.words @@ q.query AND (d.path = $1 OR starts_with(d.path, $2))";
    if (excluded > 0)
        sql += " AND p.document_id NOT IN (SELECT document_id FROM passages WHERE words @@ (" +
               anyOf(4 + int(wanted), excluded) + "))";
    sql += " ORDER BY score DESC, p.id LIMIT $3";
    return sql;
}

} // namespace

Result<std::vector<SharedKeywordHit>> sharedKeywordSearch(PgConnection& connection,
                                                          const SharedKeywordQuery& query) {
    const QStringList wanted = query.words + query.phrases;
    if (wanted.isEmpty() || query.k <= 0)
        return std::vector<SharedKeywordHit>{};
    const auto [folder, inFolder] = folderParams(query.folder);
    std::vector<PgParam> params = {folder, inFolder, PgParam::integer(query.k)};
    for (const QString& term : wanted + query.excluded)
        params.push_back(PgParam::text(term));
    const QByteArray sql = searchSql(wanted.size(), query.excluded.size());
    auto rows = connection.query(sql.constData(), params);
    if (!rows)
        return rows.error();
    std::vector<SharedKeywordHit> hits;
    hits.reserve(std::size_t(rows->rowCount()));
    for (int row = 0; row < rows->rowCount(); ++row)
        hits.push_back({rows->integer(row, 0), rows->text(row, 1).toFloat()});
    return hits;
}

} // namespace semsearch
