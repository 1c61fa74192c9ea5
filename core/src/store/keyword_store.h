#pragma once

// The keyword index of a store: SQLite FTS5 over the passages' text, in the same database (see
// schema.h, version 4). Triggers keep it in step with the passages inside every transaction
// that writes them, so this class only reads it, checks it and rebuilds it. It works on the
// store's own connection; like the store, it is not thread-safe.
//
// Terms are words or phrases as the query language gives them (search_query.h); each is looked
// up as an FTS5 phrase: its words, cut by the keyword tokenizer (keyword_tokenizer.h), in order
// and adjacent. A term whose words are in no passage simply matches nothing.
//
// Errors are the store's (see store.h): Corrupt when the keyword index is damaged or missing
// (verify --repair rebuilds it), Io, Busy.

#include "semsearch/error.h"
#include "semsearch/store.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace semsearch {

struct KeywordHit {
    std::int64_t passageId = 0;
    std::int64_t documentId = 0;
    double score = 0; // BM25 (FTS5's, k1 = 1.2, b = 0.75), larger is better; > 0
};

// A match of a term in a passage's text: [start, end) positions in PassageRecord::text.
struct TextRange {
    qsizetype start = 0;
    qsizetype end = 0;
};

class KeywordStore {
public:
    // `store` must outlive this object.
    explicit KeywordStore(SqliteStore& store);

    // Passages matching any of `terms`, best first (ties by id), at most `limit`. With `allowed`
    // (passage ids, ascending) only those count. No terms or limit <= 0: none.
    Result<std::vector<KeywordHit>> search(const QStringList& terms, int limit,
                                           const std::vector<std::int64_t>* allowed = nullptr);
    // Every passage matching any of `terms`, by ascending passage id (scores as in search()).
    Result<std::vector<KeywordHit>> allMatching(const QStringList& terms);
    // Where `terms` match in passage `passageId`, ascending and not overlapping; empty when they
    // do not match or the passage is gone. An identifier matched by one of its parts is marked
    // whole ("snake" marks all of "snake_case").
    Result<std::vector<TextRange>> matchesIn(std::int64_t passageId, const QStringList& terms);

    // Problems of the keyword index, one line each, empty when it agrees with the passages: its
    // table or triggers missing, passages it does not hold or rows of passages that are gone,
    // and (on a store open for writing, where FTS5's own check can run) words that differ from
    // the passages' text.
    Result<QStringList> check();
    // Recreates what is missing and fills the keyword index afresh from the passages, in one
    // transaction of its own (or the caller's). Writable stores only (InvalidArgument).
    Result<void> rebuild();
    // Bytes of database pages the keyword index takes (its FTS5 tables).
    Result<std::int64_t> sizeBytes();

private:
    SqliteStore& m_store;
};

} // namespace semsearch
