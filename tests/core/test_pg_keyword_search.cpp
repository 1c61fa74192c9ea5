// Keyword search in a shared index on a real PostgreSQL 15 (shared_keyword_search.h): what it
// finds is compared with what the test finds by plain string search over the texts it wrote,
// never with the code's own earlier output. Each test function has a database of its own.

#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_keyword_search.h"
#include "shared_index/source_lease.h"

#include <QtTest>

#include <map>
#include <optional>
#include <random>
#include <set>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 4;
const QString kSource = QStringLiteral("/team");

ModelIdentity testModel() {
    return ModelIdentity{QStringLiteral("test-model"), kDimension, QStringLiteral("mean"), true,
                         QStringLiteral("fingerprint-1")};
}

// Documents by path, each its passages' texts in order.
using Corpus = std::map<QString, QStringList>;

// A passage the index holds, as the test wrote it.
struct Written {
    QString path;
    QString text;
};
using WrittenById = std::map<std::int64_t, Written>;

std::set<std::int64_t> idsOf(const std::vector<SharedKeywordHit>& hits) {
    std::set<std::int64_t> ids;
    for (const SharedKeywordHit& hit : hits)
        ids.insert(hit.passageId);
    return ids;
}

// The text's words as the test wrote them: lower case, separated by single spaces.
QStringList tokens(const QString& text) {
    return text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

// Whether `words` appear in `text` adjacent and in order (one word: anywhere).
bool holds(const QString& text, const QStringList& words) {
    const QStringList all = tokens(text);
    for (qsizetype start = 0; start + words.size() <= all.size(); ++start)
        if (all.mid(start, words.size()) == words)
            return true;
    return false;
}

} // namespace

