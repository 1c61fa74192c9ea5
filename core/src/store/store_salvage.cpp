// SqliteStore::salvage: every readable row of a damaged store, copied into a new one.
//
// SQLite 3.40 (Debian 12) has no recovery API in its library (sqlite3_recover lives in the
// shell's sources, and the sqlite_dbpage table it needs is not compiled in), so this copies
// rows through ordinary queries, which read a table's b-tree in key order and stop at the first
// damaged page. A stretch of damage is stepped over by seeking past it: a seek that lands in
// a damaged page fails, one past it works, so the first key that can be read again is found by
// probing forward in doubling steps and then bisecting between the last failure and the first
// success. Tables keyed by text cannot be probed that way; they are read from both ends. The
// copies then keep only what is whole (see store.h), since a half-copied document would be
// taken as unchanged by the next indexing run and never made whole again.

#include "semsearch/store.h"

#include "store/store_connection.h"
#include "store/vector_blob.h"

#include <sqlite3.h>

#include <QFileInfo>

#include <limits>
#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace semsearch {

namespace {

// When the id sequence itself cannot be read, ids continue this far past the largest one seen:
// a passage id must never come back, and rows beyond the last readable one may have held ids
// up to the old sequence value.
constexpr std::int64_t kUnknownIdMargin = std::int64_t(1) << 32;

std::int64_t withMargin(std::int64_t id) {
    return id > std::numeric_limits<std::int64_t>::max() - kUnknownIdMargin
               ? std::numeric_limits<std::int64_t>::max()
               : id + kUnknownIdMargin;
}

// The store's metadata keys, looked up one by one when the meta table cannot be scanned.
const char* const kMetaKeys[] = {
    "vector_generation",        "saved_index_generation", "model_name",
    "model_dimension",          "model_pooling",          "model_normalize",
    "model_weights_fingerprint"};

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// A statement on the damaged database; null when it cannot even be compiled (the table is
// missing from an older schema, or the schema is damaged).
Statement prepareSource(sqlite3* db, const QByteArray& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.constData(), int(sql.size()), &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return nullptr;
    }
    return Statement(raw);
}

// Copies rows of one table from the damaged database into the new store.
class TableCopier {
public:
    TableCopier(sqlite3* from, sqlite3* to, const QString& toPath, QString table,
                QByteArray columns, QStringList& unreadable)
        : m_from(from), m_to(to), m_toPath(toPath), m_table(std::move(table)),
          m_columns(std::move(columns)), m_unreadable(unreadable) {}

    // A table with an integer key (the rowid): every row that can be read, from the end
    // backwards and from the start forwards, stepping over damaged stretches. Returns the
    // largest key the table holds or may have held (0 if none).
    Result<std::int64_t> copyByRowid(const QByteArray& key);
    // A table keyed by text: the rows readable from its start and from its end.
    Result<void> copyFromBothEnds(const QByteArray& key);
    // The rows with these keys, each looked up on its own.
    Result<void> copyKeys(const QByteArray& key, const char* const* keys, std::size_t count);
    // The stretches of keys [first, last] that copyByRowid could not read.
    const std::vector<std::pair<std::int64_t, std::int64_t>>& lostKeys() const { return m_lost; }

private:
    struct Scan {
        bool complete = false;      // read to the end
        bool any = false;           // at least one row read
        std::int64_t lastRowid = 0; // of the last row read (copyByRowid)
        QByteArray lastKey;         // of the last row read (copyFromBothEnds)
    };
    // Steps `select` to its end or its first failure, copying each row.
    Result<Scan> scan(sqlite3_stmt* select, bool rowidKey);
    Result<void> insert(sqlite3_stmt* row);
    // The first rowid >= `from`: std::nullopt when there is none; an error when the seek
    // meets damage.
    std::optional<std::optional<std::int64_t>> firstRowid(const QByteArray& key, std::int64_t from);
    // The smallest rowid > `failed` from which a seek works, or std::nullopt.
    std::optional<std::int64_t> readableAfter(const QByteArray& key, std::int64_t failed);
    // Forwards from the start up to `end` (exclusive; none: to the end of the table).
    Result<std::int64_t> stepForward(const QByteArray& key, std::optional<std::int64_t> end);
    // max(key), when the way to it can be read.
    std::optional<std::int64_t> largestRowid(const QByteArray& key);
    QString name() const { return m_table; }

