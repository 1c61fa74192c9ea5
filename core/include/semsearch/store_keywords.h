#pragma once

// The keyword index: SQLite FTS5 over the passages' text, in the same database (schema version
// 4, see core/src/store/schema.h). One part of a SqliteStore (store.h), reached through
// SqliteStore::keywords(); it shares the store's connection and transaction, and the
// conventions and errors stated at the top of store.h.
//
// Triggers keep it in step with the passages: every write of a passage, by any code path
// (SqliteDocuments' writes, removal, the cascade from a document, salvage), changes the keyword
// index in the same statement and so in the same transaction, the commit stage's included. So
// this part only reads it, checks it and rebuilds it.
//
// Terms are words or phrases as the query language gives them (core/src/pipeline/
// search_query.h); each is looked up as an FTS5 phrase: its words, cut by the keyword tokenizer
// (core/src/store/keyword_tokenizer.h, which says what is and is not matched), in order and
// adjacent. A term whose words are in no passage simply matches nothing; no text of a term is
// ever read as FTS5 syntax.
//
// Errors: the store's; Corrupt also when the keyword index is damaged or missing (verify
// --repair rebuilds it).

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace semsearch {

struct StoreConnection;

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

class SqliteKeywords {
public:
    // Made by SqliteStore over its connection; not for other callers.
    explicit SqliteKeywords(StoreConnection& connection) : m_connection(connection) {}
    SqliteKeywords(const SqliteKeywords&) = delete;
    SqliteKeywords& operator=(const SqliteKeywords&) = delete;

    // `terms` without those that are one word found in more than half the passages, when
    // another term is one word found in at most half: BM25 gives a common word (almost) no
    // weight beside a rarer one, and its passages alone would trail the ranking, so a search
    // ranks and marks the rarer terms only. Phrases are always kept.
    Result<QStringList> withoutCommonWords(const QStringList& terms);
    // Passages matching any of `terms`, best first (ties by id), at most `limit`. With `allowed`
    // (passage ids, ascending) only those count. No terms or limit <= 0: none. Every term
    // counts: leave common words out first (withoutCommonWords) where they should not.
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
    // Sets each hit's documentId from the passages (0 for a passage that is gone).
    Result<void> fillDocuments(std::vector<KeywordHit>& hits);
    // The passages the keyword index holds. Counting a million rows costs milliseconds, so the
    // count is kept until the database changes: PRAGMA data_version tells of other connections'
    // commits, SQLite's total_changes of this connection's own writes.
    Result<std::int64_t> passageCount();

    StoreConnection& m_connection;
    std::optional<std::pair<std::int64_t, std::int64_t>> m_passagesCountedAt;
    std::int64_t m_passageCount = 0;
};

} // namespace semsearch
