#pragma once

// The fixture of the store's tests (tests/core/test_store*.cpp): every test works in a fresh
// temporary folder with a new database (newStore), and plants damage or reads what the store
// wrote through a second, raw SQLite connection (RawDatabase), as another program would. Test
// data: a small model identity, documents, passages, and vectors whose values catch any
// conversion.

#include "semsearch/store.h"

#include <sqlite3.h>

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

using namespace semsearch;

inline constexpr int kDim = 8;

// A raw connection for planting damage and reading what the store wrote.
class RawDatabase {
public:
    explicit RawDatabase(const QString& path) {
        m_ok = sqlite3_open_v2(QFile::encodeName(path).constData(), &m_db,
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK;
        sqlite3_busy_timeout(m_db, 5000);
    }
    ~RawDatabase() { sqlite3_close(m_db); }
    RawDatabase(const RawDatabase&) = delete;
    RawDatabase& operator=(const RawDatabase&) = delete;

    sqlite3* handle() const { return m_db; }
    bool exec(const char* sql) {
        char* message = nullptr;
        const bool ok = m_ok && sqlite3_exec(m_db, sql, nullptr, nullptr, &message) == SQLITE_OK;
        if (!ok)
            qWarning("raw SQL failed: %s: %s", sql, message ? message : "cannot open");
        sqlite3_free(message);
        return ok;
    }
    std::int64_t integer(const char* sql) {
        sqlite3_stmt* statement = nullptr;
        std::int64_t value = -1;
        if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) == SQLITE_OK &&
            sqlite3_step(statement) == SQLITE_ROW)
            value = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
        return value;
    }

private:
    sqlite3* m_db = nullptr;
    bool m_ok = false;
};

inline ModelIdentity testModel(int dimension = kDim) {
    ModelIdentity model;
    model.name = QStringLiteral("test-model");
    model.dimension = dimension;
    model.pooling = QStringLiteral("max");
    model.normalize = true;
    model.weightsFingerprint = QStringLiteral("0123abcd");
    return model;
}

inline DocumentRecord document(const QString& path, std::int64_t modifiedMs = 1000) {
    DocumentRecord record;
    record.path = path;
    record.size = 1234;
    record.modifiedMs = modifiedMs;
    record.changedMs = modifiedMs + 7;
    record.contentHash = QByteArray::fromHex("00ff10ee20dd");
    record.encoding = QStringLiteral("UTF-8");
    record.indexedAtMs = 5000;
    return record;
}

inline std::vector<PassageRecord> passageList(int count, const QString& tag = QStringLiteral("p")) {
    std::vector<PassageRecord> passages;
    for (int i = 0; i < count; ++i) {
        PassageRecord passage;
        passage.byteStart = 100 * i;
        passage.byteEnd = 100 * i + 90;
        passage.line = 1 + 3 * i;
        passage.text = QStringLiteral("%1 %2: naïve café ✓ 🙂").arg(tag).arg(i);
        passages.push_back(passage);
    }
    return passages;
}

// Values chosen to catch any conversion: thirds, negative zero, the smallest subnormal, the
// largest float, infinity and a NaN with a payload.
inline std::vector<float> vectorRows(int rows, int seed) {
    std::vector<float> values(std::size_t(rows) * kDim);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = float(seed * 1000 + int(i)) / 3.0f;
    if (!values.empty()) {
        values[0] = -0.0f;
        if (values.size() > 5) {
            values[1] = std::numeric_limits<float>::denorm_min();
            values[2] = std::numeric_limits<float>::max();
            values[3] = -std::numeric_limits<float>::infinity();
            const std::uint32_t nanBits = 0x7fc12345u;
            std::memcpy(&values[4], &nanBits, sizeof nanBits);
        }
    }
    return values;
}

inline bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

inline std::vector<std::int64_t> idsOf(const std::vector<PassageRecord>& passages) {
    std::vector<std::int64_t> ids;
    for (const PassageRecord& passage : passages)
        ids.push_back(passage.id);
    return ids;
}

inline QStringList pathsOf(const std::vector<DocumentRecord>& documents) {
    QStringList paths;
    for (const DocumentRecord& record : documents)
        paths << record.path;
    return paths;
}

// The numbers of the pages of table or index `name` of type `type` ("leaf", "internal",
// "overflow"), from SQLite's dbstat table. The database must be closed by every store.
inline std::vector<int> pagesOf(const QString& path, const char* name, const char* type) {
    RawDatabase raw(path);
    std::vector<int> pages;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(raw.handle(),
                           "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = ?2 "
                           "ORDER BY pageno",
                           -1, &statement, nullptr) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 2, type, -1, SQLITE_STATIC);
        while (sqlite3_step(statement) == SQLITE_ROW)
            pages.push_back(sqlite3_column_int(statement, 0));
    }
    sqlite3_finalize(statement);
    return pages;
}

// Overwrites page `page` of the closed database with 0xFF bytes: no valid b-tree page type,
// and an overflow pointer past the end of the file.
inline bool damagePage(const QString& path, int page) {
    QFile file(path);
    constexpr int kPageSize = 4096;
    return file.open(QIODevice::ReadWrite) && file.seek(qint64(page - 1) * kPageSize) &&
           file.write(QByteArray(kPageSize, '\xff')) == kPageSize;
}

// Evaluates `expression` once (it often has side effects) and fails the test with its message.
#define REQUIRE_OK(expression)                                                                     \
    do {                                                                                           \
        const auto& result_ = (expression);                                                        \
        QVERIFY2(result_.ok(), result_.ok() ? "" : qPrintable(result_.error().message));           \
    } while (false)

inline QString databasePath(const QTemporaryDir& dir) {
    return dir.filePath(QStringLiteral("index.sqlite"));
}

// A new store with the test model recorded.
inline std::unique_ptr<SqliteStore> newStore(const QTemporaryDir& dir) {
    auto store = SqliteStore::open(databasePath(dir));
    if (!store) {
        qWarning("%s", qPrintable(store.error().message));
        return nullptr;
    }
    if (auto set = (*store)->metadata().setModelIdentity(testModel()); !set) {
        qWarning("%s", qPrintable(set.error().message));
        return nullptr;
    }
    return std::move(store).value();
}

// Checks that `error` has `code` and a one-line message naming `file` and saying `phrase`.
inline void expectError(const Error& error, ErrorCode code, const QString& file,
                        const QString& phrase) {
    QVERIFY2(error.message.contains(file),
             qPrintable(QStringLiteral("'%1' does not name %2").arg(error.message, file)));
    QVERIFY2(error.message.contains(phrase, Qt::CaseInsensitive),
             qPrintable(QStringLiteral("'%1' does not say '%2'").arg(error.message, phrase)));
    QVERIFY(!error.message.contains(QLatin1Char('\n')));
    QCOMPARE(int(error.code), int(code));
}