    sqlite3* m_from;
    sqlite3* m_to;
    const QString& m_toPath;
    QString m_table;
    QByteArray m_columns;
    QStringList& m_unreadable;
    Statement m_insert;
    std::vector<std::pair<std::int64_t, std::int64_t>> m_lost;
    std::int64_t m_end = std::numeric_limits<std::int64_t>::max(); // bound of stepForward
};

Result<void> TableCopier::insert(sqlite3_stmt* row) {
    if (!m_insert) {
        const int count = sqlite3_column_count(row);
        QByteArray sql =
            "INSERT OR IGNORE INTO " + m_table.toUtf8() + "(" + m_columns + ") VALUES (";
        for (int i = 0; i < count; ++i)
            sql += (i ? ",?" : "?") + QByteArray::number(i + 1);
        sql += ")";
        sqlite3_stmt* raw = nullptr;
        if (const int rc = sqlite3_prepare_v2(m_to, sql.constData(), -1, &raw, nullptr);
            rc != SQLITE_OK) {
            sqlite3_finalize(raw);
            return sqliteError(m_to, rc, m_toPath, QStringLiteral("cannot copy %1").arg(name()));
        }
        m_insert.reset(raw);
    }
    sqlite3_reset(m_insert.get());
    for (int i = 0; i < sqlite3_column_count(row); ++i)
        sqlite3_bind_value(m_insert.get(), i + 1, sqlite3_column_value(row, i));
    if (const int rc = sqlite3_step(m_insert.get()); rc != SQLITE_DONE)
        return sqliteError(m_to, rc, m_toPath, QStringLiteral("cannot copy %1").arg(name()));
    return {};
}

Result<TableCopier::Scan> TableCopier::scan(sqlite3_stmt* select, bool rowidKey) {
    Scan scan;
    for (;;) {
        const int rc = sqlite3_step(select);
        if (rc == SQLITE_DONE) {
            scan.complete = true;
            return scan;
        }
        if (rc != SQLITE_ROW)
            return scan; // damage: the caller steps over it
        if (auto copied = insert(select); !copied)
            return copied.error();
        scan.any = true;
        // The key is the first column of every select here.
        if (rowidKey)
            scan.lastRowid = sqlite3_column_int64(select, 0);
        else
            scan.lastKey = QByteArray(static_cast<const char*>(sqlite3_column_blob(select, 0)),
                                      sqlite3_column_bytes(select, 0));
    }
}

std::optional<std::optional<std::int64_t>> TableCopier::firstRowid(const QByteArray& key,
                                                                   std::int64_t from) {
    Statement seek =
        prepareSource(m_from, "SELECT " + key + " FROM " + m_table.toUtf8() + " WHERE " + key +
                                  " >= ?1 AND " + key + " < ?2 ORDER BY " + key + " LIMIT 1");
    if (!seek)
        return std::nullopt;
    sqlite3_bind_int64(seek.get(), 1, from);
    sqlite3_bind_int64(seek.get(), 2, m_end);
    const int rc = sqlite3_step(seek.get());
    if (rc == SQLITE_DONE)
        return std::optional<std::int64_t>();
    if (rc != SQLITE_ROW)
        return std::nullopt;
    return std::optional<std::int64_t>(sqlite3_column_int64(seek.get(), 0));
}

std::optional<std::int64_t> TableCopier::readableAfter(const QByteArray& key, std::int64_t failed) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t step = 1;
    std::int64_t works = 0;
    for (;;) {
        if (failed > kMax - step || failed + step >= m_end)
            return std::nullopt;
        if (firstRowid(key, failed + step)) {
            works = failed + step;
            break;
        }
        failed += step;
        step = step > kMax / 2 ? kMax : step * 2;
    }
    while (works - failed > 1) {
        const std::int64_t middle = failed + (works - failed) / 2;
        (firstRowid(key, middle) ? works : failed) = middle;
    }
    return works;
}

