// The window's indexing on a shared index at a postgresql:// location, against a private
// PostgreSQL 15 (postgres_server.h) and the tiny model: an IndexingSession given the location
// writes through the same writer as the CLI. What the database holds (read back with
// exportSharedIndex) is compared with the files on disk: the same paths and sizes, each passage
// a piece of its file's text with that text's vector as an embedder of the test's own computes
// it. Remove takes them out again; a cancelled run leaves an index that verifies clean and the
// next run completes; a source another session holds is refused naming the holder; a server
// that is not there is one line naming the location.

#include "brute_force_ranking.h"
#include "indexing_session.h"
#include "postgres_server.h"
#include "reference_data.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/source_lease.h"

#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_overview.h"
#include "semsearch/shared_index_searcher.h"
#include "semsearch/shared_index_verify.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <functional>
#include <map>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kMachine = QStringLiteral("this-machine");

// A passage as the database holds it.
struct SharedPassage {
    QString text;
    std::vector<float> vector;
};

// What the database holds: document path -> its size and its passages in order.
struct SharedDocument {
    qint64 size = 0;
    QString machine;
    std::vector<SharedPassage> passages;
};
using SharedDocuments = std::map<QString, SharedDocument>;

// A file of `sentences` sentences on `topic`.
QByteArray prose(const QString& topic, int sentences) {
    QByteArray text;
    for (int i = 0; i < sentences; ++i)
        text += QStringLiteral("Sentence %1 tells about %2 and what follows from it. ")
                    .arg(i)
                    .arg(topic)
                    .toUtf8();
    return text + '\n';
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

// A job's result, once it finished (false: not in time).
struct Finished {
    bool finished = false;
    services::IndexJobResult result;
};

using Start = std::function<void(services::IndexingSession&)>;
using OnProgress = std::function<void(services::IndexingSession&, const IndexProgress&)>;

bool isOneLine(const QString& message) {
    return !message.isEmpty() && !message.contains(QLatin1Char('\n'));
}

} // namespace

class TestSharedIndexingSession : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QTemporaryDir m_temp; // the files, and the cache folder with the working copies
    std::shared_ptr<SharedEmbedder> m_embedder;
    std::unique_ptr<Embedder> m_reference; // embeds passage texts for the comparison
    int m_databases = 0;

    QString newIndex() {
        const QString name = QStringLiteral("team%1").arg(++m_databases);
        const QString error = m_server->runSql(QStringLiteral("CREATE DATABASE ") + name);
        return error.isEmpty() ? m_server->location(name) : QString();
    }

    QString folder(const QString& name) const { return m_temp.path() + QLatin1Char('/') + name; }

    // `count` text files in a new folder `name`, each on its own topic.
    QString notes(const QString& name, int count) {
        const QString root = folder(name);
        for (int i = 0; i < count; ++i)
            if (!writeFile(root + QStringLiteral("/note-%1.txt").arg(i),
                           prose(QStringLiteral("%1 topic %2").arg(name).arg(i), 3 + i % 4)))
                return QString();
        return root;
    }

    // Runs `start` on a new session on `location` and waits for its job's result.
    Finished run(const QString& location, const Start& start, const OnProgress& onProgress = {},
                 const IndexOptions& options = {}) {
        services::IndexingSession session;
        session.setIndexFolder(location);
        session.setOptions(options);
        session.setEmbedder(m_embedder);
        QSignalSpy finished(&session, &services::IndexingSession::jobFinished);
        if (onProgress)
            connect(&session, &services::IndexingSession::progress, &session,
                    [&session, onProgress](const IndexProgress& report) {
                        onProgress(session, report);
                    });
        start(session);
        if (!finished.wait(120000))
            return {};
        return {true, finished.takeFirst().at(0).value<services::IndexJobResult>()};
    }

    // Every document of the shared index with its passages (exportSharedIndex's snapshot).
    static SharedDocuments exported(const QString& location, QString* error) {
        SharedDocuments documents;
        auto done = exportSharedIndex(
            location, [&](const DocumentRecord& document, const PassageRecord& passage,
                          const QString& machine, const float* vector, int dimension) {
                SharedDocument& shared = documents[document.path];
                shared.size = document.size;
                shared.machine = machine;
                shared.passages.push_back(
                    {passage.text, std::vector<float>(vector, vector + dimension)});
                return true;
            });
        if (!done)
            *error = done.error().message;
        return documents;
    }

    // The database holds exactly the text files below `roots`, as they are on disk now: the
    // same paths and sizes, indexed by this machine; every passage is a piece of its file's
    // text, and its vector is the one the test's own embedder gives that text.
    void checkHoldsExactly(const QString& location, const QStringList& roots) {
        QString error;
        const SharedDocuments documents = exported(location, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QStringList onDisk;
        for (const QString& root : roots)
            for (const QString& name : QDir(root).entryList({QStringLiteral("*.txt")}, QDir::Files))
                onDisk << root + QLatin1Char('/') + name;
        QStringList held;
        for (const auto& [path, document] : documents)
            held << path;
        onDisk.sort();
        held.sort();
        QCOMPARE(held, onDisk);
        for (const auto& [path, document] : documents) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(file.readAll()).simplified();
            QCOMPARE(document.size, QFileInfo(path).size());
            QCOMPARE(document.machine, kMachine);
            QVERIFY(!document.passages.empty());
            for (const SharedPassage& passage : document.passages) {
                QVERIFY2(text.contains(passage.text.simplified()), qPrintable(passage.text));
                auto vector = m_reference->embed({passage.text});
                QVERIFY(vector.ok());
                QVERIFY2(cosine(passage.vector, vector->values) > 0.9999, qPrintable(passage.text));
            }
        }
    }

