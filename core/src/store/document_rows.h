#pragma once

// How documents and passages are read from their tables, shared by the files of
// SqliteDocuments (sqlite_documents.cpp: documents; sqlite_passages.cpp: passages and vectors).

#include "semsearch/store_records.h"

#include "store/sqlite_statement.h"

namespace semsearch {

struct StoreConnection;

#define SEMSEARCH_DOCUMENT_COLUMNS                                                                 \
    "id, path, size, modified_ms, content_hash, encoding, indexed_at_ms, passage_count, "          \
    "changed_ms"
// A passage with its place (schema version 5), when it has one; read FROM
// SEMSEARCH_PASSAGES_WITH_PLACES.
#define SEMSEARCH_PASSAGE_COLUMNS                                                                  \
    "p.id, p.document_id, p.ordinal, p.byte_start, p.byte_end, p.line, p.text, "                   \
    "coalesce(pp.page, 0), coalesce(pp.section, '')"
#define SEMSEARCH_PASSAGES_WITH_PLACES                                                             \
    "passages p LEFT JOIN passage_places pp ON pp.passage_id = p.id"

// A row of SEMSEARCH_DOCUMENT_COLUMNS.
DocumentRecord readDocument(const SqliteStatement& row);
// A row of SEMSEARCH_PASSAGE_COLUMNS.
PassageRecord readPassage(const SqliteStatement& row);

// Corrupt: the stored vector of `passageId` has `bytes` bytes where `dim` floats belong.
Error vectorSizeError(const StoreConnection& connection, std::int64_t passageId, int bytes,
                      int dim);

} // namespace semsearch