Result<std::int64_t> TableCopier::copyByRowid(const QByteArray& key) {
    // From the end backwards first, as far as the damage nearest to it. A seek into a page
    // whose keys are out of order can land past rows that a plain scan still reads.
    Statement backward = prepareSource(m_from, "SELECT " + m_columns + " FROM " + m_table.toUtf8() +
                                                   " ORDER BY " + key + " DESC");
    if (!backward) {
        m_unreadable << QStringLiteral("%1: the table cannot be read").arg(name());
        m_lost.emplace_back(std::numeric_limits<std::int64_t>::min(),
                            std::numeric_limits<std::int64_t>::max());
        return 0;
    }
    auto tail = scan(backward.get(), true);
    if (!tail)
        return tail.error();
    if (tail->complete)
        return largestRowid(key).value_or(0);
    std::optional<std::int64_t> end;
    if (tail->any)
        end = tail->lastRowid; // the lowest key read backwards
    auto largest = stepForward(key, end);
    if (!largest)
        return largest.error();
    return std::max(*largest, largestRowid(key).value_or(0));
}

std::optional<std::int64_t> TableCopier::largestRowid(const QByteArray& key) {
    Statement q = prepareSource(m_from, "SELECT max(" + key + ") FROM " + m_table.toUtf8());
    if (q && sqlite3_step(q.get()) == SQLITE_ROW)
        return sqlite3_column_int64(q.get(), 0);
    return std::nullopt;
}

Result<std::int64_t> TableCopier::stepForward(const QByteArray& key,
                                              std::optional<std::int64_t> end) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    m_end = end.value_or(kMax);
    Statement select =
        prepareSource(m_from, "SELECT " + m_columns + " FROM " + m_table.toUtf8() + " WHERE " +
                                  key + " >= ?1 AND " + key + " < ?2 ORDER BY " + key);
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    std::int64_t largest = 0;
    while (select) {
        sqlite3_reset(select.get());
        sqlite3_bind_int64(select.get(), 1, from);
        sqlite3_bind_int64(select.get(), 2, m_end);
        auto scanned = scan(select.get(), true);
        if (!scanned)
            return scanned.error();
        if (scanned->any)
            largest = std::max(largest, scanned->lastRowid);
        if (scanned->complete || (scanned->any && scanned->lastRowid >= m_end - 1))
            return largest;
        // The first key not read yet.
        const std::int64_t next = scanned->any ? scanned->lastRowid + 1 : from;
        // A seek that works means the row it finds is damaged itself (its overflow pages):
        // skip that row alone. Otherwise skip the damaged stretch of the tree.
        if (auto first = firstRowid(key, next)) {
            if (!*first)
                return largest;
            m_unreadable << QStringLiteral("%1: the row with id %2").arg(name()).arg(**first);
            m_lost.emplace_back(**first, **first);
            from = **first + 1;
            continue;
        }
        const std::optional<std::int64_t> resume = readableAfter(key, next);
        if (!resume && !end) {
            m_unreadable << QStringLiteral("%1: every row from id %2 on").arg(name()).arg(next);
            m_lost.emplace_back(next, kMax);
            return std::max(largest, withMargin(next));
        }
        const std::int64_t last = resume ? *resume - 1 : m_end - 1;
        m_unreadable
            << QStringLiteral("%1: rows with ids %2 to %3").arg(name()).arg(next).arg(last);
        m_lost.emplace_back(next, last);
        largest = std::max(largest, last);
        if (!resume)
            return largest;
        from = *resume;
    }
    return largest;
}