private Q_SLOTS:
    void initTestCase() {
        qRegisterMetaType<services::IndexJobResult>();
        QVERIFY(m_temp.isValid());
        qputenv("XDG_CACHE_HOME", folder(QStringLiteral("cache")).toUtf8());
        qputenv("SEMSEARCH_MACHINE", kMachine.toUtf8());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::make_shared<SharedEmbedder>(std::move(embedder).value());
        auto reference = openEmbedder(tinyModelPath());
        QVERIFY(reference.ok());
        m_reference = std::move(reference).value();
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
    }

    // Index a folder: the database holds its files, named as this machine's, and the result
    // says how many documents reached which location; editing one file and indexing again
    // publishes that one only; remove takes the source's documents out.
    void indexesAFolderAndRemovesIt() {
        const QString location = newIndex();
        QVERIFY(!location.isEmpty());
        const QString root = notes(QStringLiteral("notes"), 5);
        QVERIFY(!root.isEmpty());
        const auto indexed = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY(indexed.finished);
        QVERIFY2(indexed.result.ok, qPrintable(indexed.result.error));
        QCOMPARE(indexed.result.published, 5);
        QCOMPARE(indexed.result.stats.filesAdded, 5);
        QCOMPARE(indexed.result.location, displayLocation(location));
        QVERIFY(indexed.result.generation > 0);
        checkHoldsExactly(location, {root});
        auto overview = readSharedIndexOverview(location);
        QVERIFY(overview.ok());
        QCOMPARE(overview->sources.size(), std::size_t(1));
        QCOMPARE(overview->sources[0].source.path, root);
        QCOMPARE(overview->sources[0].machine, kMachine);

        QVERIFY(writeFile(root + QStringLiteral("/note-2.txt"), prose(QStringLiteral("kites"), 4)));
        const auto again = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY2(again.finished && again.result.ok, qPrintable(again.result.error));
        QCOMPARE(again.result.published, 1);
        QVERIFY(again.result.generation > indexed.result.generation);
        checkHoldsExactly(location, {root});

        // Re-embedded with the model it has: the window's job goes through, and the database
        // still holds the files as they are.
        const auto reembedded = run(location, [](auto& session) { session.reembed(); });
        QVERIFY(reembedded.finished);
        QVERIFY2(reembedded.result.ok, qPrintable(reembedded.result.error));
        QVERIFY(!reembedded.result.stats.cancelled);
        checkHoldsExactly(location, {root});

        const auto removed = run(location, [&](auto& session) { session.remove({root}); });
        QVERIFY(removed.finished);
        QVERIFY2(removed.result.ok, qPrintable(removed.result.error));
        QCOMPARE(removed.result.removed, 5);
        checkHoldsExactly(location, {});
        overview = readSharedIndexOverview(location);
        QVERIFY(overview.ok());
        QCOMPARE(overview->sources.size(), std::size_t(0));
    }

    // Cancelled at its first report: what was published is whole (verify finds nothing wrong,
    // every document held is a file's), and the next run publishes the rest.
    void aCancelledRunLeavesAConsistentIndex() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("many"), 60);
        QVERIFY(!root.isEmpty());
        IndexOptions small; // batches of 8 files: the run has several to cancel between
        small.filesPerBatch = 8;
        const auto cancelled = run(
            location, [&](auto& session) { session.index({root}); },
            [](auto& session, const IndexProgress& report) {
                if (report.stage == IndexProgress::Stage::Indexing)
                    session.cancel();
            },
            small);
        QVERIFY(cancelled.finished);
        QVERIFY2(cancelled.result.ok, qPrintable(cancelled.result.error));
        QVERIFY(cancelled.result.stats.cancelled);
        QVERIFY(cancelled.result.published > 0 && cancelled.result.published < 60);
        auto check = verifySharedIndex(location);
        QVERIFY2(check.ok(), check ? "" : qPrintable(check.error().message));
        QVERIFY2(check->ok(), qPrintable(check->problems.join(QLatin1Char('\n'))));
        QString error;
        const SharedDocuments partial = exported(location, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(qint64(partial.size()), cancelled.result.published);
        for (const auto& [path, document] : partial)
            QVERIFY2(path.startsWith(root + QLatin1Char('/')) && QFileInfo::exists(path),
                     qPrintable(path));

        const auto resumed = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY2(resumed.finished && resumed.result.ok, qPrintable(resumed.result.error));
        QCOMPARE(resumed.result.published, 60 - cancelled.result.published);
        checkHoldsExactly(location, {root});
        check = verifySharedIndex(location);
        QVERIFY(check.ok() && check->ok());
    }

    // A source another session holds: indexing and removing it are refused with Busy, in one
    // line naming the holder (this process's id is in its name), and what the database holds
    // of it stays as it was.
    void aHeldSourceIsRefusedNamingTheHolder() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("held"), 2);
        const auto first = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY2(first.finished && first.result.ok, qPrintable(first.result.error));
        auto holder = PgConnection::open(location);
        QVERIFY2(holder.ok(), holder ? "" : qPrintable(holder.error().message));
        QVERIFY(migrateSharedIndex(*holder).ok());
        auto lease = SourceLease::take(*holder, root);
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));
        QVERIFY(writeFile(root + QStringLiteral("/late.txt"), prose(QStringLiteral("late"), 2)));

        const auto refused = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY(refused.finished);
        QVERIFY(!refused.result.ok);
        QCOMPARE(refused.result.errorCode, ErrorCode::Busy);
        QVERIFY2(isOneLine(refused.result.error), qPrintable(refused.result.error));
        QVERIFY2(refused.result.error.contains(QString::number(QCoreApplication::applicationPid())),
                 qPrintable(refused.result.error));
        const auto removal = run(location, [&](auto& session) { session.remove({root}); });
        QVERIFY(removal.finished);
        QVERIFY(!removal.result.ok);
        QCOMPARE(removal.result.errorCode, ErrorCode::Busy);
        QVERIFY2(isOneLine(removal.result.error), qPrintable(removal.result.error));

        QVERIFY(QFile::remove(root + QStringLiteral("/late.txt")));
        checkHoldsExactly(location, {root});
    }

    // No server at the address: one line naming the location, never its password; re-embedding
    // an index that holds nothing is one line too.
    void noServerAndReembeddingAreOneLine() {
        const QString location = QStringLiteral("postgresql://ann:pw-s3cret@127.0.0.1:%1/team")
                                     .arg(PostgresServer::freePort());
        const QString root = notes(QStringLiteral("nowhere"), 1);
        const auto failed = run(location, [&](auto& session) { session.index({root}); });
        QVERIFY(failed.finished);
        QVERIFY(!failed.result.ok);
        QVERIFY2(isOneLine(failed.result.error), qPrintable(failed.result.error));
        QVERIFY2(failed.result.error.contains(displayLocation(location)),
                 qPrintable(failed.result.error));
        QVERIFY(!failed.result.error.contains(QStringLiteral("s3cret")));

        // Nothing to re-embed in an empty index: one line.
        const auto reembed = run(newIndex(), [](auto& session) { session.reembed(); });
        QVERIFY(reembed.finished);
        QVERIFY(!reembed.result.ok);
        QVERIFY2(isOneLine(reembed.result.error), qPrintable(reembed.result.error));
    }
};

QTEST_GUILESS_MAIN(TestSharedIndexingSession)
#include "test_shared_indexing_session.moc"
