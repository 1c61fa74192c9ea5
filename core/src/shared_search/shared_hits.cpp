#include "shared_search/shared_hits.h"

#include "pipeline/document_grouping.h"

#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_reads.h"

namespace semsearch {

Result<std::vector<std::int64_t>> filteredPassageIds(PgConnection& connection,
                                                     const SearchFilter& filter) {
    // A prefix names a file or a folder: the path itself, or anything below it. starts_with
    // compares plain text, so '%' and '_' in a path are no wildcards.
    QString folder = filter.pathPrefix;
    if (!folder.isEmpty() && !folder.endsWith(QLatin1Char('/')))
        folder += QLatin1Char('/');
    QStringList extensions;
    for (const QString& extension : filter.extensions)
        extensions << extension.toLower();
    auto rows = connection.query(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id "
        "WHERE ($1 = '' OR d.path = $1 OR starts_with(d.path, $2)) "
        "AND (cardinality($3::text[]) = 0 OR lower(substring(d.path FROM '\\.([^./]*)$')) "
        "= ANY($3::text[])) "
        "AND ($4::bigint = 0 OR d.modified_ms >= $4::bigint) "
        "AND ($5::bigint = 0 OR d.modified_ms < $5::bigint) ORDER BY p.id",
        {PgParam::text(filter.pathPrefix), PgParam::text(folder), PgParam::texts(extensions),
         PgParam::integer(filter.modifiedAfterMs), PgParam::integer(filter.modifiedBeforeMs)});
    if (!rows)
        return rows.error();
    return rows->integers(0);
}

Result<std::vector<PassageHit>> resolveHits(PgConnection& connection,
                                            const std::vector<ScoredId>& scored,
                                            QHash<std::int64_t, std::int64_t>* modifiedMs) {
    std::vector<std::int64_t> ids;
    ids.reserve(scored.size());
    for (const ScoredId& hit : scored)
        ids.push_back(hit.id);
    auto found = sharedPassages(connection, ids);
    if (!found)
        return found.error();
    QHash<std::int64_t, const SharedPassage*> byId;
    for (const SharedPassage& passage : *found)
        byId.insert(passage.passage.id, &passage);
    std::vector<PassageHit> hits;
    hits.reserve(scored.size());
    for (const ScoredId& hit : scored) {
        const SharedPassage* shared = byId.value(hit.id);
        if (!shared)
            continue;
        const PassageRecord& passage = shared->passage;
        PassageHit result;
        result.passageId = passage.id;
        result.documentId = shared->document.id;
        result.path = shared->document.path;
        result.machine = shared->machine;
        result.score = hit.score;
        result.text = passage.text;
        result.line = passage.line;
        result.byteStart = passage.byteStart;
        result.byteEnd = passage.byteEnd;
        result.page = passage.page;
        result.section = passage.section;
        if (modifiedMs)
            modifiedMs->insert(shared->document.id, shared->document.modifiedMs);
        hits.push_back(std::move(result));
    }
    return hits;
}

std::vector<DocumentHit> documentsOf(std::vector<PassageHit> hits, int limit, int perDocument,
                                     const QHash<std::int64_t, std::int64_t>& modifiedMs) {
    std::vector<DocumentHit> documents = groupByDocument(std::move(hits), limit, perDocument);
    for (DocumentHit& document : documents)
        document.modifiedMs = modifiedMs.value(document.documentId);
    return documents;
}

} // namespace semsearch