Result<void> TableCopier::copyFromBothEnds(const QByteArray& key) {
    Statement forward = prepareSource(m_from, "SELECT " + m_columns + " FROM " + m_table.toUtf8() +
                                                  " ORDER BY " + key);
    if (!forward) {
        m_unreadable << QStringLiteral("%1: the table cannot be read").arg(name());
        return {};
    }
    auto head = scan(forward.get(), false);
    if (!head)
        return head.error();
    if (head->complete)
        return {};
    // Read back from the end as far as the damage; INSERT OR IGNORE keeps rows read twice once.
    Statement backward = prepareSource(m_from, "SELECT " + m_columns + " FROM " + m_table.toUtf8() +
                                                   " ORDER BY " + key + " DESC");
    if (backward)
        if (auto tail = scan(backward.get(), false); !tail)
            return tail.error();
    m_unreadable
        << QStringLiteral("%1: rows after '%2'").arg(name(), QString::fromUtf8(head->lastKey));
    return {};
}

Result<void> TableCopier::copyKeys(const QByteArray& key, const char* const* keys,
                                   std::size_t count) {
    Statement select = prepareSource(m_from, "SELECT " + m_columns + " FROM " + m_table.toUtf8() +
                                                 " WHERE " + key + " = ?1");
    for (std::size_t i = 0; select && i < count; ++i) {
        sqlite3_reset(select.get());
        sqlite3_bind_text(select.get(), 1, keys[i], -1, SQLITE_STATIC);
        if (auto scanned = scan(select.get(), false); !scanned)
            return scanned.error();
    }
    return {};
}

// Keeps in the new store only what is whole, and moves its counters past the old ones.
class SalvagedStore {
public:
    SalvagedStore(sqlite3* db, const QString& path, SalvageReport& report)
        : m_db(db), m_path(path), m_report(report) {}

    Result<void> dropOrphanedPassages();
    Result<void> dropBrokenDocuments();
    // Drops the documents with a passage text or section that is not valid UTF-8 text.
    Result<void> dropDocumentsWithGarbledText();
    // Drops the documents of passages whose place may be among `lost` (passage id stretches
    // of passage_places that could not be read), then the places of passages not kept.
    Result<void>
    dropDocumentsWithLostPlaces(const std::vector<std::pair<std::int64_t, std::int64_t>>& lost);
    Result<void> continueCounters(std::optional<std::int64_t> oldSequence,
                                  std::int64_t largestPassageId);
    Result<void> count();

private:
    Result<std::int64_t> integer(const char* sql);
    // The meta value of `key`, std::nullopt when there is none.
    Result<std::optional<QString>> meta(const char* key);
    // Deletes the documents listed by `select` (id, path; `parameters` bound to ?1, ?2, ...)
    // with their passages, and notes them.
    Result<void> dropDocuments(const char* select, const std::vector<std::int64_t>& parameters);

    sqlite3* m_db;
    const QString& m_path;
    SalvageReport& m_report;
};

Result<std::int64_t> SalvagedStore::integer(const char* sql) {
    auto q = SqliteStatement::prepare(m_db, sql, m_path);
    if (!q)
        return q.error();
    auto row = q->step();
    if (!row)
        return row.error();
    return *row ? q->columnInt64(0) : 0;
}

Result<std::optional<QString>> SalvagedStore::meta(const char* key) {
    auto q = SqliteStatement::prepare(m_db, "SELECT value FROM meta WHERE key = ?1", m_path);
    if (!q)
        return q.error();
    q->bind(1, QString::fromLatin1(key));
    auto row = q->step();
    if (!row)
        return row.error();
    return *row ? std::optional<QString>(q->columnText(0)) : std::nullopt;
}

Result<void> SalvagedStore::dropOrphanedPassages() {
    auto documents = integer("SELECT count(DISTINCT document_id) FROM passages "
                             "WHERE document_id NOT IN (SELECT id FROM documents)");
    if (!documents)
        return documents.error();
    auto passages = integer("SELECT count(*) FROM passages "
                            "WHERE document_id NOT IN (SELECT id FROM documents)");
    if (!passages)
        return passages.error();
    m_report.unreadableDocuments = *documents;
    m_report.orphanedPassages = *passages;
    return executeSql(
        m_db, "DELETE FROM passages WHERE document_id NOT IN (SELECT id FROM documents)", m_path);
}

