// The keyword index in the store: kept in step with the passages by every write, upgraded into
// from an index of the previous schema without touching a vector, checked and rebuilt.
// (verify and verify --repair over it: test_cli_search.)

#include "semsearch/store.h"

#include "store/schema.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include <sqlite3.h>

#include <cstring>

using namespace semsearch;

namespace {

constexpr int kDim = 4;

ModelIdentity testModel() {
    ModelIdentity model;
    model.name = QStringLiteral("test-model");
    model.dimension = kDim;
    model.pooling = QStringLiteral("max");
    return model;
}

DocumentRecord document(const QString& path, const QByteArray& hash = "h") {
    DocumentRecord record;
    record.path = path;
    record.size = 10;
    record.modifiedMs = 1000;
    record.contentHash = hash;
    record.encoding = QStringLiteral("utf-8");
    return record;
}

std::vector<PassageRecord> passages(const QStringList& texts) {
    std::vector<PassageRecord> list;
    for (const QString& text : texts) {
        PassageRecord passage;
        passage.text = text;
        passage.byteEnd = text.toUtf8().size();
        list.push_back(passage);
    }
    return list;
}

std::vector<float> vectors(std::size_t rows, float seed) {
    std::vector<float> values(rows * kDim);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = seed + 0.37f * float(i) - 1.0f / float(i + 3);
    return values;
}

// Passage ids that `word` finds, ascending.
std::vector<std::int64_t> found(SqliteStore& store, const QString& word) {
    auto hits = store.keywords().allMatching({word});
    std::vector<std::int64_t> ids;
    if (hits)
        for (const KeywordHit& hit : *hits)
            ids.push_back(hit.passageId);
    return ids;
}

// Runs SQL on a connection of its own, as another program (or an older semsearch) would.
bool execRaw(const QString& path, const char* sql) {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(QFile::encodeName(path).constData(), &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok)
        qWarning("%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok;
}

} // namespace

#define REQUIRE_OK(expression)                                                                     \
    do {                                                                                           \
        const auto& result_ = (expression);                                                        \
        QVERIFY2(result_.ok(), result_.ok() ? "" : qPrintable(result_.error().message));           \
    } while (false)

class TestStoreKeywords : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void keywordIndexFollowsEveryWriteOfPassages() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(dir.filePath(QStringLiteral("index.sqlite")));
        REQUIRE_OK(store);
        SqliteStore& s = **store;
        REQUIRE_OK(s.metadata().setModelIdentity(testModel()));
        auto list = passages({QStringLiteral("alpha beta"), QStringLiteral("gamma")});
        auto id = s.documents().put(document(QStringLiteral("/d/a.txt")), list, vectors(2, 1));
        REQUIRE_OK(id);
        QCOMPARE(found(s, QStringLiteral("alpha")), std::vector<std::int64_t>{list[0].id});
        // A copy gets its own passages, found too.
        auto copy = s.documents().putCopy(document(QStringLiteral("/d/b.txt")), *id);
        REQUIRE_OK(copy);
        QCOMPARE(found(s, QStringLiteral("gamma")).size(), std::size_t(2));
        // Replacing a document replaces its words, inside the caller's transaction too.
        REQUIRE_OK(s.begin());
        auto replaced = passages({QStringLiteral("delta")});
        REQUIRE_OK(
            s.documents().put(document(QStringLiteral("/d/a.txt")), replaced, vectors(1, 2)));
        REQUIRE_OK(s.rollback());
        QCOMPARE(found(s, QStringLiteral("alpha")).size(), std::size_t(2)); // a.txt and b.txt
        QVERIFY(found(s, QStringLiteral("delta")).empty());
        REQUIRE_OK(
            s.documents().put(document(QStringLiteral("/d/a.txt")), replaced, vectors(1, 2)));
        QCOMPARE(found(s, QStringLiteral("alpha")).size(), std::size_t(1)); // b.txt only
        QCOMPARE(found(s, QStringLiteral("delta")), std::vector<std::int64_t>{replaced[0].id});
        REQUIRE_OK(s.documents().remove(*copy));
        QVERIFY(found(s, QStringLiteral("gamma")).empty());
        QVERIFY(found(s, QStringLiteral("alpha")).empty());
        auto problems = s.keywords().check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join('\n')));
    }

    // A word in more than half the passages is left out of the ranking while a rarer term
    // remains (BM25 gives it almost no weight); alone, or in a phrase, it is still searched.
    void wordsInMostPassagesStepAsideForRarerOnes() {
        QTemporaryDir dir;
        auto store = SqliteStore::open(dir.filePath(QStringLiteral("index.sqlite")));
        REQUIRE_OK(store);
        SqliteStore& s = **store;
        REQUIRE_OK(s.metadata().setModelIdentity(testModel()));
        auto list = passages({QStringLiteral("the cat"), QStringLiteral("the dog"),
                              QStringLiteral("The owl"), QStringLiteral("a zebra")});
        REQUIRE_OK(s.documents().put(document(QStringLiteral("/d/a.txt")), list, vectors(4, 1)));
        auto ids = [](const Result<std::vector<KeywordHit>>& hits) {
            std::vector<std::int64_t> result;
            if (hits)
                for (const KeywordHit& hit : *hits)
                    result.push_back(hit.passageId);
            std::sort(result.begin(), result.end());
            return result;
        };
        auto ranked = [&](const QStringList& terms) -> Result<std::vector<KeywordHit>> {
            auto kept = s.keywords().withoutCommonWords(terms);
            if (!kept)
                return kept.error();
            return s.keywords().search(*kept, 10);
        };
        // "the" is in 3 of 4 passages: only the zebra's passage ranks.
        QCOMPARE(ids(ranked({QStringLiteral("THE"), QStringLiteral("zebra")})),
                 std::vector<std::int64_t>{list[3].id});
        // "dog" is in 1 of 4: both words count.
        QCOMPARE(ids(ranked({QStringLiteral("dog"), QStringLiteral("zebra")})),
                 (std::vector<std::int64_t>{list[1].id, list[3].id}));
        // Alone, a common word still finds its passages.
        QCOMPARE(ids(ranked({QStringLiteral("the")})),
                 (std::vector<std::int64_t>{list[0].id, list[1].id, list[2].id}));
        // Only common words: all are kept.
        QCOMPARE(ids(ranked({QStringLiteral("the"), QStringLiteral("the")})),
                 (std::vector<std::int64_t>{list[0].id, list[1].id, list[2].id}));
        // A phrase of common words is kept.
        QCOMPARE(ids(ranked({QStringLiteral("the cat"), QStringLiteral("zebra")})),
                 (std::vector<std::int64_t>{list[0].id, list[3].id}));
        // A phrase is no rarer word: beside it, a common word is kept (in a small index every
        // word may be common).
        QCOMPARE(ids(ranked({QStringLiteral("the cat"), QStringLiteral("the")})),
                 (std::vector<std::int64_t>{list[0].id, list[1].id, list[2].id}));
        // search() itself ranks every term it is given.
        QCOMPARE(ids(s.keywords().search({QStringLiteral("the"), QStringLiteral("zebra")}, 10)),
                 (std::vector<std::int64_t>{list[0].id, list[1].id, list[2].id, list[3].id}));
    }

    // What counts as common follows the passages as they change, whoever writes them: the
    // store keeps its count of passages between searches (counting a million takes
    // milliseconds) and must notice its own writes and another connection's commits.
    void commonWordsFollowEveryWrite() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("index.sqlite"));
        auto store = SqliteStore::open(file);
        REQUIRE_OK(store);
        SqliteStore& s = **store;
        REQUIRE_OK(s.metadata().setModelIdentity(testModel()));
        auto list = passages({QStringLiteral("the cat"), QStringLiteral("the dog"),
                              QStringLiteral("the owl"), QStringLiteral("a zebra")});
        REQUIRE_OK(s.documents().put(document(QStringLiteral("/d/a.txt")), list, vectors(4, 1)));
        const QStringList query{QStringLiteral("the"), QStringLiteral("zebra")};
        const QStringList rarerOnly{QStringLiteral("zebra")};
        QCOMPARE(*s.keywords().withoutCommonWords(query), rarerOnly); // "the": 3 of 4

        // This connection's write: "the" is now in 3 of 7 passages, no longer common.
        auto more =
            passages({QStringLiteral("an emu"), QStringLiteral("a yak"), QStringLiteral("a gnu")});
        REQUIRE_OK(s.documents().put(document(QStringLiteral("/d/b.txt")), more, vectors(3, 2)));
        QCOMPARE(*s.keywords().withoutCommonWords(query), query);

        // Another connection removes them again: 3 of 4, common again.
        {
            auto other = SqliteStore::open(file);
            REQUIRE_OK(other);
            auto gone = (*other)->documents().find(QStringLiteral("/d/b.txt"));
            REQUIRE_OK(gone);
            QVERIFY(gone->has_value());
            REQUIRE_OK((*other)->documents().remove((*gone)->id));
        }
        QCOMPARE(*s.keywords().withoutCommonWords(query), rarerOnly);
    }

    // An index made by schema version 3 (no keyword index) upgrades on its first open for
    // writing: every vector stays bit for bit, and its passages become searchable by keyword.
    void previousSchemaUpgradesKeepingEveryVector() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("index.sqlite"));
        {
            sqlite3* db = nullptr;
            QCOMPARE(sqlite3_open(QFile::encodeName(path).constData(), &db), SQLITE_OK);
            const std::vector<SchemaMigration> previous(schemaMigrations().begin(),
                                                        schemaMigrations().begin() + 3);
            QVERIFY(migrateSchema(db, path, previous).ok());
            QCOMPARE(sqlite3_exec(db,
                                  "INSERT INTO meta VALUES ('model_name', 'test-model'), "
                                  "('model_dimension', '4'), ('model_pooling', 'max'), "
                                  "('model_normalize', '0'), ('model_weights_fingerprint', '');"
                                  "INSERT INTO documents VALUES (1, '/d/a.txt', 9, 1, x'01', "
                                  "'utf-8', 1, 2, 0);"
                                  "INSERT INTO passages VALUES (7, 1, 0, 0, 4, 1, 'Kestrel "
                                  "hovering', x'0000803f000000400000404000008040');"
                                  "INSERT INTO passages VALUES (9, 1, 1, 5, 9, 1, 'over fields', "
                                  "x'0000a0400000c0400000e04000000041');",
                                  nullptr, nullptr, nullptr),
                     SQLITE_OK);
            sqlite3_close(db);
        }
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        auto kept = (*store)->documents().vectorsOf({7, 9});
        REQUIRE_OK(kept);
        QCOMPARE(*kept, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
        QCOMPARE(found(**store, QStringLiteral("kestrel")), std::vector<std::int64_t>{7});
        QCOMPARE(found(**store, QStringLiteral("FIELDS")), std::vector<std::int64_t>{9});
        auto problems = (*store)->keywords().check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join('\n')));
    }

    // Passages written past the keyword index (here by a program that dropped its trigger) are
    // a problem verify reports; repair rebuilds it from the passages.
    void checkFindsADisagreementAndRebuildRepairs() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("index.sqlite"));
        {
            auto store = SqliteStore::open(path);
            REQUIRE_OK(store);
            REQUIRE_OK((*store)->metadata().setModelIdentity(testModel()));
        }
        QVERIFY(execRaw(path, "DROP TRIGGER passage_keywords_insert"));
        auto store = SqliteStore::open(path);
        REQUIRE_OK(store);
        auto list = passages({QStringLiteral("osprey")});
        REQUIRE_OK(
            (*store)->documents().put(document(QStringLiteral("/d/a.txt")), list, vectors(1, 1)));
        QVERIFY(found(**store, QStringLiteral("osprey")).empty());

        auto problems = (*store)->keywords().check();
        REQUIRE_OK(problems);
        QCOMPARE(problems->size(), 1);
        QVERIFY2(problems->at(0).contains(QLatin1String("keyword index is missing")),
                 qPrintable(problems->at(0)));

        REQUIRE_OK((*store)->keywords().rebuild());
        auto afterRebuild = (*store)->keywords().check();
        REQUIRE_OK(afterRebuild);
        QVERIFY2(afterRebuild->isEmpty(), qPrintable(afterRebuild->join('\n')));
        QCOMPARE(found(**store, QStringLiteral("osprey")), std::vector<std::int64_t>{list[0].id});
        // The trigger is back: the next write is followed again.
        auto more = passages({QStringLiteral("harrier")});
        REQUIRE_OK(
            (*store)->documents().put(document(QStringLiteral("/d/b.txt")), more, vectors(1, 2)));
        QCOMPARE(found(**store, QStringLiteral("harrier")), std::vector<std::int64_t>{more[0].id});

        // Rows missing with the triggers in place (written by a build without them).
        QVERIFY(execRaw(path, "DELETE FROM passage_keywords_docsize"));
        auto lacking = (*store)->keywords().check();
        REQUIRE_OK(lacking);
        QCOMPARE(lacking->size(), 1);
        QVERIFY2(lacking->at(0).contains(QLatin1String("lacks 2 passages")),
                 qPrintable(lacking->at(0)));
    }
};

QTEST_GUILESS_MAIN(TestStoreKeywords)
#include "test_store_keywords.moc"
