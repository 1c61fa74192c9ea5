// The shared index's data layer on a real PostgreSQL 15: writers' batches (shared_index_batch.h)
// and searchers' reads (shared_index_reads.h). What the writers wrote is compared with what the
// test generated, never with the code's own output; each test function has a database of its own.

#include "brute_force_ranking.h"
#include "postgres_server.h"
#include "semsearch/shared_index_location.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"

#include <QtTest>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <thread>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr int kDimension = 16;

ModelIdentity testModel(int dimension = kDimension) {
    return ModelIdentity{QStringLiteral("test-model"), dimension, QStringLiteral("mean"), true,
                         QStringLiteral("fingerprint-1")};
}

// A passage as the test made it.
struct Made {
    QString text;
    std::vector<float> vector;
};
// Every document a writer left in the index, by path, its passages by ordinal.
using Expected = std::map<QString, std::vector<Made>>;

bool sameBits(const float* a, const float* b, std::size_t count) {
    return std::memcmp(a, b, count * sizeof(float)) == 0;
}

QString message(const Error& error) {
    return error.message;
}

// One writer: takes the lease of `source`, then commits `rounds` batches into it, each adding
// documents and, from the second on, replacing one earlier document and removing another; a
// subfolder added in the first round is removed with removeUnder() in the third. Records in
// `expected` what the index must hold afterwards. Returns "" or what went wrong (QTest's macros
// are not for other threads).
QString writeSource(const QString& location, const QString& source, const QString& machine,
                    unsigned seed, int rounds, Expected& expected, int& skipped) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return message(connection.error());
    auto lease = SourceLease::take(*connection, source);
    if (!lease)
        return message(lease.error());
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    std::uniform_int_distribution<int> passageCount(1, 5);
    {
        auto batch = SharedIndexBatch::begin(*connection, machine, testModel());
        if (!batch)
            return message(batch.error());
        if (auto added = batch->addSource(source, 1000); !added)
            return message(added.error());
        if (auto committed = batch->commit(); !committed)
            return message(committed.error());
    }
    std::vector<QString> live;
    for (int round = 0; round < rounds; ++round) {
        auto batch = SharedIndexBatch::begin(*connection, machine, testModel());
        if (!batch)
            return message(batch.error());
        Expected made;
        const auto put = [&](const QString& path) -> QString {
            std::vector<PassageRecord> passages(std::size_t(passageCount(random)));
            std::vector<float> vectors;
            std::vector<Made>& document = made[path];
            for (std::size_t i = 0; i < passages.size(); ++i) {
                passages[i].text = QStringLiteral("%1 #%2 round %3").arg(path).arg(i).arg(round);
                passages[i].byteStart = std::int64_t(i) * 100;
                passages[i].byteEnd = passages[i].byteStart + 99;
                Made passage{passages[i].text, {}};
                for (int d = 0; d < kDimension; ++d)
                    passage.vector.push_back(normal(random));
                vectors.insert(vectors.end(), passage.vector.begin(), passage.vector.end());
                document.push_back(std::move(passage));
            }
            DocumentRecord record;
            record.path = path;
            record.size = 1234;
            record.modifiedMs = 5000 + round;
            record.contentHash = path.toUtf8() + QByteArray::number(round);
            record.encoding = QStringLiteral("UTF-8");
            auto id = batch->putDocument(source, record, passages, vectors);
            return id ? QString() : message(id.error());
        };
        for (int i = 0; i < 4; ++i) {
            const QString path = QStringLiteral("%1/doc-%2-%3.txt").arg(source).arg(round).arg(i);
            if (QString failed = put(path); !failed.isEmpty())
                return failed;
            live.push_back(path);
        }
        if (round == 0) {
            for (int i = 0; i < 2; ++i)
                if (QString failed = put(QStringLiteral("%1/sub/%2.txt").arg(source).arg(i));
                    !failed.isEmpty())
                    return failed;
        }
        std::vector<QString> removed;
        if (round >= 1) {
            // Replace the oldest live document, remove the next one.
            if (QString failed = put(live.front()); !failed.isEmpty())
                return failed;
            auto gone = batch->removeDocument(live[1]);
            if (!gone)
                return message(gone.error());
            if (gone->empty())
                return QStringLiteral("removing %1 removed no passages").arg(live[1]);
            removed.push_back(live[1]);
            live.erase(live.begin() + 1);
        }
        if (round == 2) {
            auto gone = batch->removeUnder(source + QStringLiteral("/sub/"));
            if (!gone)
                return message(gone.error());
            removed.push_back(source + QStringLiteral("/sub/0.txt"));
            removed.push_back(source + QStringLiteral("/sub/1.txt"));
        }
        if (auto recorded = batch->recordSkipped(
                source, {QStringLiteral("%1/big-%2.bin").arg(source).arg(round),
                         QStringLiteral("binary"), 7000});
            !recorded)
            return message(recorded.error());
        if (auto committed = batch->commit(); !committed)
            return message(committed.error());
        ++skipped;
        for (auto& [path, passages] : made)
            expected[path] = std::move(passages);
        for (const QString& path : removed)
            expected.erase(path);
    }
    return {};
}

