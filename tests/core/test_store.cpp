// The SQLite store: what goes in comes out bit for bit, replacements and removals leave nothing
// behind, ids are never reused, transactions are all-or-nothing, readers in other connections
// see only committed data, and damaged, foreign or newer files are refused with an error that
// names them. Every test works in a fresh temporary folder. Damage is planted through a second,
// raw SQLite connection, as another program would.

#include "semsearch/store.h"

#include "store/schema.h"

#include <sqlite3.h>

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace semsearch;

namespace {

constexpr int kDim = 8;

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

ModelIdentity testModel(int dimension = kDim) {
    ModelIdentity model;
    model.name = QStringLiteral("test-model");
    model.dimension = dimension;
    model.pooling = QStringLiteral("max");
    model.normalize = true;
    model.weightsFingerprint = QStringLiteral("0123abcd");
    return model;
}

DocumentRecord document(const QString& path, std::int64_t modifiedMs = 1000) {
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

std::vector<PassageRecord> passageList(int count, const QString& tag = QStringLiteral("p")) {
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
std::vector<float> vectorRows(int rows, int seed) {
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

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<std::int64_t> idsOf(const std::vector<PassageRecord>& passages) {
    std::vector<std::int64_t> ids;
    for (const PassageRecord& passage : passages)
        ids.push_back(passage.id);
    return ids;
}

QStringList pathsOf(const std::vector<DocumentRecord>& documents) {
    QStringList paths;
    for (const DocumentRecord& record : documents)
        paths << record.path;
    return paths;
}

// The numbers of the pages of table or index `name` of type `type` ("leaf", "internal",
// "overflow"), from SQLite's dbstat table. The database must be closed by every store.
std::vector<int> pagesOf(const QString& path, const char* name, const char* type) {
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
bool damagePage(const QString& path, int page) {
    QFile file(path);
    constexpr int kPageSize = 4096;
    return file.open(QIODevice::ReadWrite) && file.seek(qint64(page - 1) * kPageSize) &&
           file.write(QByteArray(kPageSize, '\xff')) == kPageSize;
}

} // namespace

// Evaluates `expression` once (it often has side effects) and fails the test with its message.
#define REQUIRE_OK(expression)                                                                     \
    do {                                                                                           \
        const auto& result_ = (expression);                                                        \
        QVERIFY2(result_.ok(), result_.ok() ? "" : qPrintable(result_.error().message));           \
    } while (false)

class TestStore : public QObject {
    Q_OBJECT

    QString databasePath(const QTemporaryDir& dir) const {
        return dir.filePath(QStringLiteral("index.sqlite"));
    }

    // A new store with the test model recorded.
    std::unique_ptr<SqliteStore> newStore(const QTemporaryDir& dir) {
        auto store = SqliteStore::open(databasePath(dir));
        if (!store) {
            qWarning("%s", qPrintable(store.error().message));
            return nullptr;
        }
        if (auto set = (*store)->setModelIdentity(testModel()); !set) {
            qWarning("%s", qPrintable(set.error().message));
            return nullptr;
        }
        return std::move(store).value();
    }

    void expectError(const Error& error, ErrorCode code, const QString& file,
                     const QString& phrase) {
        QVERIFY2(error.message.contains(file),
                 qPrintable(QStringLiteral("'%1' does not name %2").arg(error.message, file)));
        QVERIFY2(error.message.contains(phrase, Qt::CaseInsensitive),
                 qPrintable(QStringLiteral("'%1' does not say '%2'").arg(error.message, phrase)));
        QVERIFY(!error.message.contains(QLatin1Char('\n')));
        QCOMPARE(int(error.code), int(code));
    }

private Q_SLOTS:
    void newStoreIsEmptyAndAtCurrentSchema() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto identity = (*store)->modelIdentity();
        REQUIRE_OK(identity);
        QVERIFY(!identity->has_value());
        auto counts = (*store)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        QCOMPARE(counts->passages, 0);
        QCOMPARE(counts->skipped, 0);
        auto generation = (*store)->vectorGeneration();
        REQUIRE_OK(generation);
        QCOMPARE(*generation, 0);
        auto saved = (*store)->savedIndexGeneration();
        REQUIRE_OK(saved);
        QVERIFY(!saved->has_value());

        RawDatabase raw(databasePath(dir));
        QCOMPARE(raw.integer("PRAGMA user_version"), currentSchemaVersion());
        QCOMPARE(raw.integer("PRAGMA application_id"), 0x534d5352);
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE name IN ('documents', "
                             "'passages', 'skipped', 'meta', 'sources')"),
                 5);
    }

    void walModeAndForeignKeys() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        RawDatabase raw(databasePath(dir));
        sqlite3_stmt* statement = nullptr;
        QCOMPARE(sqlite3_prepare_v2(raw.handle(), "PRAGMA journal_mode", -1, &statement, nullptr),
                 SQLITE_OK);
        QCOMPARE(sqlite3_step(statement), SQLITE_ROW);
        QCOMPARE(
            QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))),
            QStringLiteral("wal"));
        sqlite3_finalize(statement);
    }

    void documentsPassagesAndVectorsRoundTrip() {
        QTemporaryDir dir;
        std::vector<std::int64_t> ids;
        const std::vector<float> vectors = vectorRows(3, 1);
        std::int64_t documentId = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(3);
            auto id = store->putDocument(document(QStringLiteral("/home/u/notes/a.md")), passages,
                                         vectors);
            REQUIRE_OK(id);
            documentId = *id;
            ids = idsOf(passages);
            QCOMPARE(ids.size(), std::size_t(3));
            QVERIFY(ids[0] > 0 && ids[0] < ids[1] && ids[1] < ids[2]);
            for (int i = 0; i < 3; ++i) {
                QCOMPARE(passages[i].documentId, documentId);
                QCOMPARE(passages[i].ordinal, i);
            }
        }
        // Everything below is read back through a new connection: it was really written.
        auto reopened = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(reopened);
        SqliteStore& store = **reopened;

        auto found = store.findDocument(QStringLiteral("/home/u/notes/a.md"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        const DocumentRecord& record = **found;
        QCOMPARE(record.id, documentId);
        QCOMPARE(record.path, QStringLiteral("/home/u/notes/a.md"));
        QCOMPARE(record.size, 1234);
        QCOMPARE(record.modifiedMs, 1000);
        QCOMPARE(record.changedMs, 1007);
        QCOMPARE(record.contentHash, QByteArray::fromHex("00ff10ee20dd"));
        QCOMPARE(record.encoding, QStringLiteral("UTF-8"));
        QCOMPARE(record.indexedAtMs, 5000);
        QCOMPARE(record.passageCount, 3);

        auto stored = store.passagesOfDocument(documentId);
        REQUIRE_OK(stored);
        QCOMPARE(stored->size(), std::size_t(3));
        for (int i = 0; i < 3; ++i) {
            const PassageRecord& passage = (*stored)[i];
            QCOMPARE(passage.id, ids[i]);
            QCOMPARE(passage.documentId, documentId);
            QCOMPARE(passage.ordinal, i);
            QCOMPARE(passage.byteStart, 100 * i);
            QCOMPARE(passage.byteEnd, 100 * i + 90);
            QCOMPARE(passage.line, 1 + 3 * i);
            QCOMPARE(passage.text, QStringLiteral("p %1: naïve café ✓ 🙂").arg(i));
        }

        auto read = store.vectorsOf(ids);
        REQUIRE_OK(read);
        QVERIFY2(sameBits(*read, vectors), "vectors changed on the way through the store");

        // Reversed order in, reversed order out.
        auto reversed = store.vectorsOf({ids[2], ids[0]});
        REQUIRE_OK(reversed);
        std::vector<float> expected(vectors.begin() + 2 * kDim, vectors.begin() + 3 * kDim);
        expected.insert(expected.end(), vectors.begin(), vectors.begin() + kDim);
        QVERIFY(sameBits(*reversed, expected));

        std::vector<std::int64_t> visited;
        std::vector<float> streamed;
        auto walked = store.forEachVector([&](std::int64_t id, const float* vector) {
            visited.push_back(id);
            streamed.insert(streamed.end(), vector, vector + kDim);
            return true;
        });
        REQUIRE_OK(walked);
        QCOMPARE(visited, ids);
        QVERIFY(sameBits(streamed, vectors));

        // passages(): in the order asked, unknown ids left out.
        auto some = store.passages({ids[2], 999999, ids[0]});
        REQUIRE_OK(some);
        QCOMPARE(some->size(), std::size_t(2));
        QCOMPARE((*some)[0].id, ids[2]);
        QCOMPARE((*some)[0].text, QStringLiteral("p 2: naïve café ✓ 🙂"));
        QCOMPARE((*some)[1].id, ids[0]);

        auto byIds = store.documentsByIds({424242, documentId});
        REQUIRE_OK(byIds);
        QCOMPARE(pathsOf(*byIds), QStringList{QStringLiteral("/home/u/notes/a.md")});

        auto byHash = store.findDocumentsByHash(QByteArray::fromHex("00ff10ee20dd"));
        REQUIRE_OK(byHash);
        QCOMPARE(pathsOf(*byHash), QStringList{QStringLiteral("/home/u/notes/a.md")});
        auto otherHash = store.findDocumentsByHash(QByteArray::fromHex("01"));
        REQUIRE_OK(otherHash);
        QVERIFY(otherHash->empty());

        auto unknown = store.vectorsOf({ids[0], 999999});
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));
    }

    void forEachVectorStopsWhenAsked() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(5);
        REQUIRE_OK(
            store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(5, 2)));
        int calls = 0;
        auto walked = store->forEachVector([&](std::int64_t, const float*) { return ++calls < 2; });
        REQUIRE_OK(walked);
        QCOMPARE(calls, 2);
    }

    void emptyDocumentRoundTrip() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        std::vector<PassageRecord> none;
        auto id = store->putDocument(document(QStringLiteral("/d/empty.txt")), none, {});
        REQUIRE_OK(id);
        auto found = store->findDocument(QStringLiteral("/d/empty.txt"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE((*found)->passageCount, 0);
        auto passages = store->passagesOfDocument(*id);
        REQUIRE_OK(passages);
        QVERIFY(passages->empty());
    }

    void replacingADocumentDeletesItsOldPassages() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        const QString path = QStringLiteral("/d/a.txt");
        auto first = passageList(3, QStringLiteral("old"));
        auto firstId = store->putDocument(document(path), first, vectorRows(3, 1));
        REQUIRE_OK(firstId);
        const std::vector<std::int64_t> oldIds = idsOf(first);

        auto second = passageList(2, QStringLiteral("new"));
        DocumentRecord changed = document(path, 7777);
        changed.size = 99;
        const std::vector<float> newVectors = vectorRows(2, 9);
        auto secondId = store->putDocument(changed, second, newVectors);
        REQUIRE_OK(secondId);
        QCOMPARE(*secondId, *firstId); // the document keeps its id

        auto gone = store->passages(oldIds);
        REQUIRE_OK(gone);
        QVERIFY2(gone->empty(), "old passages survived the replacement");
        auto stored = store->passagesOfDocument(*secondId);
        REQUIRE_OK(stored);
        QCOMPARE(stored->size(), std::size_t(2));
        QCOMPARE((*stored)[0].text, QStringLiteral("new 0: naïve café ✓ 🙂"));
        QCOMPARE(idsOf(*stored), idsOf(second));
        auto vectors = store->vectorsOf(idsOf(second));
        REQUIRE_OK(vectors);
        QVERIFY(sameBits(*vectors, newVectors));

        auto record = store->findDocument(path);
        REQUIRE_OK(record);
        QCOMPARE((*record)->passageCount, 2);
        QCOMPARE((*record)->size, 99);
        QCOMPARE((*record)->modifiedMs, 7777);
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 1);
        QCOMPARE(counts->passages, 2);
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void passageIdsAreNeverReused() {
        QTemporaryDir dir;
        std::int64_t highest = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(3);
            auto id =
                store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(3, 1));
            REQUIRE_OK(id);
            const std::vector<std::int64_t> ids = idsOf(passages);
            auto removed = store->removeDocument(*id);
            REQUIRE_OK(removed);
            QCOMPARE(*removed, ids);
            highest = ids.back();

            // The removed rows held the largest ids: a plain rowid table would hand them out
            // again.
            auto next = passageList(3);
            REQUIRE_OK(
                store->putDocument(document(QStringLiteral("/d/b")), next, vectorRows(3, 2)));
            for (std::int64_t id : idsOf(next))
                QVERIFY2(id > highest, qPrintable(QStringLiteral("id %1 reused").arg(id)));
            highest = idsOf(next).back();
            // Replacing deletes the largest ids too.
            auto replaced = passageList(1);
            REQUIRE_OK(
                store->putDocument(document(QStringLiteral("/d/b")), replaced, vectorRows(1, 3)));
            QVERIFY(replaced[0].id > highest);
            highest = replaced[0].id;
            auto b = store->findDocument(QStringLiteral("/d/b"));
            REQUIRE_OK(b);
            REQUIRE_OK(store->removeDocument((*b)->id));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto later = passageList(2);
        REQUIRE_OK(
            (*store)->putDocument(document(QStringLiteral("/d/c")), later, vectorRows(2, 4)));
        QVERIFY2(later[0].id > highest, "an id was reused after reopening");
    }

    void removeDocument() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(2);
        auto id = store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1));
        REQUIRE_OK(id);
        auto removed = store->removeDocument(*id);
        REQUIRE_OK(removed);
        QCOMPARE(*removed, idsOf(passages));
        auto found = store->findDocument(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QVERIFY(!found->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 0);

        auto again = store->removeDocument(*id);
        QVERIFY(!again.ok());
        QCOMPARE(int(again.error().code), int(ErrorCode::NotFound));
    }

    void documentsUnderTreatsThePrefixAsAFolder() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        // Inserted out of order; '-' and '.' sort before '/', 'c' after it.
        const QStringList paths = {
            QStringLiteral("/a/bc"), QStringLiteral("/a/b/d/e.txt"), QStringLiteral("/a/b.txt"),
            QStringLiteral("/a/b"),  QStringLiteral("/a/b-x/f"),     QStringLiteral("/a/b/c.txt"),
            QStringLiteral("/a/c"),  QStringLiteral("/a/b0"),        QStringLiteral("/z/é/ü.md"),
        };
        for (const QString& path : paths) {
            std::vector<PassageRecord> none;
            REQUIRE_OK(store->putDocument(document(path), none, {}));
        }
        auto under = [&](const QString& prefix) {
            auto documents = store->documentsUnder(prefix);
            return documents ? pathsOf(*documents) : QStringList{QStringLiteral("error")};
        };
        const QStringList inB = {QStringLiteral("/a/b"), QStringLiteral("/a/b/c.txt"),
                                 QStringLiteral("/a/b/d/e.txt")};
        QCOMPARE(under(QStringLiteral("/a/b")), inB);
        QCOMPARE(under(QStringLiteral("/a/b/")), inB);
        QCOMPARE(under(QStringLiteral("/a/bc")), QStringList{QStringLiteral("/a/bc")});
        QCOMPARE(under(QStringLiteral("/a/b/c.txt")), QStringList{QStringLiteral("/a/b/c.txt")});
        QCOMPARE(under(QStringLiteral("/a/b/d")), QStringList{QStringLiteral("/a/b/d/e.txt")});
        QCOMPARE(under(QStringLiteral("/z/é")), QStringList{QStringLiteral("/z/é/ü.md")});
        QCOMPARE(under(QStringLiteral("/nowhere")), QStringList());
        const QStringList all = {
            QStringLiteral("/a/b"),         QStringLiteral("/a/b-x/f"),
            QStringLiteral("/a/b.txt"),     QStringLiteral("/a/b/c.txt"),
            QStringLiteral("/a/b/d/e.txt"), QStringLiteral("/a/b0"),
            QStringLiteral("/a/bc"),        QStringLiteral("/a/c"),
            QStringLiteral("/z/é/ü.md"),
        };
        QCOMPARE(under(QString()), all);
        QCOMPARE(under(QStringLiteral("/")), all);
    }

    void copiedDocumentSharesVectorsUnderNewIds() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(2);
        const std::vector<float> vectors = vectorRows(2, 5);
        auto source =
            store->putDocument(document(QStringLiteral("/d/original.md")), passages, vectors);
        REQUIRE_OK(source);
        auto copy =
            store->putDocumentCopy(document(QStringLiteral("/d/renamed.md"), 4242), *source);
        REQUIRE_OK(copy);
        QVERIFY(*copy != *source);

        auto copied = store->passagesOfDocument(*copy);
        REQUIRE_OK(copied);
        QCOMPARE(copied->size(), std::size_t(2));
        for (int i = 0; i < 2; ++i) {
            const PassageRecord& passage = (*copied)[i];
            QVERIFY2(passage.id > passages[1].id, "a copy must get a new passage id");
            QCOMPARE(passage.documentId, *copy);
            QCOMPARE(passage.ordinal, i);
            QCOMPARE(passage.text, passages[i].text);
            QCOMPARE(passage.byteStart, passages[i].byteStart);
            QCOMPARE(passage.byteEnd, passages[i].byteEnd);
            QCOMPARE(passage.line, passages[i].line);
        }
        auto copiedVectors = store->vectorsOf(idsOf(*copied));
        REQUIRE_OK(copiedVectors);
        QVERIFY(sameBits(*copiedVectors, vectors));
        auto record = store->findDocument(QStringLiteral("/d/renamed.md"));
        REQUIRE_OK(record);
        QCOMPARE((*record)->passageCount, 2);
        QCOMPARE((*record)->modifiedMs, 4242);

        // The source is untouched.
        auto original = store->passagesOfDocument(*source);
        REQUIRE_OK(original);
        QCOMPARE(idsOf(*original), idsOf(passages));

        // Copying a document onto itself renews its passage ids and keeps its vectors.
        auto self = store->putDocumentCopy(document(QStringLiteral("/d/original.md")), *source);
        REQUIRE_OK(self);
        QCOMPARE(*self, *source);
        auto renewed = store->passagesOfDocument(*source);
        REQUIRE_OK(renewed);
        QCOMPARE(renewed->size(), std::size_t(2));
        auto renewedVectors = store->vectorsOf(idsOf(*renewed));
        REQUIRE_OK(renewedVectors);
        QVERIFY(sameBits(*renewedVectors, vectors));

        auto missing = store->putDocumentCopy(document(QStringLiteral("/d/x")), 987654);
        QVERIFY(!missing.ok());
        QCOMPARE(int(missing.error().code), int(ErrorCode::NotFound));
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void rollbackDiscards() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        QVERIFY(store->inTransaction());
        auto passages = passageList(2);
        REQUIRE_OK(
            store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1)));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/b.bin"), QStringLiteral("binary")));
        REQUIRE_OK(store->setMeta(QStringLiteral("note"), QStringLiteral("x")));
        REQUIRE_OK(store->rollback());
        QVERIFY(!store->inTransaction());

        auto found = store->findDocument(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QVERIFY(!found->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        QCOMPARE(counts->passages, 0);
        QCOMPARE(counts->skipped, 0);
        auto note = store->meta(QStringLiteral("note"));
        REQUIRE_OK(note);
        QVERIFY(!note->has_value());
    }

    void closingWithAnOpenTransactionDiscardsIt() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            REQUIRE_OK(store->begin());
            auto passages = passageList(1);
            REQUIRE_OK(
                store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1)));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto counts = (*store)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
        REQUIRE_OK((*store)->begin()); // the write lock was released
        REQUIRE_OK((*store)->commit());
    }

    void transactionCommitsAllTogether() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto reader = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(reader);
        REQUIRE_OK(store->begin());
        for (int i = 0; i < 3; ++i) {
            auto passages = passageList(1);
            REQUIRE_OK(store->putDocument(document(QStringLiteral("/d/%1").arg(i)), passages,
                                          vectorRows(1, i)));
            auto seen = (*reader)->counts();
            REQUIRE_OK(seen);
            QCOMPARE(seen->documents, 0);
        }
        REQUIRE_OK(store->commit());
        auto seen = (*reader)->counts();
        REQUIRE_OK(seen);
        QCOMPARE(seen->documents, 3);
    }

    void failedCallInsideATransactionLeavesTheRestIntact() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        auto passages = passageList(2);
        REQUIRE_OK(
            store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1)));
        // Fails after it has started writing (the source is looked up inside the transaction).
        auto failed = store->putDocumentCopy(document(QStringLiteral("/d/b")), 987654);
        QVERIFY(!failed.ok());
        auto partial = store->findDocument(QStringLiteral("/d/b"));
        REQUIRE_OK(partial);
        QVERIFY(!partial->has_value());
        REQUIRE_OK(store->commit());
        auto kept = store->findDocument(QStringLiteral("/d/a"));
        REQUIRE_OK(kept);
        QVERIFY(kept->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 1);
        QCOMPARE(counts->passages, 2);
    }

    // A call that fails after it has written part of its rows leaves none of them behind,
    // inside a transaction and outside. A trigger planted in the database makes the second
    // passage insert fail.
    void failedCallLeavesNoPartialRows() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        {
            RawDatabase raw(databasePath(dir));
            QVERIFY(
                raw.exec("CREATE TRIGGER poison BEFORE INSERT ON passages "
                         "WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"));
        }
        auto poisoned = [] {
            auto passages = passageList(2);
            passages[1].text = QStringLiteral("poison");
            return passages;
        };
        auto generation = store->vectorGeneration();
        REQUIRE_OK(generation);

        auto alone = poisoned();
        auto failedAlone =
            store->putDocument(document(QStringLiteral("/d/alone")), alone, vectorRows(2, 1));
        QVERIFY(!failedAlone.ok());
        QVERIFY(failedAlone.error().message.contains(QStringLiteral("poisoned")));

        REQUIRE_OK(store->begin());
        auto good = passageList(1);
        REQUIRE_OK(store->putDocument(document(QStringLiteral("/d/good")), good, vectorRows(1, 2)));
        auto inBatch = poisoned();
        auto failedInBatch =
            store->putDocument(document(QStringLiteral("/d/bad")), inBatch, vectorRows(2, 3));
        QVERIFY(!failedInBatch.ok());
        // Replacing an existing document fails the same way and keeps the old version.
        auto replacement = poisoned();
        QVERIFY(
            !store->putDocument(document(QStringLiteral("/d/good")), replacement, vectorRows(2, 4))
                 .ok());
        REQUIRE_OK(store->commit());

        auto documents = store->documentsUnder(QString());
        REQUIRE_OK(documents);
        QCOMPARE(pathsOf(*documents), QStringList{QStringLiteral("/d/good")});
        auto kept = store->passagesOfDocument(documents->front().id);
        REQUIRE_OK(kept);
        QCOMPARE(idsOf(*kept), idsOf(good));
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 1);
        auto after = store->vectorGeneration();
        REQUIRE_OK(after);
        QCOMPARE(*after, *generation + 1); // the one committed transaction
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void vectorGenerationGrowsOnCommittedChangesOnly() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto generation = [&] {
            auto value = store->vectorGeneration();
            return value ? *value : -1;
        };
        const std::int64_t start = generation();
        QVERIFY(start >= 0);

        auto passages = passageList(1);
        auto id = store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        REQUIRE_OK(id);
        const std::int64_t afterPut = generation();
        QVERIFY(afterPut > start);

        // A change inside a transaction shows only once committed.
        REQUIRE_OK(store->begin());
        auto more = passageList(1);
        REQUIRE_OK(store->putDocument(document(QStringLiteral("/d/b")), more, vectorRows(1, 2)));
        QCOMPARE(generation(), afterPut);
        REQUIRE_OK(store->rollback());
        QCOMPARE(generation(), afterPut);

        REQUIRE_OK(store->begin());
        REQUIRE_OK(store->putDocument(document(QStringLiteral("/d/b")), more, vectorRows(1, 2)));
        REQUIRE_OK(store->commit());
        const std::int64_t afterCommit = generation();
        QVERIFY(afterCommit > afterPut);

        // Changes that leave the vectors alone.
        REQUIRE_OK(store->updateDocumentStat(*id, document(QStringLiteral("/d/a"), 2)));
        REQUIRE_OK(store->setSavedIndexGeneration(afterCommit));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/c"), QStringLiteral("binary")));
        REQUIRE_OK(store->setMeta(QStringLiteral("k"), QStringLiteral("v")));
        REQUIRE_OK(store->setModelIdentity(testModel())); // the same identity again
        REQUIRE_OK(store->begin());
        REQUIRE_OK(store->commit());
        QCOMPARE(generation(), afterCommit);

        auto copy = store->putDocumentCopy(document(QStringLiteral("/d/copy")), *id);
        REQUIRE_OK(copy);
        const std::int64_t afterCopy = generation();
        QVERIFY(afterCopy > afterCommit);
        REQUIRE_OK(store->removeDocument(*copy));
        QVERIFY(generation() > afterCopy);

        auto saved = store->savedIndexGeneration();
        REQUIRE_OK(saved);
        QCOMPARE(saved->value_or(-1), afterCommit);
    }

    void passageFilters() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        struct File {
            QString path;
            std::int64_t modifiedMs;
            std::vector<std::int64_t> ids;
        };
        std::vector<File> files = {
            {QStringLiteral("/r/a.md"), 1000, {}},     {QStringLiteral("/r/B.TXT"), 2000, {}},
            {QStringLiteral("/r/sub/c.md"), 3000, {}}, {QStringLiteral("/s/d.md"), 4000, {}},
            {QStringLiteral("/r/e.rst"), 5000, {}},    {QStringLiteral("/r/f.mad"), 6000, {}},
            {QStringLiteral("/rr/g.md"), 7000, {}},    {QStringLiteral("/r/h.m_d"), 8000, {}},
        };
        for (File& file : files) {
            auto passages = passageList(2);
            REQUIRE_OK(store->putDocument(document(file.path, file.modifiedMs), passages,
                                          vectorRows(2, 1)));
            file.ids = idsOf(passages);
        }
        // The ids of the named files (by index into `files`), ascending.
        auto idsOfFiles = [&](std::initializer_list<int> which) {
            std::vector<std::int64_t> ids;
            for (int i : which)
                ids.insert(ids.end(), files[i].ids.begin(), files[i].ids.end());
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        auto select = [&](const SqliteStore::PassageFilter& filter) {
            auto ids = store->passageIds(filter);
            return ids ? *ids : std::vector<std::int64_t>{-1};
        };

        SqliteStore::PassageFilter filter;
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2, 3, 4, 5, 6, 7}));
        filter.pathPrefix = QStringLiteral("/r");
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2, 4, 5, 7}));
        filter.pathPrefix = QStringLiteral("/r/sub/");
        QCOMPARE(select(filter), idsOfFiles({2}));

        filter = {};
        filter.extensions = {QStringLiteral("md")};
        QCOMPARE(select(filter), idsOfFiles({0, 2, 3, 6}));
        filter.extensions = {QStringLiteral("txt")}; // B.TXT: case is ignored
        QCOMPARE(select(filter), idsOfFiles({1}));
        filter.extensions = {QStringLiteral("md"), QStringLiteral("rst")};
        QCOMPARE(select(filter), idsOfFiles({0, 2, 3, 4, 6}));
        filter.extensions = {QStringLiteral("m_d")}; // '_' is no wildcard: f.mad stays out
        QCOMPARE(select(filter), idsOfFiles({7}));
        filter.extensions = {QStringLiteral("d")}; // a suffix of "md" is not the extension
        QCOMPARE(select(filter), std::vector<std::int64_t>());

        filter = {};
        filter.modifiedAfterMs = 2000;
        QCOMPARE(select(filter), idsOfFiles({1, 2, 3, 4, 5, 6, 7}));
        filter.modifiedBeforeMs = 4000;
        QCOMPARE(select(filter), idsOfFiles({1, 2}));
        filter.modifiedAfterMs = 0;
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2}));

        filter = {};
        filter.pathPrefix = QStringLiteral("/r");
        filter.extensions = {QStringLiteral("md")};
        filter.modifiedAfterMs = 2000;
        QCOMPARE(select(filter), idsOfFiles({2}));
    }

    void modelIdentityRoundTrip() {
        QTemporaryDir dir;
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            REQUIRE_OK((*store)->setModelIdentity(testModel()));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto identity = (*store)->modelIdentity();
        REQUIRE_OK(identity);
        QVERIFY(identity->has_value());
        QCOMPARE((*identity)->name, QStringLiteral("test-model"));
        QCOMPARE((*identity)->dimension, kDim);
        QCOMPARE((*identity)->pooling, QStringLiteral("max"));
        QCOMPARE((*identity)->normalize, true);
        QCOMPARE((*identity)->weightsFingerprint, QStringLiteral("0123abcd"));

        // While the store is empty the model may change.
        ModelIdentity other = testModel(4);
        other.name = QStringLiteral("other");
        other.normalize = false;
        REQUIRE_OK((*store)->setModelIdentity(other));
        auto changed = (*store)->modelIdentity();
        REQUIRE_OK(changed);
        QCOMPARE((*changed)->dimension, 4);
        QCOMPARE((*changed)->normalize, false);

        // Once it holds vectors it may not.
        auto passages = passageList(1);
        std::vector<float> vector(4, 0.5f);
        REQUIRE_OK((*store)->putDocument(document(QStringLiteral("/d/a")), passages, vector));
        auto refused = (*store)->setModelIdentity(testModel());
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error().code), int(ErrorCode::Mismatch));
        QVERIFY(refused.error().message.contains(databasePath(dir)));

        ModelIdentity invalid = testModel(0);
        auto rejected = (*store)->setModelIdentity(invalid);
        QVERIFY(!rejected.ok());
        QCOMPARE(int(rejected.error().code), int(ErrorCode::InvalidArgument));
    }

    void putDocumentChecksItsArguments() {
        QTemporaryDir dir;
        auto bare = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(bare);
        auto passages = passageList(1);
        auto noModel =
            (*bare)->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        QVERIFY(!noModel.ok());
        QCOMPARE(int(noModel.error().code), int(ErrorCode::InvalidArgument));

        REQUIRE_OK((*bare)->setModelIdentity(testModel()));
        auto shortVectors = (*bare)->putDocument(document(QStringLiteral("/d/a")), passages,
                                                 std::vector<float>(kDim - 1, 1.0f));
        QVERIFY(!shortVectors.ok());
        QCOMPARE(int(shortVectors.error().code), int(ErrorCode::InvalidArgument));
        auto relative =
            (*bare)->putDocument(document(QStringLiteral("d/a")), passages, vectorRows(1, 1));
        QVERIFY(!relative.ok());
        QCOMPARE(int(relative.error().code), int(ErrorCode::InvalidArgument));
        auto counts = (*bare)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
    }

    void updateDocumentStatChangesOnlyTheStat() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(1);
        auto id = store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        REQUIRE_OK(id);
        DocumentRecord stat;
        stat.size = 555;
        stat.modifiedMs = 666;
        stat.changedMs = 777;
        stat.indexedAtMs = 888;
        stat.contentHash = "ignored";
        stat.encoding = QStringLiteral("ignored");
        REQUIRE_OK(store->updateDocumentStat(*id, stat));
        auto found = store->findDocument(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QCOMPARE((*found)->size, 555);
        QCOMPARE((*found)->modifiedMs, 666);
        QCOMPARE((*found)->changedMs, 777);
        QCOMPARE((*found)->indexedAtMs, 888);
        QCOMPARE((*found)->contentHash, QByteArray::fromHex("00ff10ee20dd"));
        QCOMPARE((*found)->encoding, QStringLiteral("UTF-8"));
        QCOMPARE((*found)->passageCount, 1);
        auto unknown = store->updateDocumentStat(987654, stat);
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));
    }

    void metaValues() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->setMeta(QStringLiteral("ui.sort"), QStringLiteral("score")));
        REQUIRE_OK(store->setMeta(QStringLiteral("ui.sort"), QStringLiteral("path")));
        auto value = store->meta(QStringLiteral("ui.sort"));
        REQUIRE_OK(value);
        QCOMPARE(value->value_or(QString()), QStringLiteral("path"));
        auto missing = store->meta(QStringLiteral("nothing"));
        REQUIRE_OK(missing);
        QVERIFY(!missing->has_value());
        for (const QString& reserved :
             {QStringLiteral("vector_generation"), QStringLiteral("saved_index_generation"),
              QStringLiteral("model_dimension")}) {
            auto refused = store->setMeta(reserved, QStringLiteral("7"));
            QVERIFY(!refused.ok());
            QCOMPARE(int(refused.error().code), int(ErrorCode::InvalidArgument));
        }
    }

    void skippedRecords() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        const std::int64_t before = QDateTime::currentMSecsSinceEpoch();
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/z.bin"), QStringLiteral("binary")));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/a.iso"), QStringLiteral("too large")));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/z.bin"), QStringLiteral("unreadable")));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/sub/x"), QStringLiteral("binary")));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/dd/y"), QStringLiteral("binary")));
        const std::int64_t after = QDateTime::currentMSecsSinceEpoch();

        auto records = store->skippedFiles();
        REQUIRE_OK(records);
        QCOMPARE(records->size(), std::size_t(4));
        QCOMPARE((*records)[0].path, QStringLiteral("/d/a.iso"));
        QCOMPARE((*records)[0].reason, QStringLiteral("too large"));
        QCOMPARE((*records)[1].path, QStringLiteral("/d/sub/x"));
        QCOMPARE((*records)[2].path, QStringLiteral("/d/z.bin"));
        QCOMPARE((*records)[2].reason, QStringLiteral("unreadable"));
        QCOMPARE((*records)[3].path, QStringLiteral("/dd/y"));
        for (const SkippedRecord& record : *records)
            QVERIFY(record.atMs >= before && record.atMs <= after);

        REQUIRE_OK(store->clearSkipped(QStringLiteral("/d/z.bin")));
        REQUIRE_OK(store->clearSkipped(QStringLiteral("/d/never-recorded")));
        auto afterOne = store->skippedFiles();
        REQUIRE_OK(afterOne);
        QCOMPARE(afterOne->size(), std::size_t(3));

        // A folder clears what lies in it, not its neighbour "/dd".
        REQUIRE_OK(store->clearSkipped(QStringLiteral("/d")));
        auto left = store->skippedFiles();
        REQUIRE_OK(left);
        QCOMPARE(left->size(), std::size_t(1));
        QCOMPARE(left->front().path, QStringLiteral("/dd/y"));
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->skipped, 1);
    }

    void checkFindsPlantedDamage() {
        QTemporaryDir dir;
        std::vector<std::int64_t> ids;
        std::int64_t damagedDocument = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            for (int d = 0; d < 4; ++d) {
                auto passages = passageList(3);
                auto id = store->putDocument(document(QStringLiteral("/d/%1.txt").arg(d)), passages,
                                             vectorRows(3, d));
                REQUIRE_OK(id);
                if (d == 1)
                    damagedDocument = *id;
                const auto more = idsOf(passages);
                ids.insert(ids.end(), more.begin(), more.end());
            }
            auto healthy = store->check();
            REQUIRE_OK(healthy);
            QCOMPARE(*healthy, QStringList());
        }
        {
            RawDatabase raw(databasePath(dir));
            const QByteArray shortVector =
                "UPDATE passages SET vector = x'0000803f' WHERE id = " + QByteArray::number(ids[0]);
            QVERIFY(raw.exec(shortVector.constData()));
            const QByteArray wrongCount =
                "UPDATE documents SET passage_count = 5 WHERE path = '/d/2.txt'";
            QVERIFY(raw.exec(wrongCount.constData()));
            const QByteArray wrongOrdinal =
                "UPDATE passages SET ordinal = 7 WHERE id = " + QByteArray::number(ids[4]);
            QVERIFY(raw.exec(wrongOrdinal.constData()));
            // Ordinals 0, 0, 2: the right count, least and greatest, yet one is missing.
            const QByteArray duplicateOrdinal =
                "UPDATE passages SET ordinal = 0 WHERE id = " + QByteArray::number(ids[10]);
            QVERIFY(raw.exec(duplicateOrdinal.constData()));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto problems = (*store)->check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->size() == 4, qPrintable(problems->join(QLatin1Char('\n'))));
        const QString all = problems->join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("passage %1 ").arg(ids[0])) &&
                     all.contains(QStringLiteral("4 bytes")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("/d/2.txt")) &&
                     all.contains(QStringLiteral("records 5 passages but has 3")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("document %1 ").arg(damagedDocument)) &&
                     all.contains(QStringLiteral("ordinals")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("/d/3.txt): passage ordinals")), qPrintable(all));
        for (const QString& line : *problems)
            QVERIFY(line.contains(databasePath(dir)));

        // Reading the damaged vector fails with Corrupt instead of handing out garbage.
        auto vectors = (*store)->vectorsOf({ids[0]});
        QVERIFY(!vectors.ok());
        QCOMPARE(int(vectors.error().code), int(ErrorCode::Corrupt));
        auto walked = (*store)->forEachVector([](std::int64_t, const float*) { return true; });
        QVERIFY(!walked.ok());
        QCOMPARE(int(walked.error().code), int(ErrorCode::Corrupt));
    }

    // A store of 120 documents "/d/000.txt" ... of 4 passages each, one source and one skip
    // record, closed (so its WAL is folded into the file and dbstat sees the final pages).
    void fillForSalvage(const QTemporaryDir& dir, QString longText = {}) {
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        for (int d = 0; d < 120; ++d) {
            auto passages = passageList(4, QStringLiteral("doc%1").arg(d));
            if (d == 60 && !longText.isEmpty())
                passages[2].text = longText; // spills into overflow pages
            REQUIRE_OK(store->putDocument(
                document(QStringLiteral("/d/%1.txt").arg(d, 3, 10, QLatin1Char('0'))), passages,
                vectorRows(4, d)));
        }
        REQUIRE_OK(store->addSource(QStringLiteral("/d")));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/x.bin"), QStringLiteral("binary")));
        REQUIRE_OK(store->commit());
    }

    // Every document of `salvaged` holds exactly what the original store held for it.
    void expectSameAsBefore(SqliteStore& salvaged, int expectedDocuments) {
        auto kept = salvaged.documentsUnder(QString());
        REQUIRE_OK(kept);
        QCOMPARE(int(kept->size()), expectedDocuments);
        for (const DocumentRecord& record : *kept) {
            const int d = QFileInfo(record.path).baseName().toInt();
            const auto passages = passageList(4, QStringLiteral("doc%1").arg(d));
            auto stored = salvaged.passagesOfDocument(record.id);
            REQUIRE_OK(stored);
            QCOMPARE(stored->size(), std::size_t(4));
            for (std::size_t i = 0; i < 4; ++i)
                if (!(d == 60 && i == 2))
                    QCOMPARE((*stored)[i].text, passages[i].text);
            auto vectors = salvaged.vectorsOf(idsOf(*stored));
            REQUIRE_OK(vectors);
            QVERIFY(sameBits(*vectors, vectorRows(4, d)));
        }
    }

    void quickCheckFindsDamage() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            auto healthy = (*store)->quickCheck();
            REQUIRE_OK(healthy);
            QCOMPARE(*healthy, QString());
        }
        const std::vector<int> leaves = pagesOf(databasePath(dir), "passages", "leaf");
        QVERIFY(leaves.size() > 4);
        QVERIFY(damagePage(databasePath(dir), leaves[leaves.size() / 2]));
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto damaged = (*store)->quickCheck();
        REQUIRE_OK(damaged);
        QVERIFY2(!damaged->isEmpty() && !damaged->contains(QLatin1Char('\n')),
                 qPrintable(*damaged));
    }

    // A damaged stretch of the passages: the documents that lost a passage are left out and
    // named, every other one is kept bit for bit, also those after the damage.
    void salvageKeepsEveryWholeDocument() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        std::int64_t largestId = 0;
        std::int64_t generation = 0;
        {
            RawDatabase raw(databasePath(dir));
            largestId = raw.integer("SELECT max(id) FROM passages");
            generation = raw.integer("SELECT value FROM meta WHERE key = 'vector_generation'");
        }
        const std::vector<int> leaves = pagesOf(databasePath(dir), "passages", "leaf");
        QVERIFY(leaves.size() > 4);
        QVERIFY(damagePage(databasePath(dir), leaves[leaves.size() / 2]));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->lostAnything());
        QVERIFY(!report->droppedDocuments.isEmpty());
        QVERIFY(report->droppedDocuments.size() < 20);
        QCOMPARE(report->documents + report->droppedDocuments.size(), 120);
        QCOMPARE(report->passages, report->documents * 4);
        QCOMPARE(report->sources, 1);
        QCOMPARE(report->skipped, 1);
        QCOMPARE(report->unreadableDocuments, 0);
        QVERIFY2(report->unreadable.size() == 1 &&
                     report->unreadable.front().startsWith(QStringLiteral("passages: rows")),
                 qPrintable(report->unreadable.join(QLatin1Char('\n'))));

        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        auto problems = (*salvaged)->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
        expectSameAsBefore(**salvaged, int(report->documents));
        for (const QString& path : report->droppedDocuments) {
            auto gone = (*salvaged)->findDocument(path);
            REQUIRE_OK(gone);
            QVERIFY(!gone->has_value());
        }
        auto model = (*salvaged)->modelIdentity();
        REQUIRE_OK(model);
        QVERIFY(model->has_value() &&
                (*model)->weightsFingerprint == testModel().weightsFingerprint);
        // Every cache is rebuilt, and no passage id comes back.
        auto newGeneration = (*salvaged)->vectorGeneration();
        REQUIRE_OK(newGeneration);
        QVERIFY(*newGeneration > generation);
        auto saved = (*salvaged)->savedIndexGeneration();
        REQUIRE_OK(saved);
        QVERIFY(!saved->has_value());
        auto passages = passageList(1);
        REQUIRE_OK((*salvaged)->putDocument(document(QStringLiteral("/d/new.txt")), passages,
                                            vectorRows(1, 9)));
        QVERIFY(passages.front().id > largestId);
    }

    // Damage to an index b-tree only: every row is still in its table, so nothing is lost.
    void salvageAfterDamageToAnIndexLosesNothing() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> pages = pagesOf(databasePath(dir), "passages_by_document", "leaf");
        QVERIFY(!pages.empty());
        QVERIFY(damagePage(databasePath(dir), pages.front()));
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            auto problems = (*store)->check();
            REQUIRE_OK(problems);
            QVERIFY(!problems->isEmpty());
        }
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY2(!report->lostAnything(), qPrintable(report->unreadable.join(QLatin1Char('\n'))));
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, 120);
    }

    // Unreadable document rows: their passages survive but cannot be placed.
    void salvageCountsDocumentsWhoseRowsAreUnreadable() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> leaves = pagesOf(databasePath(dir), "documents", "leaf");
        QVERIFY(leaves.size() >= 2);
        QVERIFY(damagePage(databasePath(dir), leaves.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->unreadableDocuments > 0);
        QCOMPARE(report->orphanedPassages, report->unreadableDocuments * 4);
        QCOMPARE(report->documents + report->unreadableDocuments, 120);
        QVERIFY(report->droppedDocuments.isEmpty());
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, int(report->documents));
    }

    // One row whose overflow pages are damaged: that row alone is lost, the scan goes on.
    void salvageStepsOverADamagedRow() {
        QTemporaryDir dir;
        // Long enough for a chain of overflow pages: damage to any page but the last breaks the
        // chain, which SQLite notices. (Damage inside a page's bytes, or to the last one, it
        // cannot notice: it keeps no checksums.)
        fillForSalvage(dir, QString(20000, QLatin1Char('w')));
        const std::vector<int> overflow = pagesOf(databasePath(dir), "passages", "overflow");
        QVERIFY(!overflow.empty());
        QVERIFY(damagePage(databasePath(dir), overflow.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QCOMPARE(report->droppedDocuments, QStringList{QStringLiteral("/d/060.txt")});
        QVERIFY2(report->unreadable.size() == 1 &&
                     report->unreadable.front().startsWith(QStringLiteral("passages: the row")),
                 qPrintable(report->unreadable.join(QLatin1Char('\n'))));
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, 119);
    }

    // Without the model identity no vector can be trusted: every document is left out, the
    // sources and skip records stay, and the next indexing run starts the vectors afresh.
    void salvageWithoutTheModelIdentityKeepsNoVectors() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> pages = pagesOf(databasePath(dir), "meta", "leaf");
        QCOMPARE(pages.size(), std::size_t(1));
        QVERIFY(damagePage(databasePath(dir), pages.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->modelIdentityLost);
        QCOMPARE(report->droppedDocuments.size(), 120);
        QCOMPARE(report->documents, 0);
        QCOMPARE(report->sources, 1);
        QCOMPARE(report->skipped, 1);
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        auto model = (*salvaged)->modelIdentity();
        REQUIRE_OK(model);
        QVERIFY(!model->has_value());
        auto problems = (*salvaged)->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void salvageOfAFileThatIsNoDatabaseRecoversNothing() {
        QTemporaryDir dir;
        QFile file(databasePath(dir));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(8192, 'x'));
        file.close();
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        QVERIFY(!report.ok());
        expectError(report.error(), ErrorCode::Corrupt, databasePath(dir),
                    QStringLiteral("nothing can be recovered"));
        QVERIFY(!QFile::exists(salvagedPath));
    }

    void checkFindsOrphanedPassages() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(2);
            REQUIRE_OK(
                store->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1)));
        }
        {
            RawDatabase raw(databasePath(dir)); // foreign keys are off on a raw connection
            QVERIFY(raw.exec("DELETE FROM documents"));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto problems = (*store)->check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->size() == 2, qPrintable(problems->join(QLatin1Char('\n'))));
        QVERIFY(problems->join(QLatin1Char('\n')).contains(QStringLiteral("missing row")));
    }

    void garbageFileIsCorrupt_data() {
        QTest::addColumn<int>("mode");
        QTest::newRow("read-write") << int(StoreMode::ReadWrite);
        QTest::newRow("read-only") << int(StoreMode::ReadOnly);
    }
    void garbageFileIsCorrupt() {
        QFETCH(int, mode);
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("This is a plain text file, not a database.\n").repeated(200));
        file.close();
        auto store = SqliteStore::open(path, StoreMode(mode));
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::Corrupt, path, QStringLiteral("not a database"));
    }

    void foreignDatabaseIsRefused() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            QVERIFY(raw.exec("CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES('x')"));
        }
        auto store = SqliteStore::open(path);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::Unsupported, path, QStringLiteral("not a semsearch"));
        RawDatabase raw(path);
        QCOMPARE(raw.integer("SELECT count(*) FROM recipes"), 1);

        // Another application that versions its schema the same way.
        QVERIFY(raw.exec("PRAGMA user_version = 1"));
        for (StoreMode mode : {StoreMode::ReadWrite, StoreMode::ReadOnly}) {
            auto versioned = SqliteStore::open(path, mode);
            QVERIFY(!versioned.ok());
            expectError(versioned.error(), ErrorCode::Unsupported, path,
                        QStringLiteral("not a semsearch"));
        }
    }

    void newerSchemaIsRefused() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            auto store = newStore(dir);
            QVERIFY(store);
        }
        {
            RawDatabase raw(path);
            QVERIFY(raw.exec("PRAGMA user_version = 99"));
        }
        for (StoreMode mode : {StoreMode::ReadWrite, StoreMode::ReadOnly}) {
            auto store = SqliteStore::open(path, mode);
            QVERIFY(!store.ok());
            expectError(store.error(), ErrorCode::Unsupported, path, QStringLiteral("version 99"));
        }
        RawDatabase raw(path);
        QCOMPARE(raw.integer("PRAGMA user_version"), 99);
    }

    void readOnlyOnAMissingFileCreatesNothing() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        auto store = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::NotFound, path, QStringLiteral("no such"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
                 QStringList());
    }

    void readWriteInAMissingFolderIsNotFound() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing/index.sqlite"));
        auto store = SqliteStore::open(path);
        QVERIFY(!store.ok());
        expectError(store.error(), ErrorCode::NotFound, path, QStringLiteral("does not exist"));
    }

    // Version 0 is a database whose first transaction never committed (a writer killed at
    // once): to a reader there is no index yet; the next writer creates the schema.
    void readOnlySeesAnUncommittedDatabaseAsNoIndex() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path); // a database at version 0: the state before any migration
            QVERIFY(raw.exec("PRAGMA journal_mode = WAL"));
        }
        auto old = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!old.ok());
        expectError(old.error(), ErrorCode::NotFound, path, QStringLiteral("no index here yet"));
        REQUIRE_OK(SqliteStore::open(path, StoreMode::ReadWrite));
        REQUIRE_OK(SqliteStore::open(path, StoreMode::ReadOnly));
    }

    void readOnlyStoreRefusesWrites() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
        }
        auto store = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(store);
        auto passages = passageList(1);
        auto put =
            (*store)->putDocument(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        QVERIFY(!put.ok());
        QCOMPARE(int(put.error().code), int(ErrorCode::InvalidArgument));
        auto skipped = (*store)->recordSkipped(QStringLiteral("/d/b"), QStringLiteral("binary"));
        QVERIFY(!skipped.ok());
        auto saved = (*store)->setSavedIndexGeneration(3);
        QVERIFY(!saved.ok());
        QVERIFY(saved.error().message.contains(QStringLiteral("read-only")));
    }

    void readerSeesOnlyCommittedDataAndNeverWaits() {
        QTemporaryDir dir;
        auto writer = newStore(dir);
        QVERIFY(writer);
        auto first = passageList(1);
        REQUIRE_OK(writer->putDocument(document(QStringLiteral("/d/a")), first, vectorRows(1, 1)));

        REQUIRE_OK(writer->begin());
        auto pending = passageList(2);
        REQUIRE_OK(
            writer->putDocument(document(QStringLiteral("/d/b")), pending, vectorRows(2, 2)));

        // Opened while the write transaction is open; reads must neither wait nor fail. (A read
        // that waited for the writer's lock would wait in vain, the writer being this thread,
        // and fail with "database is locked".)
        auto opened = SqliteStore::open(databasePath(dir), StoreMode::ReadOnly);
        REQUIRE_OK(opened);
        SqliteStore& reader = **opened;
        auto a = reader.findDocument(QStringLiteral("/d/a"));
        REQUIRE_OK(a);
        QVERIFY(a->has_value());
        auto b = reader.findDocument(QStringLiteral("/d/b"));
        REQUIRE_OK(b);
        QVERIFY2(!b->has_value(), "a reader saw uncommitted data");
        auto counts = reader.counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 1);
        auto pendingPassages = reader.passages(idsOf(pending));
        REQUIRE_OK(pendingPassages);
        QVERIFY(pendingPassages->empty());
        auto generationBefore = reader.vectorGeneration();
        REQUIRE_OK(generationBefore);

        REQUIRE_OK(writer->commit());
        auto committed = reader.findDocument(QStringLiteral("/d/b"));
        REQUIRE_OK(committed);
        QVERIFY(committed->has_value());
        auto generationAfter = reader.vectorGeneration();
        REQUIRE_OK(generationAfter);
        QVERIFY(*generationAfter > *generationBefore);

        // A reader's transaction is one snapshot: commits made meanwhile appear after it ends.
        REQUIRE_OK(reader.begin());
        auto snapshot = reader.counts();
        REQUIRE_OK(snapshot);
        auto third = passageList(1);
        REQUIRE_OK(writer->putDocument(document(QStringLiteral("/d/c")), third, vectorRows(1, 3)));
        auto during = reader.counts();
        REQUIRE_OK(during);
        QCOMPARE(during->documents, snapshot->documents);
        REQUIRE_OK(reader.commit());
        auto afterwards = reader.counts();
        REQUIRE_OK(afterwards);
        QCOMPARE(afterwards->documents, snapshot->documents + 1);
    }

    void sourcesNeverNest() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes/work")));
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes/home/")));
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes-old")));
        auto listed = store->sources();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(3));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes-old"));
        QCOMPARE(listed->at(1).path, QStringLiteral("/home/u/notes/home"));
        QCOMPARE(listed->at(2).path, QStringLiteral("/home/u/notes/work"));
        QVERIFY(listed->at(1).addedMs > 0);
        QCOMPARE(listed->at(1).indexedMs, 0);

        // A parent replaces its children but not a sibling that only shares a prefix.
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes")));
        listed = store->sources();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(2));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes"));
        QCOMPARE(listed->at(1).path, QStringLiteral("/home/u/notes-old"));
        // A child of a source, or the source again, changes nothing.
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes/work/a.md")));
        REQUIRE_OK(store->addSource(QStringLiteral("/home/u/notes")));
        listed = store->sources();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(2));

        REQUIRE_OK(store->markSourceIndexed(QStringLiteral("/home/u/notes"), 777));
        listed = store->sources();
        REQUIRE_OK(listed);
        QCOMPARE(listed->at(0).indexedMs, 777);
        auto unknown = store->markSourceIndexed(QStringLiteral("/elsewhere"), 1);
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));

        REQUIRE_OK(store->removeSources(QStringLiteral("/home/u/notes")));
        listed = store->sources();
        REQUIRE_OK(listed);
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->at(0).path, QStringLiteral("/home/u/notes-old"));
        expectError(store->addSource(QStringLiteral("relative/path")).error(),
                    ErrorCode::InvalidArgument, databasePath(dir), QStringLiteral("absolute"));
    }

    void countsUnderAFolder() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto two = passageList(2);
        REQUIRE_OK(
            store->putDocument(document(QStringLiteral("/d/a/x.md")), two, vectorRows(2, 1)));
        auto three = passageList(3);
        REQUIRE_OK(
            store->putDocument(document(QStringLiteral("/d/a/y.md")), three, vectorRows(3, 2)));
        auto one = passageList(1);
        REQUIRE_OK(store->putDocument(document(QStringLiteral("/d/ab.md")), one, vectorRows(1, 3)));
        REQUIRE_OK(store->recordSkipped(QStringLiteral("/d/a/z.bin"), QStringLiteral("binary")));
        auto under = store->countsUnder(QStringLiteral("/d/a"));
        REQUIRE_OK(under);
        QCOMPARE(under->documents, 2);
        QCOMPARE(under->passages, 5);
        QCOMPARE(under->skipped, 1);
        auto all = store->countsUnder(QString());
        REQUIRE_OK(all);
        QCOMPARE(all->documents, 3);
        QCOMPARE(all->passages, 6);
    }

    void versionOneIndexUpgradesKeepingItsDocuments() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        {
            RawDatabase raw(path);
            REQUIRE_OK(migrateSchema(raw.handle(), path, {schemaMigrations().front()}));
            QVERIFY(raw.exec("INSERT INTO documents VALUES (1, '/d/a.md', 1, 2, x'00', 'utf-8', "
                             "3, 0)"));
        }
        auto readOnly = SqliteStore::open(path, StoreMode::ReadOnly);
        QVERIFY(!readOnly.ok());
        expectError(readOnly.error(), ErrorCode::Unsupported, path, QStringLiteral("upgrade"));
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        auto found = (*store)->findDocument(QStringLiteral("/d/a.md"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE((*found)->changedMs, 0); // unknown: the indexer reads the file once more
        auto sources = (*store)->sources();
        REQUIRE_OK(sources);
        QVERIFY(sources->empty());
    }

    // The migration runner itself, with a made-up history.
    void migrationsRunInOrderAndAllOrNothing() {
        QTemporaryDir dir;
        const QString path = databasePath(dir);
        RawDatabase raw(path);
        const std::vector<SchemaMigration> three = {
            {1, "one", "CREATE TABLE t(v INTEGER); PRAGMA application_id = 1397576530"},
            {2, "two", "INSERT INTO t VALUES (2)"},
            {3, "three", "UPDATE t SET v = v * 10 + 3"}, // 23 only if run after step 2
        };
        REQUIRE_OK(migrateSchema(raw.handle(), path, {three[0]}));
        QCOMPARE(raw.integer("PRAGMA user_version"), 1);
        REQUIRE_OK(migrateSchema(raw.handle(), path, three));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
        QCOMPARE(raw.integer("SELECT v FROM t"), 23);
        REQUIRE_OK(migrateSchema(raw.handle(), path, three)); // nothing left to do
        QCOMPARE(raw.integer("SELECT v FROM t"), 23);

        // A failing step undoes the steps before it in the same run.
        std::vector<SchemaMigration> broken = three;
        broken.push_back({4, "four", "INSERT INTO t VALUES (4)"});
        broken.push_back({5, "five", "INSERT INTO no_such_table VALUES (5)"});
        auto failed = migrateSchema(raw.handle(), path, broken);
        QVERIFY(!failed.ok());
        expectError(failed.error(), ErrorCode::Internal, path, QStringLiteral("version 5"));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
        QCOMPARE(raw.integer("SELECT count(*) FROM t"), 1);

        // Newer than the history known: refused, untouched.
        auto newer = migrateSchema(raw.handle(), path, {three[0], three[1]});
        QVERIFY(!newer.ok());
        expectError(newer.error(), ErrorCode::Unsupported, path, QStringLiteral("version 3"));
        QCOMPARE(raw.integer("PRAGMA user_version"), 3);
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
