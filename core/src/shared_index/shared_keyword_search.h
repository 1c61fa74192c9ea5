#pragma once

// Keyword search in a shared index, on the server: PostgreSQL's full-text search over the
// passages' words (schema version 2, pg_schema.cpp says how they are cut and where that
// differs from the local keyword index). The terms are those of the query language
// (pipeline/search_query.h), taken as plain lists so that this library needs nothing of the
// engine's:
//   words     any of them may match (OR, as the local keyword search)
//   phrases   any of them may match; a phrase matches its words adjacent and in order
//   excluded  words or phrases; a document holding any of them, in any passage, is left out
//             entirely
// Each term is cut into words by the server itself (phraseto_tsquery('simple', term)), bound
// as a parameter: no user text becomes SQL or tsquery syntax, so "'; drop table", ":*" or "&|!"
// find what their words find. A word the server cuts into several (e.g. "snake_case") matches
// those parts adjacent and in order. Terms without any word (punctuation only) match nothing;
// a query without words or phrases finds nothing and does not reach the server.
//
// Scores are ts_rank_cd (cover density: more and closer occurrences rank higher), not BM25 as
// locally; compare them with each other only. Positions of the matches are not returned (the
// client highlights).
//
// Reads need only SELECT (a read-only role can search). Errors are PgConnection's
// (pg_connection.h). One statement: runs inside the connection's transaction if there is one.

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace semsearch {

class PgConnection;

struct SharedKeywordQuery {
    QStringList words;
    QStringList phrases;
    QStringList excluded;
    QString folder; // only documents at or inside this folder; "" or "/" for all
    int k = 10;     // at most this many passages; none when k <= 0
};

struct SharedKeywordHit {
    std::int64_t passageId = 0;
    float score = 0; // ts_rank_cd, larger is better
};

// The best `query.k` passages, best first, ties by ascending id.
Result<std::vector<SharedKeywordHit>> sharedKeywordSearch(PgConnection& connection,
                                                          const SharedKeywordQuery& query);

// The passages of every document holding any of `terms` (words or phrases, cut as above),
// ascending: what a search by meaning leaves out for a query's excluded terms. None when
// `terms` is empty (without asking the server).
Result<std::vector<std::int64_t>> sharedPassagesOfDocumentsHolding(PgConnection& connection,
                                                                   const QStringList& terms);

} // namespace semsearch
