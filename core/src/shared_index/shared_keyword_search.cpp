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

// $1: k; $2, $3: the folder, when there is one; then the wanted terms, then the excluded ones.
// Without a folder the documents are not read at all: joining them cost more than the search
// for a rare word.
QByteArray searchSql(bool inFolder, qsizetype wanted, qsizetype excluded) {
    const int firstTerm = inFolder ? 4 : 2;
    QByteArray sql = "SELECT p.id, ts_rank_cd(p.words, q.query) AS score FROM (SELECT " +
                     anyOf(firstTerm, wanted) + " AS query) q, passages p WHERE p.words @@ q.query";
    if (inFolder)
        sql += " AND p.document_id IN (SELECT id FROM documents d WHERE d.path = $2 OR "
               "starts_with(d.path, $3))";
    if (excluded > 0)
        sql += " AND p.document_id NOT IN (SELECT document_id FROM passages WHERE words @@ (" +
               anyOf(firstTerm + int(wanted), excluded) + "))";
    sql += " ORDER BY score DESC, p.id LIMIT $1";
    return sql;
}

} // namespace

Result<std::vector<SharedKeywordHit>> sharedKeywordSearch(PgConnection& connection,
                                                          const SharedKeywordQuery& query) {
    const QStringList wanted = query.words + query.phrases;
    if (wanted.isEmpty() || query.k <= 0)
        return std::vector<SharedKeywordHit>{};
    // Every document path is absolute: "" and "/" select them all.
    const bool inFolder = !withoutTrailingSlash(query.folder).isEmpty();
    std::vector<PgParam> params = {PgParam::integer(query.k)};
    if (inFolder) {
        const auto [folder, inside] = folderParams(query.folder);
        params.push_back(folder);
        params.push_back(inside);
    }
    for (const QString& term : wanted + query.excluded)
        params.push_back(PgParam::text(term));
    const QByteArray sql = searchSql(inFolder, wanted.size(), query.excluded.size());
    auto rows = connection.query(sql.constData(), params);
    if (!rows)
        return rows.error();
    std::vector<SharedKeywordHit> hits;
    hits.reserve(std::size_t(rows->rowCount()));
    for (int row = 0; row < rows->rowCount(); ++row)
        hits.push_back({rows->integer(row, 0), rows->text(row, 1).toFloat()});
    return hits;
}

Result<std::vector<std::int64_t>> sharedPassagesOfDocumentsHolding(PgConnection& connection,
                                                                   const QStringList& terms) {
    if (terms.isEmpty())
        return std::vector<std::int64_t>{};
    const QByteArray sql = "SELECT id FROM passages WHERE document_id IN (SELECT document_id "
                           "FROM passages WHERE words @@ (" +
                           anyOf(1, terms.size()) + ")) ORDER BY id";
    std::vector<PgParam> params;
    for (const QString& term : terms)
        params.push_back(PgParam::text(term));
    auto rows = connection.query(sql.constData(), params);
    if (!rows)
        return rows.error();
    return rows->integers(0);
}

} // namespace semsearch