// A searcher's cache: passage id -> vector, kept up to date from the change log.
struct Cache {
    std::map<std::int64_t, std::vector<float>> vectors;
    std::int64_t generation = 0;

    // Reads and applies every change after `generation`; "" or what went wrong.
    QString catchUp(PgConnection& connection) {
        for (;;) {
            auto changes = changesSinceWithVectors(connection, generation, 3);
            if (!changes)
                return message(changes.error());
            if (changes->empty())
                return {};
            for (const VectorChange& change : *changes) {
                if (change.generation != generation + 1)
                    return QStringLiteral("generation %1 after %2")
                        .arg(change.generation)
                        .arg(generation);
                for (std::int64_t id : change.removed)
                    vectors.erase(id);
                for (std::size_t i = 0; i < change.added.size(); ++i)
                    vectors[change.added[i]] = std::vector<float>(
                        change.vectors.begin() + std::ptrdiff_t(i * kDimension),
                        change.vectors.begin() + std::ptrdiff_t((i + 1) * kDimension));
                generation = change.generation;
            }
        }
    }
};

struct Exported {
    std::int64_t id = 0;
    QString path;
    int ordinal = 0;
    QString text;
    std::vector<float> vector;
};

// Every key of `vectors` ranked by double-precision cosine with `query`: the 10 best.
template <typename Key>
std::vector<Key> topTen(const std::vector<std::pair<Key, std::vector<float>>>& vectors,
                        const std::vector<float>& query) {
    std::vector<std::pair<double, Key>> scored;
    for (const auto& [key, vector] : vectors)
        scored.push_back({cosine(vector, query), key});
    std::sort(scored.begin(), scored.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Key> best;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, scored.size()); ++i)
        best.push_back(scored[i].second);
    return best;
}

} // namespace