Result<void> SalvagedStore::dropDocuments(const char* select,
                                          const std::vector<std::int64_t>& parameters) {
    auto q = SqliteStatement::prepare(m_db, select, m_path);
    if (!q)
        return q.error();
    for (std::size_t i = 0; i < parameters.size(); ++i)
        q->bind(int(i + 1), parameters[i]);
    auto found = collectRows<std::pair<std::int64_t, QString>>(*q, [](const SqliteStatement& row) {
        return std::pair(row.columnInt64(0), row.columnText(1));
    });
    if (!found)
        return found.error();
    std::vector<std::int64_t> ids;
    for (const auto& [id, path] : *found) {
        ids.push_back(id);
        m_report.droppedDocuments << path;
    }
    for (const char* sql :
         {"DELETE FROM passages WHERE document_id = ?1", "DELETE FROM documents WHERE id = ?1"}) {
        auto remove = SqliteStatement::prepare(m_db, sql, m_path);
        if (!remove)
            return remove.error();
        for (std::int64_t id : ids) {
            remove->reset();
            remove->bind(1, id);
            if (auto done = remove->run(); !done)
                return done;
        }
    }
    return {};
}

Result<void> SalvagedStore::dropBrokenDocuments() {
    auto name = meta("model_name");
    auto dimensionText = meta("model_dimension");
    if (!name || !dimensionText)
        return !name ? name.error() : dimensionText.error();
    bool valid = false;
    const int dimension = dimensionText->value_or(QString()).toInt(&valid);
    if (!*name || !valid || dimension <= 0 || dimension > (1 << 20)) {
        // Vectors of an unknown model cannot be kept: the next run would mix them with its own.
        m_report.modelIdentityLost = true;
        for (const char* sql : {"DELETE FROM meta WHERE key LIKE 'model\\_%' ESCAPE '\\'"})
            if (auto done = executeSql(m_db, sql, m_path); !done)
                return done;
        return dropDocuments("SELECT id, path FROM documents ORDER BY path", {});
    }
    // The same invariants as check(): every passage there, ordinals 0..n-1, vectors of the
    // model's size, ordered byte ranges.
    return dropDocuments(
        "SELECT d.id, d.path FROM documents d LEFT JOIN passages p ON p.document_id = d.id "
        "GROUP BY d.id HAVING d.passage_count != count(p.id) OR (count(p.id) > 0 AND ("
        "min(p.ordinal) != 0 OR max(p.ordinal) != count(p.id) - 1 OR "
        "count(DISTINCT p.ordinal) != count(p.id) OR "
        "sum(typeof(p.vector) != 'blob' OR length(p.vector) != ?1) > 0 OR "
        "sum(p.byte_start < 0 OR p.byte_end < p.byte_start) > 0)) ORDER BY d.path",
        {std::int64_t(dimension) * std::int64_t(kBytesPerComponent)});
}

// Damage inside a row's bytes goes unnoticed by SQLite, which keeps no checksums, and the next
// indexing run would keep such a document, its file being unchanged. The store writes text
// from QString, always valid UTF-8, so a text that is not has been overwritten (and most likely
// the vector stored after it too).
Result<void> SalvagedStore::dropDocumentsWithGarbledText() {
    auto q = SqliteStatement::prepare(
        m_db,
        "SELECT p.document_id, typeof(p.text) = 'text' AND typeof(coalesce(pp.section, '')) = "
        "'text', CAST(p.text AS BLOB), CAST(coalesce(pp.section, '') AS BLOB) FROM passages p "
        "LEFT JOIN passage_places pp ON pp.passage_id = p.id",
        m_path);
    if (!q)
        return q.error();
    std::set<std::int64_t> garbled;
    for (;;) {
        auto row = q->step();
        if (!row)
            return row.error();
        if (!*row)
            break;
        if (q->columnInt64(1) == 0 || !QByteArrayView(q->columnBlob(2)).isValidUtf8() ||
            !QByteArrayView(q->columnBlob(3)).isValidUtf8())
            garbled.insert(q->columnInt64(0));
    }
    for (std::int64_t id : garbled)
        if (auto dropped = dropDocuments("SELECT id, path FROM documents WHERE id = ?1", {id});
            !dropped)
            return dropped;
    return {};
}