class TestPgKeywordSearch : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;
    int m_databases = 0;

    // A new, empty database; `ctype` its LC_CTYPE (how the server folds case beyond ASCII).
    QString newDatabase(const QString& ctype = QStringLiteral("C.utf8")) {
        const QString name = QStringLiteral("index_%1").arg(++m_databases);
        const QString made = m_server->runSql(
            QStringLiteral("CREATE DATABASE %1 TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE '%2'")
                .arg(name, ctype));
        if (!made.isEmpty())
            qWarning("%s", qPrintable(made));
        return made.isEmpty() ? name : QString();
    }

    // Opens a new database at the current schema and writes `corpus` into it under kSource.
    // Returns the connection; `written` gets the passages by id.
    std::optional<PgConnection> filled(const Corpus& corpus, WrittenById& written,
                                       const QString& ctype = QStringLiteral("C.utf8")) {
        const QString database = newDatabase(ctype);
        auto connection = PgConnection::open(m_server->location(database));
        if (!connection || !migrateSharedIndex(*connection))
            return std::nullopt;
        if (!write(*connection, corpus, written))
            return std::nullopt;
        return std::move(*connection);
    }

    static bool write(PgConnection& connection, const Corpus& corpus, WrittenById& written) {
        auto lease = SourceLease::take(connection, kSource);
        if (!lease)
            return false;
        auto batch = SharedIndexBatch::begin(connection, QStringLiteral("m1"), testModel());
        if (!batch || !batch->addSource(kSource, 1000))
            return false;
        for (const auto& [path, texts] : corpus) {
            std::vector<PassageRecord> passages(std::size_t(texts.size()));
            for (std::size_t i = 0; i < passages.size(); ++i)
                passages[i].text = texts[qsizetype(i)];
            DocumentRecord record;
            record.path = path;
            record.contentHash = path.toUtf8();
            record.encoding = QStringLiteral("UTF-8");
            const std::vector<float> vectors(passages.size() * kDimension, 0.5f);
            auto id = batch->putDocument(kSource, record, passages, vectors);
            if (!id) {
                qWarning("%s", qPrintable(id.error().message));
                return false;
            }
            for (const PassageRecord& passage : passages)
                written[passage.id] = {path, passage.text};
        }
        return bool(batch->commit());
    }

    static std::vector<SharedKeywordHit> search(PgConnection& connection,
                                                const SharedKeywordQuery& query) {
        auto hits = sharedKeywordSearch(connection, query);
        if (!hits) {
            qWarning("%s", qPrintable(hits.error().message));
            return {};
        }
        return *hits;
    }

    static SharedKeywordQuery words(const QStringList& list, int k = 1000) {
        SharedKeywordQuery query;
        query.words = list;
        query.k = k;
        return query;
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
    }

    void cleanupTestCase() { m_server.reset(); }

    // Random documents of a small vocabulary and random queries: the ids returned are exactly
    // the passages holding a word or phrase, less every passage of a document holding an
    // excluded term; best first, ties by ascending id.
    void findsWhatPlainStringSearchFinds() {
        const QStringList vocabulary = {QStringLiteral("alpha"),   QStringLiteral("beta"),
                                        QStringLiteral("gamma"),   QStringLiteral("delta"),
                                        QStringLiteral("epsilon"), QStringLiteral("zeta"),
                                        QStringLiteral("eta"),     QStringLiteral("theta")};
        std::mt19937 random(19);
        std::uniform_int_distribution<int> pick(0, int(vocabulary.size()) - 1);
        std::uniform_int_distribution<int> count(1, 4);
        Corpus corpus;
        for (int d = 0; d < 30; ++d) {
            QStringList& passages = corpus[QStringLiteral("/team/doc-%1.txt").arg(d)];
            for (int p = count(random); p > 0; --p) {
                QStringList text;
                for (int w = count(random) + 1; w > 0; --w)
                    text << vocabulary[pick(random)];
                passages << text.join(QLatin1Char(' '));
            }
        }
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        for (int round = 0; round < 40; ++round) {
            SharedKeywordQuery query;
            query.k = 1000;
            for (int i = round % 3; i >= 0; --i)
                query.words << vocabulary[pick(random)];
            if (round % 2 == 1)
                query.phrases << vocabulary[pick(random)] + QLatin1Char(' ') +
                                     vocabulary[pick(random)];
            if (round % 4 >= 2)
                query.excluded << vocabulary[pick(random)];
            if (round % 8 == 7)
                query.excluded << vocabulary[pick(random)] + QLatin1Char(' ') +
                                      vocabulary[pick(random)];
            std::set<QString> excludedDocuments;
            for (const auto& [id, passage] : written)
                for (const QString& term : query.excluded)
                    if (holds(passage.text, tokens(term)))
                        excludedDocuments.insert(passage.path);
            std::set<std::int64_t> expected;
            for (const auto& [id, passage] : written)
                for (const QString& term : query.words + query.phrases)
                    if (holds(passage.text, tokens(term)) && !excludedDocuments.count(passage.path))
                        expected.insert(id);
            const std::vector<SharedKeywordHit> hits = search(*connection, query);
            QCOMPARE(idsOf(hits), expected);
            QCOMPARE(hits.size(), expected.size()); // no passage twice
            for (std::size_t i = 1; i < hits.size(); ++i)
                QVERIFY(hits[i - 1].score > hits[i].score ||
                        (hits[i - 1].score == hits[i].score &&
                         hits[i - 1].passageId < hits[i].passageId));
        }
    }

    void phraseNeedsItsWordsAdjacentInOrder() {
        const Corpus corpus = {
            {QStringLiteral("/team/a.txt"),
             {QStringLiteral("the quick fox jumps"), QStringLiteral("the fox quick jumps"),
              QStringLiteral("the quick brown fox")}}};
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        SharedKeywordQuery query;
        query.phrases << QStringLiteral("quick fox");
        query.k = 10;
        const std::vector<SharedKeywordHit> hits = search(*connection, query);
        QCOMPARE(hits.size(), std::size_t(1));
        QCOMPARE(written[hits[0].passageId].text, QStringLiteral("the quick fox jumps"));
        // The same words unquoted: any of them, so all three.
        QCOMPARE(
            search(*connection, words({QStringLiteral("quick"), QStringLiteral("fox")})).size(),
            std::size_t(3));
    }

    // Case folds; diacritics stay (unlike the local index); ß is a letter of its own; a run of
    // Chinese without spaces is one word. Folding beyond ASCII needs a UTF-8 LC_CTYPE: a
    // database made with LC_CTYPE 'C' folds only A-Z.
    void caseAndScripts() {
        const Corpus corpus = {{QStringLiteral("/team/a.txt"),
                                {QStringLiteral("Apple PIE"), QStringLiteral("ÉCOLE élan"),
                                 QStringLiteral("die Straße"), QStringLiteral("ПРИВЕТ мир"),
                                 QStringLiteral("我在東京工作 today")}}};
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        const auto found = [&](const QString& word) {
            QStringList texts;
            for (const SharedKeywordHit& hit : search(*connection, words({word})))
                texts << written[hit.passageId].text;
            return texts;
        };
        const QStringList none;
        QCOMPARE(found(QStringLiteral("apple")), QStringList{QStringLiteral("Apple PIE")});
        QCOMPARE(found(QStringLiteral("pie")), QStringList{QStringLiteral("Apple PIE")});
        QCOMPARE(found(QStringLiteral("école")), QStringList{QStringLiteral("ÉCOLE élan")});
        QCOMPARE(found(QStringLiteral("ÉLAN")), QStringList{QStringLiteral("ÉCOLE élan")});
        QCOMPARE(found(QStringLiteral("elan")), none);
        QCOMPARE(found(QStringLiteral("STRAßE")), QStringList{QStringLiteral("die Straße")});
        QCOMPARE(found(QStringLiteral("strasse")), none);
        QCOMPARE(found(QStringLiteral("привет")), QStringList{QStringLiteral("ПРИВЕТ мир")});
        QCOMPARE(found(QStringLiteral("МИР")), QStringList{QStringLiteral("ПРИВЕТ мир")});
        QCOMPARE(found(QStringLiteral("東京")), none);
        QCOMPARE(found(QStringLiteral("我在東京工作")),
                 QStringList{QStringLiteral("我在東京工作 today")});

        WrittenById inC;
        auto c = filled(corpus, inC, QStringLiteral("C"));
        QVERIFY(c);
        QCOMPARE(search(*c, words({QStringLiteral("APPLE")})).size(), std::size_t(1));
        QCOMPARE(search(*c, words({QStringLiteral("привет")})).size(), std::size_t(0));
    }

    void folderSelectsItsDocuments() {
        const Corpus corpus = {{QStringLiteral("/team/a/x.txt"), {QStringLiteral("needle")}},
                               {QStringLiteral("/team/a/sub/y.txt"), {QStringLiteral("needle")}},
                               {QStringLiteral("/team/ab/z.txt"), {QStringLiteral("needle")}},
                               {QStringLiteral("/team/a%/w.txt"), {QStringLiteral("needle")}}};
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        const auto paths = [&](const QString& folder) {
            SharedKeywordQuery query = words({QStringLiteral("needle")});
            query.folder = folder;
            std::set<QString> found;
            for (const SharedKeywordHit& hit : search(*connection, query))
                found.insert(written[hit.passageId].path);
            return found;
        };
        const std::set<QString> inA = {QStringLiteral("/team/a/sub/y.txt"),
                                       QStringLiteral("/team/a/x.txt")};
        QCOMPARE(paths(QStringLiteral("/team/a")), inA);
        QCOMPARE(paths(QStringLiteral("/team/a/")), inA);
        QCOMPARE(paths(QStringLiteral("/team/a/x.txt")),
                 std::set<QString>{QStringLiteral("/team/a/x.txt")});
        QCOMPARE(paths(QStringLiteral("/team/a%")),
                 std::set<QString>{QStringLiteral("/team/a%/w.txt")});
        QCOMPARE(paths(QString()).size(), std::size_t(4));
        QCOMPARE(paths(QStringLiteral("/")).size(), std::size_t(4));
        QCOMPARE(paths(QStringLiteral("/elsewhere")).size(), std::size_t(0));
    }

    // Three occurrences rank above one; k cuts the list after the best; equal passages come
    // by ascending id.
    void ranksAndCuts() {
        const Corpus corpus = {
            {QStringLiteral("/team/a.txt"),
             {QStringLiteral("word once and other things said here"),
              QStringLiteral("word again word and word"), QStringLiteral("nothing to see"),
              QStringLiteral("word once and other things said here")}}};
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        const std::vector<SharedKeywordHit> all =
            search(*connection, words({QStringLiteral("word")}));
        QCOMPARE(all.size(), std::size_t(3));
        QCOMPARE(written[all[0].passageId].text, QStringLiteral("word again word and word"));
        QVERIFY(all[0].score > all[1].score);
        QCOMPARE(all[1].score, all[2].score);
        QVERIFY(all[1].passageId < all[2].passageId);
        const std::vector<SharedKeywordHit> best =
            search(*connection, words({QStringLiteral("word")}, 1));
        QCOMPARE(best.size(), std::size_t(1));
        QCOMPARE(best[0].passageId, all[0].passageId);
        QCOMPARE(search(*connection, words({QStringLiteral("word")}, 0)).size(), std::size_t(0));
        QCOMPARE(search(*connection, words({})).size(), std::size_t(0));
    }

    // Text shaped like SQL or tsquery syntax is only words: it finds what its words find,
    // never errors, and changes nothing.
    void injectionShapedTermsAreWords() {
        const Corpus corpus = {
            {QStringLiteral("/team/a.txt"),
             {QStringLiteral("drop table passages now"), QStringLiteral("foxes run"),
              QStringLiteral("a fox runs")}},
            {QStringLiteral("/team/b.txt"), {QStringLiteral("the table is set")}}};
        WrittenById written;
        auto connection = filled(corpus, written);
        QVERIFY(connection);
        const auto texts = [&](const SharedKeywordQuery& query) {
            auto hits = sharedKeywordSearch(*connection, query);
            if (!hits)
                qWarning("%s", qPrintable(hits.error().message));
            std::set<QString> found;
            for (const SharedKeywordHit& hit : hits ? *hits : std::vector<SharedKeywordHit>{})
                found.insert(written[hit.passageId].text);
            return hits ? found : std::set<QString>{QStringLiteral("error")};
        };
        const std::set<QString> none;
        QCOMPARE(texts(words({QStringLiteral("':*")})), none);
        QCOMPARE(texts(words({QStringLiteral(":*")})), none);
        QCOMPARE(texts(words({QStringLiteral("&|!")})), none);
        QCOMPARE(texts(words({QStringLiteral("&|!"), QStringLiteral("fox")})),
                 std::set<QString>{QStringLiteral("a fox runs")});
        // No prefix matching: "fox:*" is the word fox, not foxes.
        QCOMPARE(texts(words({QStringLiteral("fox:*")})),
                 std::set<QString>{QStringLiteral("a fox runs")});
        QCOMPARE(texts(words({QStringLiteral("'; drop table")})),
                 std::set<QString>{QStringLiteral("drop table passages now")});
        SharedKeywordQuery phrase;
        phrase.phrases << QStringLiteral("'; drop table passages; --");
        QCOMPARE(texts(phrase), std::set<QString>{QStringLiteral("drop table passages now")});
        SharedKeywordQuery excluded = words({QStringLiteral("table")});
        excluded.excluded << QStringLiteral("!passages");
        QCOMPARE(texts(excluded), std::set<QString>{QStringLiteral("the table is set")});
        const std::set<QString> tables = {QStringLiteral("drop table passages now"),
                                          QStringLiteral("the table is set")};
        QCOMPARE(texts(words({QStringLiteral("table\\"), QStringLiteral("$1")})), tables);
        QCOMPARE(texts(words({QStringLiteral("table")})), tables); // still all there
    }

    // A database made by version 1 alone: a reader is told a writer must upgrade it; the
    // writer's upgrade makes its passages searchable.
    void version1IsUpgradedSearchable() {
        const QString database = newDatabase();
        QVERIFY(!database.isEmpty());
        auto connection = PgConnection::open(m_server->location(database));
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const std::vector<PgMigration> first = {sharedIndexMigrations().front()};
        QCOMPARE(first.front().version, 1);
        QVERIFY(migrateSharedIndex(*connection, first));
        // Written as a version 1 writer wrote (today's writer needs today's schema).
        auto written = connection->query(
            "WITH s AS (INSERT INTO sources(path, machine, added_ms) VALUES ('/team', 'm1', 1)), "
            "d AS (INSERT INTO documents(source, machine, path, size, modified_ms, content_hash, "
            "encoding, indexed_at_ms, passage_count) VALUES ('/team', 'm1', '/team/old.txt', 29, "
            "1, '\\x00', 'UTF-8', 1, 1) RETURNING id) "
            "INSERT INTO passages(document_id, ordinal, byte_start, byte_end, line, text, vector) "
            "SELECT id, 0, 0, 29, 1, 'written before keyword search', '\\x00000000' FROM d "
            "RETURNING id");
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QCOMPARE(written->rowCount(), 1);
        // A role that may only read, as the set-up script makes one (packaging/shared-index/).
        const QString granted = m_server->runSql(
            QStringLiteral("CREATE ROLE reader LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public "
                           "TO reader;"),
            database);
        QVERIFY2(granted.isEmpty(), qPrintable(granted));
        auto reader = PgConnection::open(m_server->location(database, QStringLiteral("reader")));
        QVERIFY2(reader.ok(), reader ? "" : qPrintable(reader.error().message));
        auto refused = requireCurrentSharedIndex(*reader);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.contains(
                     QStringLiteral("schema version 1 and needs an upgrade to version %1, which "
                                    "only a writer can do")
                         .arg(sharedIndexMigrations().back().version)),
                 qPrintable(refused.error().message));
        QVERIFY(!migrateSharedIndex(*reader)); // it may not
        QVERIFY(!sharedKeywordSearch(*reader, words({QStringLiteral("keyword")})));
        auto upgraded = migrateSharedIndex(*connection);
        QVERIFY2(upgraded.ok(), upgraded ? "" : qPrintable(upgraded.error().message));
        QVERIFY(requireCurrentSharedIndex(*reader));
        const std::vector<SharedKeywordHit> hits =
            search(*reader, words({QStringLiteral("keyword")}));
        QCOMPARE(hits.size(), std::size_t(1));
        QCOMPARE(hits[0].passageId, written->integer(0, 0));
    }
};

QTEST_GUILESS_MAIN(TestPgKeywordSearch)
#include "test_pg_keyword_search.moc"
