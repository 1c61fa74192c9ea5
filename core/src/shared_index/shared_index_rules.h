#pragma once

// The rules a shared index keeps (shared_index_verify.h), as SQL that both verify and repair
// use: verify counts what breaks them, repair mends it. One place, so that what repair mends is
// exactly what verify finds.

#include "shared_index/pg_connection.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace semsearch::shared_rules {

// Documents that cannot be searched as they are; each query returns the damaged documents'
// paths in column 0 and may use $1 = the model's bytes per vector.
struct DocumentRule {
    const char* damaged;
    const char* problem; // %1 = how many, %2 = the first path in byte order
};

inline const DocumentRule kDocumentRules[] = {
    {"SELECT DISTINCT d.path FROM passages p JOIN documents d ON d.id = p.document_id "
     "WHERE octet_length(p.vector) <> $1",
     "%1 documents have vectors of another size than the model's, e.g. %2"},
    {"SELECT d.path FROM documents d WHERE d.path <> d.source AND "
     "left(d.path, length(rtrim(d.source, '/')) + 1) <> rtrim(d.source, '/') || '/'",
     "%1 documents lie outside their source's folder, e.g. %2"},
    {"SELECT d.path FROM documents d LEFT JOIN ("
     "  SELECT document_id, count(*) AS n, min(ordinal) AS first, max(ordinal) AS last "
     "  FROM passages GROUP BY document_id) p ON p.document_id = d.id "
     "WHERE coalesce(p.n, 0) <> d.passage_count OR (p.n > 0 AND (p.first <> 0 OR "
     "p.last <> p.n - 1))",
     "%1 documents do not hold the passages their count says, in order from 0, e.g. %2"},
};

// The parameters of `rule`'s query: $1 when it uses it (the server refuses a parameter that
// the statement does not use).
inline std::vector<PgParam> parameters(const DocumentRule& rule, int dimension) {
    if (std::strstr(rule.damaged, "$1") == nullptr)
        return {};
    return {PgParam::integer(std::int64_t(dimension) * 4)};
}

// The passages a searcher's cache holds after replaying the whole change log (every id added,
// less every id removed), as the CTE "live(id)"; a statement follows it.
inline constexpr const char* kLivePassages =
    "WITH added AS (SELECT DISTINCT unnest(added) AS id FROM changes), "
    "removed AS (SELECT DISTINCT unnest(removed) AS id FROM changes), "
    "live AS (SELECT id FROM added EXCEPT SELECT id FROM removed) ";

// After kLivePassages: passages the log never announced, and announced passages that are gone.
inline constexpr const char* kUnannouncedPassages =
    "SELECT p.id, d.path FROM passages p JOIN documents d ON d.id = p.document_id "
    "WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.id = p.id)";
inline constexpr const char* kVanishedPassages =
    "SELECT l.id FROM live l WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.id = l.id)";

// Generations missing below the last one (searchers cannot tell a gap from a change they
// missed); the query returns them ascending.
inline constexpr const char* kMissingGenerations =
    "SELECT g FROM generate_series(1, (SELECT coalesce(max(generation), 0) FROM changes)) g "
    "WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.generation = g) ORDER BY g";

} // namespace semsearch::shared_rules
