#pragma once

// Turns an index's database into one of schema version 2 (before the status-change times of
// version 3, the keyword index of version 4 and the passage places of version 5), as an older
// semsearch left it, through SQLite itself; and reads a database's schema version.

#include <QFile>
#include <QString>

#include <sqlite3.h>

#include "store/keyword_tokenizer.h"
#include "store/schema.h"

namespace semsearch::test {

inline bool execOn(const QString& database, const char* sql) {
    sqlite3* db = nullptr;
    // The keyword index's table cannot even be dropped on a connection without its tokenizer.
    bool ok = sqlite3_open_v2(QFile::encodeName(database).constData(), &db, SQLITE_OPEN_READWRITE,
                              nullptr) == SQLITE_OK &&
              registerKeywordTokenizer(db, database) &&
              sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

inline bool makeSchemaVersion2(const QString& database) {
    return execOn(database, "DROP TABLE passage_places; "
                            "DROP TRIGGER passage_keywords_insert; "
                            "DROP TRIGGER passage_keywords_delete; "
                            "DROP TRIGGER passage_keywords_update; "
                            "DROP TABLE passage_keywords; "
                            "ALTER TABLE documents DROP COLUMN changed_ms; "
                            "PRAGMA user_version = 2;");
}

// -1 when the database cannot be read.
inline int schemaVersionOf(const QString& database) {
    sqlite3* db = nullptr;
    sqlite3_stmt* statement = nullptr;
    int version = -1;
    if (sqlite3_open_v2(QFile::encodeName(database).constData(), &db, SQLITE_OPEN_READONLY,
                        nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        version = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return version;
}

} // namespace semsearch::test