class TestPgSharedIndex : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;
    int m_databases = 0;

    // A new database with the current schema, writable by the superuser, readable by `reader`.
    QString freshIndex() {
        const QString name = QStringLiteral("index%1").arg(++m_databases);
        const QString made = m_server->runSql(QStringLiteral("CREATE DATABASE %1").arg(name));
        if (!made.isEmpty())
            return QString();
        const QString location = m_server->location(name);
        auto connection = PgConnection::open(location);
        if (!connection || !migrateSharedIndex(*connection))
            return QString();
        if (!m_server
                 ->runSql(QStringLiteral("GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
                                         "reader"),
                          name)
                 .isEmpty())
            return QString();
        return location;
    }

    static std::vector<Exported> exportAll(PgConnection& connection, std::int64_t* generation) {
        std::vector<Exported> rows;
        auto exported = exportPassages(
            connection,
            [&](const SharedPassage& passage, const float* vector) {
                rows.push_back({passage.passage.id, passage.document.path, passage.passage.ordinal,
                                passage.passage.text,
                                std::vector<float>(vector, vector + kDimension)});
                return true;
            },
            7); // small pages: the cursor is fetched from many times
        if (!exported)
            qWarning("%s", qPrintable(exported.error().message));
        else if (generation != nullptr)
            *generation = *exported;
        return rows;
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString role = m_server->runSql(QStringLiteral("CREATE ROLE reader LOGIN"));
        QVERIFY2(role.isEmpty(), qPrintable(role));
    }

    void cleanupTestCase() { m_server.reset(); }

    // Two writers on two sources at once, a searcher catching up while they commit: the export
    // holds exactly what the writers made, the searcher's cache exactly the export's ids and
    // vectors, and its top 10 is the generator's.
    void twoWritersAndACatchingUpReader() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        const QString sourceA = QStringLiteral("/team/a");
        const QString sourceB = QStringLiteral("/team/b");
        Expected expectedA;
        Expected expectedB;
        int skippedA = 0;
        int skippedB = 0;
        QString failedA;
        QString failedB;
        QString failedReader;
        std::atomic<bool> writing{true};
        Cache cache;
        int catchUps = 0;

        std::thread reader([&] {
            auto connection = PgConnection::open(m_server->location(
                location.section(QLatin1Char('/'), -1), QStringLiteral("reader")));
            if (!connection) {
                failedReader = message(connection.error());
                return;
            }
            while (writing.load() && failedReader.isEmpty()) {
                failedReader = cache.catchUp(*connection);
                ++catchUps;
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            if (failedReader.isEmpty())
                failedReader = cache.catchUp(*connection);
        });
        std::thread writerA([&] {
            failedA = writeSource(location, sourceA, QStringLiteral("laptop-a"), 1, 6, expectedA,
                                  skippedA);
        });
        std::thread writerB([&] {
            failedB = writeSource(location, sourceB, QStringLiteral("laptop-b"), 2, 6, expectedB,
                                  skippedB);
        });
        writerA.join();
        writerB.join();
        writing = false;
        reader.join();
        QVERIFY2(failedA.isEmpty(), qPrintable(failedA));
        QVERIFY2(failedB.isEmpty(), qPrintable(failedB));
        QVERIFY2(failedReader.isEmpty(), qPrintable(failedReader));
        QVERIFY(catchUps > 1);

        auto connection = PgConnection::open(location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        std::int64_t exportedGeneration = -1;
        const std::vector<Exported> exported = exportAll(*connection, &exportedGeneration);
        // 2 x (1 source batch + 6 rounds).
        QCOMPARE(exportedGeneration, std::int64_t(14));
        QCOMPARE(cache.generation, std::int64_t(14));

        // The export is what the writers made, in path and ordinal order.
        Expected expected = expectedA;
        expected.insert(expectedB.begin(), expectedB.end());
        std::size_t expectedPassages = 0;
        for (const auto& [path, passages] : expected)
            expectedPassages += passages.size();
        QCOMPARE(exported.size(), expectedPassages);
        QVERIFY(expectedPassages > 40);
        std::size_t row = 0;
        for (const auto& [path, passages] : expected) {
            for (std::size_t ordinal = 0; ordinal < passages.size(); ++ordinal, ++row) {
                QCOMPARE(exported[row].path, path);
                QCOMPARE(exported[row].ordinal, int(ordinal));
                QCOMPARE(exported[row].text, passages[ordinal].text);
                QVERIFY2(sameBits(exported[row].vector.data(), passages[ordinal].vector.data(),
                                  kDimension),
                         qPrintable(path));
            }
        }

        // The cache built from the changes alone holds exactly the export's ids and vectors.
        QCOMPARE(cache.vectors.size(), exported.size());
        for (const Exported& passage : exported) {
            const auto found = cache.vectors.find(passage.id);
            QVERIFY2(found != cache.vectors.end(), qPrintable(passage.text));
            QVERIFY(sameBits(found->second.data(), passage.vector.data(), kDimension));
        }

        // Search over the cache ranks as search over the generator's vectors.
        std::map<std::int64_t, QString> placeOfId;
        for (const Exported& passage : exported)
            placeOfId[passage.id] =
                passage.path + QLatin1Char('#') + QString::number(passage.ordinal);
        std::vector<std::pair<QString, std::vector<float>>> generated;
        for (const auto& [path, passages] : expected)
            for (std::size_t ordinal = 0; ordinal < passages.size(); ++ordinal)
                generated.push_back(
                    {path + QLatin1Char('#') + QString::number(ordinal), passages[ordinal].vector});
        std::vector<std::pair<std::int64_t, std::vector<float>>> cached(cache.vectors.begin(),
                                                                        cache.vectors.end());
        std::mt19937 random(99);
        std::normal_distribution<float> normal;
        for (int q = 0; q < 5; ++q) {
            std::vector<float> query;
            for (int d = 0; d < kDimension; ++d)
                query.push_back(normal(random));
            QStringList fromCache;
            for (std::int64_t id : topTen(cached, query))
                fromCache << placeOfId[id];
            QStringList fromGenerator;
            for (const QString& place : topTen(generated, query))
                fromGenerator << place;
            QCOMPARE(fromCache, fromGenerator);
        }

        // Counts and sources, per source and in all.
        auto counts = sharedCounts(*connection);
        QVERIFY2(counts.ok(), counts ? "" : qPrintable(counts.error().message));
        QCOMPARE(counts->total.documents, std::int64_t(expected.size()));
        QCOMPARE(counts->total.passages, std::int64_t(expectedPassages));
        QCOMPARE(counts->total.skipped, std::int64_t(skippedA + skippedB));
        QCOMPARE(counts->bySource.at(sourceA).documents, std::int64_t(expectedA.size()));
        QCOMPARE(counts->bySource.at(sourceB).documents, std::int64_t(expectedB.size()));
        QCOMPARE(counts->bySource.at(sourceA).skipped, std::int64_t(skippedA));
        auto sources = sharedSources(*connection);
        QVERIFY2(sources.ok(), sources ? "" : qPrintable(sources.error().message));
        QCOMPARE(sources->size(), std::size_t(2));
        QCOMPARE(sources->at(0).source.path, sourceA);
        QCOMPARE(sources->at(0).machine, QStringLiteral("laptop-a"));
        QCOMPARE(sources->at(1).machine, QStringLiteral("laptop-b"));

        // Passages for results, in the order asked, with their documents; unknown ids left out.
        const Exported& last = exported.back();
        const Exported& first = exported.front();
        auto passages = sharedPassages(*connection, {last.id, 999999, first.id});
        QVERIFY2(passages.ok(), passages ? "" : qPrintable(passages.error().message));
        QCOMPARE(passages->size(), std::size_t(2));
        QCOMPARE(passages->at(0).passage.text, last.text);
        QCOMPARE(passages->at(0).document.path, last.path);
        QCOMPARE(passages->at(0).source, sourceB);
        QCOMPARE(passages->at(0).machine, QStringLiteral("laptop-b"));
        QCOMPARE(passages->at(1).document.path, first.path);
        QCOMPARE(passages->at(1).document.passageCount, int(expected.at(first.path).size()));
    }

    // A replaced document's old passages are removed by the next change and never come back
    // to a cache that catches up later from the start.
    void replacingADocumentRemovesItsOldPassages() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const QString source = QStringLiteral("/team/notes");
        auto lease = SourceLease::take(*connection, source);
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
        const auto putOnce = [&](int passages, float value) -> std::vector<std::int64_t> {
            auto batch =
                SharedIndexBatch::begin(*connection, QStringLiteral("laptop"), testModel());
            if (!batch || !batch->addSource(source, 1))
                return {};
            DocumentRecord document;
            document.path = source + QStringLiteral("/a.md");
            std::vector<PassageRecord> records(static_cast<std::size_t>(passages));
            std::vector<float> vectors(std::size_t(passages * kDimension), value);
            if (!batch->putDocument(source, document, records, vectors) || !batch->commit())
                return {};
            std::vector<std::int64_t> ids;
            for (const PassageRecord& record : records)
                ids.push_back(record.id);
            return ids;
        };
        const std::vector<std::int64_t> oldIds = putOnce(3, 1.0f);
        QCOMPARE(oldIds.size(), std::size_t(3));
        Cache early;
        QCOMPARE(early.catchUp(*connection), QString());
        QCOMPARE(early.vectors.size(), std::size_t(3));

        const std::vector<std::int64_t> newIds = putOnce(2, 2.0f);
        QCOMPARE(newIds.size(), std::size_t(2));
        auto next = changesSinceWithVectors(*connection, early.generation);
        QVERIFY2(next.ok(), next ? "" : qPrintable(next.error().message));
        QCOMPARE(next->size(), std::size_t(1));
        QCOMPARE(next->front().removed, oldIds);
        QCOMPARE(next->front().added, newIds);
        QCOMPARE(next->front().vectors, std::vector<float>(2 * kDimension, 2.0f));
        QCOMPARE(early.catchUp(*connection), QString());
        QCOMPARE(early.vectors.size(), std::size_t(2));
        QVERIFY(early.vectors.count(newIds[0]) && early.vectors.count(newIds[1]));

        // From the start: the first change's passages are gone, so it brings none.
        auto all = changesSinceWithVectors(*connection, 0);
        QVERIFY2(all.ok(), all ? "" : qPrintable(all.error().message));
        QCOMPARE(all->size(), std::size_t(2));
        QVERIFY(all->front().added.empty());
        Cache late;
        QCOMPARE(late.catchUp(*connection), QString());
        QCOMPARE(late.vectors.size(), std::size_t(2));
        QCOMPARE(late.vectors, early.vectors);
    }

    // What a writer compares with its working copy: each document's state and the skipped
    // files of one source, no other's; forgetting a source takes its skipped files along.
    void aSourcesStatesAndItsForgetting() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const QStringList sources = {QStringLiteral("/team/a"), QStringLiteral("/team/b")};
        auto leases = SourceLease::takeAll(*connection, sources);
        QVERIFY2(leases.ok(), leases ? "" : qPrintable(leases.error().message));
        QCOMPARE(leases->size(), std::size_t(2));
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("laptop"), testModel());
        QVERIFY(batch.ok());
        for (const QString& source : sources) {
            QVERIFY(batch->addSource(source, 1).ok());
            DocumentRecord document;
            document.path = source + QStringLiteral("/x.md");
            document.size = source.size();
            document.modifiedMs = 1234;
            document.contentHash = source.toUtf8();
            std::vector<PassageRecord> records(1);
            QVERIFY(
                batch->putDocument(source, document, records, std::vector<float>(kDimension, 0.5f))
                    .ok());
            QVERIFY(batch
                        ->recordSkipped(source, {source + QStringLiteral("/y.bin"),
                                                 QStringLiteral("binary"), 5})
                        .ok());
        }
        QVERIFY(batch->commit().ok());

        auto states = sharedDocumentStates(*connection, sources[0]);
        QVERIFY2(states.ok(), states ? "" : qPrintable(states.error().message));
        QCOMPARE(states->size(), std::size_t(1));
        const SharedDocumentState& state = states->at(QStringLiteral("/team/a/x.md"));
        QCOMPARE(state.contentHash, QByteArray("/team/a"));
        QCOMPARE(state.size, std::int64_t(7));
        QCOMPARE(state.modifiedMs, std::int64_t(1234));
        auto skipped = sharedSkippedOf(*connection, sources[1]);
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->size(), std::size_t(1));
        QCOMPARE(skipped->front().path, QStringLiteral("/team/b/y.bin"));
        QCOMPARE(skipped->front().reason, QStringLiteral("binary"));

        // This session holding only the second source: another's takeAll takes the first,
        // is refused the second, and gives the first back.
        leases->clear();
        auto held = SourceLease::take(*connection, sources[1]);
        QVERIFY(held.ok());
        auto other = PgConnection::open(location);
        QVERIFY(other.ok());
        auto refused = SourceLease::takeAll(*other, sources);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Busy);
        auto first = SourceLease::take(*connection, sources[0]);
        QVERIFY2(first.ok(), "takeAll kept the lease it had taken before the refusal");

        auto forgetting =
            SharedIndexBatch::begin(*connection, QStringLiteral("laptop"), testModel());
        QVERIFY(forgetting.ok());
        QVERIFY(forgetting->removeUnder(sources[1]).ok());
        QVERIFY(forgetting->forgetSource(sources[1]).ok());
        QVERIFY(forgetting->commit().ok());
        auto left = sharedSources(*connection);
        QVERIFY(left.ok());
        QCOMPARE(left->size(), std::size_t(1));
        QCOMPARE(left->front().source.path, sources[0]);
        QVERIFY(sharedSkippedOf(*connection, sources[1])->empty());
        QCOMPARE(sharedSkippedOf(*connection, sources[0])->size(), std::size_t(1));
    }

    // Writing into a source without its lease is refused, whoever else holds it; nothing of
    // the batch remains.
    void aWriterWithoutTheLeaseIsRefused() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto holder = PgConnection::open(location);
        auto other = PgConnection::open(location);
        QVERIFY(holder && other);
        const QString source = QStringLiteral("/team/held");
        auto lease = SourceLease::take(*holder, source);
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
        {
            auto batch = SharedIndexBatch::begin(*holder, QStringLiteral("a"), testModel());
            QVERIFY(batch && batch->addSource(source, 1) && batch->commit());
        }

        // Another session, which holds a lease of its own but not this one.
        auto ownLease = SourceLease::take(*other, QStringLiteral("/team/own"));
        QVERIFY(ownLease.ok());
        const auto refused = [&](const Error& error) {
            return error.code == ErrorCode::InvalidArgument &&
                   error.message.contains(QStringLiteral("does not hold its lease")) &&
                   error.message.contains(source) && !error.message.contains(QLatin1Char('\n'));
        };
        {
            auto batch = SharedIndexBatch::begin(*other, QStringLiteral("b"), testModel());
            QVERIFY(batch.ok());
            auto added = batch->addSource(source, 2);
            QVERIFY(!added);
            QVERIFY2(refused(added.error()), qPrintable(added.error().message));
        }
        {
            auto batch = SharedIndexBatch::begin(*other, QStringLiteral("b"), testModel());
            QVERIFY(batch.ok());
            DocumentRecord document;
            document.path = source + QStringLiteral("/x.txt");
            std::vector<PassageRecord> passages(1);
            auto put = batch->putDocument(source, document, passages,
                                          std::vector<float>(kDimension, 0.5f));
            QVERIFY(!put);
            QVERIFY2(refused(put.error()), qPrintable(put.error().message));
        }
        {
            // The holder's document, removed by path by someone else.
            auto batch = SharedIndexBatch::begin(*holder, QStringLiteral("a"), testModel());
            QVERIFY(batch.ok());
            DocumentRecord document;
            document.path = source + QStringLiteral("/kept.txt");
            std::vector<PassageRecord> passages(1);
            QVERIFY(batch->putDocument(source, document, passages,
                                       std::vector<float>(kDimension, 0.5f)));
            QVERIFY(batch->commit());
            auto theirs = SharedIndexBatch::begin(*other, QStringLiteral("b"), testModel());
            QVERIFY(theirs.ok());
            auto removed = theirs->removeDocument(document.path);
            QVERIFY(!removed);
            QVERIFY2(refused(removed.error()), qPrintable(removed.error().message));
            theirs->rollback();
            auto under = SharedIndexBatch::begin(*other, QStringLiteral("b"), testModel());
            QVERIFY(under.ok());
            auto removedUnder = under->removeUnder(QStringLiteral("/team"));
            QVERIFY(!removedUnder);
            QVERIFY2(refused(removedUnder.error()), qPrintable(removedUnder.error().message));
        }
        // A lease on one source does not let a path of another be written through it.
        {
            auto batch = SharedIndexBatch::begin(*other, QStringLiteral("b"), testModel());
            QVERIFY(batch.ok());
            DocumentRecord document;
            document.path = source + QStringLiteral("/y.txt");
            std::vector<PassageRecord> passages(1);
            auto put = batch->putDocument(QStringLiteral("/team/own"), document, passages,
                                          std::vector<float>(kDimension, 0.5f));
            QVERIFY(!put);
            QCOMPARE(put.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(put.error().message.contains(QStringLiteral("is not inside the source")),
                     qPrintable(put.error().message));
        }
        auto counts = sharedCounts(*holder);
        QVERIFY(counts.ok());
        QCOMPARE(counts->total.documents, std::int64_t(1));
        QCOMPARE(counts->total.passages, std::int64_t(1));
    }

    // A read-only role reads everything and is refused writing, in one line.
    void aReadOnlyRoleReadsAndCannotWrite() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        {
            auto writer = PgConnection::open(location);
            QVERIFY(writer.ok());
            auto lease = SourceLease::take(*writer, QStringLiteral("/team/r"));
            QVERIFY(lease.ok());
            auto batch = SharedIndexBatch::begin(*writer, QStringLiteral("w"), testModel());
            QVERIFY(batch && batch->addSource(QStringLiteral("/team/r"), 1));
            DocumentRecord document;
            document.path = QStringLiteral("/team/r/a.txt");
            std::vector<PassageRecord> passages(2);
            QVERIFY(batch->putDocument(QStringLiteral("/team/r"), document, passages,
                                       std::vector<float>(2 * kDimension, 0.25f)));
            QVERIFY(batch->commit());
        }
        auto reader = PgConnection::open(
            m_server->location(location.section(QLatin1Char('/'), -1), QStringLiteral("reader")));
        QVERIFY2(reader.ok(), reader ? "" : qPrintable(reader.error().message));
        auto counts = sharedCounts(*reader);
        QVERIFY2(counts.ok(), counts ? "" : qPrintable(counts.error().message));
        QCOMPARE(counts->total.passages, std::int64_t(2));
        Cache cache;
        QCOMPARE(cache.catchUp(*reader), QString());
        QCOMPARE(cache.vectors.size(), std::size_t(2));
        std::size_t exported = 0;
        auto read = exportPassages(*reader, [&](const SharedPassage&, const float*) {
            ++exported;
            return true;
        });
        QVERIFY2(read.ok(), read ? "" : qPrintable(read.error().message));
        QCOMPARE(exported, std::size_t(2));

        auto batch = SharedIndexBatch::begin(*reader, QStringLiteral("r"), testModel());
        QVERIFY(!batch);
        QCOMPARE(batch.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(batch.error().message.contains(QStringLiteral("may not change the index")),
                 qPrintable(batch.error().message));
        QVERIFY(!batch.error().message.contains(QLatin1Char('\n')));
        auto lease = SourceLease::take(*reader, QStringLiteral("/team/r2"));
        QVERIFY(!lease);
        QCOMPARE(lease.error().code, ErrorCode::InvalidArgument);
    }

    // The writer's session ended by the server mid-batch: an Io error naming the index, and
    // nothing of the batch in it.
    void anInterruptedBatchLeavesNothing() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto writer = PgConnection::open(location);
        auto admin = PgConnection::open(location);
        QVERIFY(writer && admin);
        const QString source = QStringLiteral("/team/cut");
        auto lease = SourceLease::take(*writer, source);
        QVERIFY(lease.ok());
        {
            auto batch = SharedIndexBatch::begin(*writer, QStringLiteral("w"), testModel());
            QVERIFY(batch && batch->addSource(source, 1) && batch->commit());
        }
        auto before = changesSinceWithVectors(*admin, 0);
        QVERIFY(before.ok());

        auto batch = SharedIndexBatch::begin(*writer, QStringLiteral("w"), testModel());
        QVERIFY(batch.ok());
        for (int i = 0; i < 3; ++i) {
            DocumentRecord document;
            document.path = source + QStringLiteral("/%1.txt").arg(i);
            std::vector<PassageRecord> passages(2);
            QVERIFY(batch->putDocument(source, document, passages,
                                       std::vector<float>(2 * kDimension, 0.5f)));
        }
        auto ended = admin->query("SELECT pg_terminate_backend($1, 10000)",
                                  {PgParam::integer(writer->serverPid())});
        QVERIFY2(ended.ok() && ended->boolean(0, 0), "the writer's session was not ended");
        DocumentRecord document;
        document.path = source + QStringLiteral("/3.txt");
        std::vector<PassageRecord> passages(1);
        auto put =
            batch->putDocument(source, document, passages, std::vector<float>(kDimension, 0.5f));
        QVERIFY(!put);
        QCOMPARE(put.error().code, ErrorCode::Io);
        QVERIFY2(put.error().message.startsWith(displayLocation(location) + QStringLiteral(": ")),
                 qPrintable(put.error().message));
        QVERIFY2(put.error().message.contains(QStringLiteral("connection to the server was lost")),
                 qPrintable(put.error().message));
        QVERIFY(!put.error().message.contains(QLatin1Char('\n')));
        auto committed = batch->commit();
        QVERIFY(!committed);
        QCOMPARE(committed.error().code, ErrorCode::Io);

        auto counts = sharedCounts(*admin);
        QVERIFY(counts.ok());
        QCOMPARE(counts->total.documents, std::int64_t(0));
        QCOMPARE(counts->total.passages, std::int64_t(0));
        auto after = changesSinceWithVectors(*admin, 0);
        QVERIFY(after.ok());
        QCOMPARE(after->size(), before->size());
        auto leftover = admin->query("SELECT count(*) FROM passages");
        QVERIFY(leftover.ok());
        QCOMPARE(leftover->integer(0, 0), std::int64_t(0));
    }

    // Vectors come back with the bits they were written with, through the export and the
    // change log.
    void vectorsRoundTripBitForBit() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        const QString source = QStringLiteral("/team/bits");
        auto lease = SourceLease::take(*connection, source);
        QVERIFY(lease.ok());
        std::uint32_t nanBits = 0x7fc12345u; // a quiet NaN with a payload
        float nan = 0;
        std::memcpy(&nan, &nanBits, 4);
        const std::vector<float> vector = {-0.0f,
                                           0.0f,
                                           std::numeric_limits<float>::denorm_min(),
                                           -std::numeric_limits<float>::denorm_min(),
                                           FLT_MIN / 3,
                                           FLT_MIN,
                                           FLT_MAX,
                                           -FLT_MAX,
                                           std::numeric_limits<float>::infinity(),
                                           -std::numeric_limits<float>::infinity(),
                                           nan,
                                           1.0f / 3,
                                           FLT_EPSILON,
                                           1.0f + FLT_EPSILON,
                                           -1e-30f,
                                           123456792.0f};
        QCOMPARE(int(vector.size()), kDimension);
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel());
        QVERIFY(batch && batch->addSource(source, 1));
        DocumentRecord document;
        document.path = source + QStringLiteral("/v.bin");
        std::vector<PassageRecord> passages(1);
        QVERIFY(batch->putDocument(source, document, passages, vector));
        QVERIFY(batch->commit());

        auto raw = connection->query("SELECT vector FROM passages");
        QVERIFY(raw.ok());
        const QByteArray stored = raw->bytes(0, 0);
        QCOMPARE(stored.size(), qsizetype(4 * kDimension));
        // Little-endian on the wire and on disk, whatever this machine's byte order: -0.0 is
        // 00 00 00 80.
        QCOMPARE(stored.left(4), QByteArray::fromHex("00000080"));

        std::int64_t generation = 0;
        const std::vector<Exported> exported = exportAll(*connection, &generation);
        QCOMPARE(exported.size(), std::size_t(1));
        QVERIFY(sameBits(exported[0].vector.data(), vector.data(), kDimension));
        auto changes = changesSinceWithVectors(*connection, 0);
        QVERIFY(changes.ok());
        QCOMPARE(changes->back().added.size(), std::size_t(1));
        QVERIFY(sameBits(changes->back().vectors.data(), vector.data(), kDimension));
    }

    // The export reads a page at a time from a server-side cursor: while the caller looks at a
    // passage, the exporting session sits in its transaction having last run a FETCH (one
    // big SELECT read whole would show that instead). Stopping early is a success.
    void theExportFetchesPageByPage() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        auto observer = PgConnection::open(location);
        QVERIFY(connection && observer);
        const QString source = QStringLiteral("/team/pages");
        auto lease = SourceLease::take(*connection, source);
        QVERIFY(lease.ok());
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel());
        QVERIFY(batch && batch->addSource(source, 1));
        for (int i = 0; i < 10; ++i) {
            DocumentRecord document;
            document.path = source + QStringLiteral("/%1.txt").arg(i);
            std::vector<PassageRecord> passages(5);
            QVERIFY(batch->putDocument(source, document, passages,
                                       std::vector<float>(5 * kDimension, float(i))));
        }
        QVERIFY(batch->commit());

        int seen = 0;
        QStringList lastQueries;
        auto exported = exportPassages(
            *connection,
            [&](const SharedPassage& passage, const float* vector) {
                if (vector[0] != float(passage.document.path.section(QLatin1Char('/'), -1)
                                           .section(QLatin1Char('.'), 0, 0)
                                           .toInt()))
                    lastQueries << QStringLiteral("wrong vector");
                if (seen % 10 == 5) {
                    auto activity =
                        observer->query("SELECT state || ': ' || query FROM pg_stat_activity "
                                        "WHERE pid = $1",
                                        {PgParam::integer(connection->serverPid())});
                    lastQueries << (activity ? activity->text(0, 0) : QStringLiteral("?"));
                }
                return ++seen < 42;
            },
            10);
        QVERIFY2(exported.ok(), exported ? "" : qPrintable(exported.error().message));
        QCOMPARE(*exported, std::int64_t(1)); // the one commit above
        QCOMPARE(seen, 42);
        QCOMPARE(lastQueries.size(), 4); // at passages 5, 15, 25 and 35
        for (const QString& query : lastQueries)
            QVERIFY2(query.startsWith(QStringLiteral("idle in transaction: FETCH FORWARD 10 ")),
                     qPrintable(query));
        // The transaction ended with the export: the connection is free for the next reads.
        auto counts = sharedCounts(*connection);
        QVERIFY2(counts.ok(), counts ? "" : qPrintable(counts.error().message));
        QCOMPARE(counts->total.passages, std::int64_t(50));
        auto state = observer->query("SELECT state FROM pg_stat_activity WHERE pid = $1",
                                     {PgParam::integer(connection->serverPid())});
        QVERIFY(state.ok());
        QCOMPARE(state->text(0, 0), QStringLiteral("idle"));
    }

    // Two first batches of a new index at once: the second waits for the first's model and
    // then agrees with it (same model) or is a Mismatch (another), never a duplicate-key error.
    void firstBatchesAtOnceAgreeOnTheModel() {
        for (const int otherDimension : {kDimension, 32}) {
            const QString location = freshIndex();
            QVERIFY(!location.isEmpty());
            auto first = PgConnection::open(location);
            auto second = PgConnection::open(location);
            auto observer = PgConnection::open(location);
            QVERIFY(first && second && observer);
            auto firstBatch = SharedIndexBatch::begin(*first, QStringLiteral("a"), testModel());
            QVERIFY(firstBatch.ok());
            std::optional<Result<SharedIndexBatch>> secondBatch;
            std::thread starter([&] {
                secondBatch.emplace(SharedIndexBatch::begin(*second, QStringLiteral("b"),
                                                            testModel(otherDimension)));
                if (*secondBatch)
                    (void)(*secondBatch)->commit();
            });
            // The second waits on the first's uncommitted meta rows.
            bool waited = false;
            for (int i = 0; i < 500 && !waited; ++i) {
                auto waiting =
                    observer->query("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = $1",
                                    {PgParam::integer(second->serverPid())});
                waited = waiting && waiting->integer(0, 0) > 0;
                if (!waited)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            auto committed = firstBatch->commit();
            starter.join();
            QVERIFY2(waited, "the second batch did not wait for the first");
            QVERIFY2(committed.ok(), committed ? "" : qPrintable(committed.error().message));
            QVERIFY(secondBatch.has_value());
            if (otherDimension == kDimension) {
                QVERIFY2(secondBatch->ok(),
                         *secondBatch ? "" : qPrintable((*secondBatch).error().message));
            } else {
                QVERIFY(!*secondBatch);
                QCOMPARE((*secondBatch).error().code, ErrorCode::Mismatch);
            }
        }
    }

    // The first batch records the model; another model is refused, as is a vector of the
    // wrong size.
    void anotherModelIsAMismatch() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        QVERIFY(SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel())->commit());
        auto other = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel(32));
        QVERIFY(!other);
        QCOMPARE(other.error().code, ErrorCode::Mismatch);
        QVERIFY2(other.error().message.contains(QStringLiteral("(16 dimensions)")),
                 qPrintable(other.error().message));
        auto renamed = testModel();
        renamed.weightsFingerprint = QStringLiteral("fingerprint-2");
        QCOMPARE(SharedIndexBatch::begin(*connection, QStringLiteral("w"), renamed).error().code,
                 ErrorCode::Mismatch);

        const QString source = QStringLiteral("/team/m");
        auto lease = SourceLease::take(*connection, source);
        QVERIFY(lease.ok());
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel());
        QVERIFY(batch && batch->addSource(source, 1));
        DocumentRecord document;
        document.path = source + QStringLiteral("/a.txt");
        std::vector<PassageRecord> passages(2);
        auto put =
            batch->putDocument(source, document, passages, std::vector<float>(kDimension, 1.0f));
        QVERIFY(!put);
        QCOMPARE(put.error().code, ErrorCode::InvalidArgument);
    }

    // The first batch that names a precision records it; a batch of another one is refused,
    // naming both and the way out; a batch that names none is not checked.
    void anotherPrecisionIsAMismatch() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        QVERIFY(
            SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel(), Precision::Bf16)
                ->commit());
        auto recorded = sharedPrecision(*connection);
        QVERIFY(recorded.ok());
        QCOMPARE(recorded->value_or(Precision::Auto), Precision::Bf16);
        auto other =
            SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel(), Precision::Fp32);
        QVERIFY(!other);
        QCOMPARE(other.error().code, ErrorCode::Mismatch);
        QVERIFY2(
            other.error().message.contains(QStringLiteral("bf16")) &&
                other.error().message.contains(QStringLiteral("index --reembed --precision fp32")),
            qPrintable(other.error().message));
        QVERIFY(SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel())->commit());
    }

    // A document belongs to one source: a batch writing another source (whose lease it holds,
    // and the document's too) cannot replace it.
    void aDocumentOfAnotherSourceIsNotReplaced() {
        const QString location = freshIndex();
        QVERIFY(!location.isEmpty());
        auto connection = PgConnection::open(location);
        QVERIFY(connection.ok());
        const QString outer = QStringLiteral("/team/outer");
        const QString inner = outer + QStringLiteral("/inner");
        auto leases = SourceLease::takeAll(*connection, {outer, inner});
        QVERIFY(leases.ok());
        DocumentRecord document;
        document.path = inner + QStringLiteral("/a.txt");
        std::vector<PassageRecord> passages(1);
        const std::vector<float> vector(kDimension, 1.0f);
        {
            auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel());
            QVERIFY(batch && batch->addSource(outer, 1) && batch->addSource(inner, 1));
            QVERIFY(batch->putDocument(outer, document, passages, vector));
            QVERIFY(batch->commit());
        }
        auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("w"), testModel());
        QVERIFY(batch.ok());
        auto put = batch->putDocument(inner, document, passages, vector);
        QVERIFY(!put);
        QCOMPARE(put.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(put.error().message.contains(outer) && put.error().message.contains(inner),
                 qPrintable(put.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPgSharedIndex)
#include "test_pg_shared_index.moc"