Result<void> SalvagedStore::dropDocumentsWithLostPlaces(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& lost) {
    for (const auto& [first, last] : lost)
        if (auto dropped =
                dropDocuments("SELECT DISTINCT d.id, d.path FROM documents d JOIN passages p ON "
                              "p.document_id = d.id WHERE p.id BETWEEN ?1 AND ?2 ORDER BY d.path",
                              {first, last});
            !dropped)
            return dropped;
    return executeSql(
        m_db, "DELETE FROM passage_places WHERE passage_id NOT IN (SELECT id FROM passages)",
        m_path);
}

Result<void> SalvagedStore::continueCounters(std::optional<std::int64_t> oldSequence,
                                             std::int64_t largestPassageId) {
    const std::int64_t sequence =
        std::max(oldSequence.value_or(withMargin(largestPassageId)), largestPassageId);
    auto q = SqliteStatement::prepare(
        m_db, "INSERT OR REPLACE INTO sqlite_sequence(name, seq) VALUES ('passages', ?1)", m_path);
    if (!q)
        return q.error();
    // sqlite_sequence has no key: clear the row the copied inserts made first.
    if (auto cleared =
            executeSql(m_db, "DELETE FROM sqlite_sequence WHERE name = 'passages'", m_path);
        !cleared)
        return cleared;
    q->bind(1, sequence);
    if (auto done = q->run(); !done)
        return done;
    // A new generation, and no saved cache: every vector cache is rebuilt from what was kept.
    auto generation = meta("vector_generation");
    if (!generation)
        return generation.error();
    auto set = SqliteStatement::prepare(
        m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_generation', ?1)", m_path);
    if (!set)
        return set.error();
    set->bind(1, QString::number(generation->value_or(QString()).toLongLong() + 1));
    if (auto done = set->run(); !done)
        return done;
    return executeSql(m_db, "DELETE FROM meta WHERE key = 'saved_index_generation'", m_path);
}

Result<void> SalvagedStore::count() {
    const std::pair<const char*, std::int64_t*> counts[] = {
        {"SELECT count(*) FROM documents", &m_report.documents},
        {"SELECT count(*) FROM passages", &m_report.passages},
        {"SELECT count(*) FROM sources", &m_report.sources},
        {"SELECT count(*) FROM skipped", &m_report.skipped},
    };
    for (const auto& [sql, value] : counts) {
        auto n = integer(sql);
        if (!n)
            return n.error();
        *value = *n;
    }
    return {};
}

// The old id sequence of the passages, if it can be read.
std::optional<std::int64_t> oldPassageSequence(sqlite3* db) {
    Statement q = prepareSource(db, "SELECT seq FROM sqlite_sequence WHERE name = 'passages'");
    if (q && sqlite3_step(q.get()) == SQLITE_ROW)
        return sqlite3_column_int64(q.get(), 0);
    return std::nullopt;
}

// Opens the damaged database read-only and checks that its schema can be read at all.
Result<sqlite3*> openDamaged(const QString& path) {
    if (!QFileInfo::exists(path))
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": no such index file"));
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db,
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc == SQLITE_OK) {
        Statement schema = prepareSource(db, "SELECT count(*) FROM sqlite_master");
        if (schema && sqlite3_step(schema.get()) == SQLITE_ROW)
            return db;
    }
    Error error = sqliteError(db, rc == SQLITE_OK ? sqlite3_errcode(db) : rc, path,
                              QStringLiteral("nothing can be recovered"));
    sqlite3_close_v2(db);
    return makeError(ErrorCode::Corrupt, error.message);
}

// Copies what can be read from `from` into the new store `to` (inside its transaction), then
// keeps only what is whole.
Result<void> copyReadableRows(sqlite3* from, sqlite3* to, const QString& toPath,
                              SalvageReport& report) {
    // Orphaned passages are copied first and dropped before the commit; the new store's own
    // metadata rows give way to the old ones.
    if (auto set = executeSql(to, "PRAGMA defer_foreign_keys = ON; DELETE FROM meta", toPath); !set)
        return set;
    auto copier = [&](const char* table, const char* columns) {
        return TableCopier(from, to, toPath, QString::fromLatin1(table), columns,
                           report.unreadable);
    };
    if (auto meta = copier("meta", "key, value").copyFromBothEnds("key"); !meta)
        return meta;
    if (auto meta = copier("meta", "key, value").copyKeys("key", kMetaKeys, std::size(kMetaKeys));
        !meta)
        return meta;
    if (auto sources = copier("sources", "path, added_ms, indexed_ms").copyFromBothEnds("path");
        !sources)
        return sources;
    if (auto skipped = copier("skipped", "path, reason, at_ms").copyFromBothEnds("path"); !skipped)
        return skipped;
    // changed_ms came with schema version 3; an older file has documents without it.
    const bool hasChangeTimes = prepareSource(from, "SELECT changed_ms FROM documents") != nullptr;
    const char* documentColumns = hasChangeTimes
                                      ? "id, path, size, modified_ms, content_hash, encoding, "
                                        "indexed_at_ms, passage_count, changed_ms"
                                      : "id, path, size, modified_ms, content_hash, encoding, "
                                        "indexed_at_ms, passage_count";
    if (auto documents = copier("documents", documentColumns).copyByRowid("id"); !documents)
        return documents.error();
    auto largest = copier("passages", "id, document_id, ordinal, byte_start, byte_end, line, "
                                      "text, vector")
                       .copyByRowid("id");
    if (!largest)
        return largest.error();
    // Places came with schema version 5. A place that cannot be read would leave its passage
    // without its page for good (its file is unchanged, so it is not read again): the documents
    // whose places may be among the lost ones go, like those that lost a passage.
    std::vector<std::pair<std::int64_t, std::int64_t>> lostPlaces;
    if (prepareSource(from, "SELECT passage_id, page, section FROM passage_places")) {
        TableCopier places = copier("passage_places", "passage_id, page, section");
        if (auto copied = places.copyByRowid("passage_id"); !copied)
            return copied.error();
        lostPlaces = places.lostKeys();
    }
    SalvagedStore kept(to, toPath, report);
    for (auto step : {&SalvagedStore::dropOrphanedPassages, &SalvagedStore::dropBrokenDocuments,
                      &SalvagedStore::dropDocumentsWithGarbledText})
        if (auto done = (kept.*step)(); !done)
            return done;
    if (auto done = kept.dropDocumentsWithLostPlaces(lostPlaces); !done)
        return done;
    report.droppedDocuments.sort();
    if (auto done = kept.continueCounters(oldPassageSequence(from), *largest); !done)
        return done;
    return kept.count();
}

} // namespace

Result<SalvageReport> SqliteStore::salvage(const QString& damagedPath, const QString& newPath) {
    if (QFileInfo::exists(newPath))
        return makeError(ErrorCode::InvalidArgument,
                         newPath + QStringLiteral(": already exists; salvage needs a new file"));
    auto damaged = openDamaged(damagedPath);
    if (!damaged)
        return damaged.error();
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> from(*damaged, sqlite3_close_v2);
    auto opened = open(newPath, StoreMode::ReadWrite);
    if (!opened)
        return opened.error();
    SalvageReport report;
    if (auto begun = (*opened)->begin(); !begun)
        return begun.error();
    if (auto done = copyReadableRows(from.get(), (*opened)->m_connection->db, newPath, report);
        !done) {
        (void)(*opened)->rollback();
        return done.error();
    }
    if (auto committed = (*opened)->commit(); !committed)
        return committed.error();
    return report;
}

} // namespace semsearch
