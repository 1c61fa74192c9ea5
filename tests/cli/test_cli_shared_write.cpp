// semsearch-cli index and remove on a shared index at a postgresql:// location, against a
// private PostgreSQL 15 (postgres_server.h). Each "machine" is a process with its own
// SEMSEARCH_MACHINE and cache folder (where its working copies live). What the database holds
// is read through the data layer and compared with a LOCAL index of the same files made by the
// same CLI: the same paths, passage texts and vectors (fp32, bit for bit).

#include "cli_runner.h"
#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"

#include "semsearch/index_folder.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <map>
#include <vector>

#include <signal.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// path -> its passages in order, each its text and vector.
using Passages = std::map<QString, std::vector<std::pair<QString, std::vector<float>>>>;

const QString kModel = QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bert-max");

void writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), qint64(bytes.size()));
}

// A file of `sentences` sentences on `topic`, long enough to make several passages.
QByteArray prose(const QString& topic, int sentences) {
    QByteArray text;
    for (int i = 0; i < sentences; ++i)
        text += QStringLiteral("Sentence %1 tells about %2 and what follows from it. ")
                    .arg(i)
                    .arg(topic)
                    .toUtf8();
    return text + '\n';
}

// A machine: its name and a cache folder of its own.
QProcessEnvironment machine(const QString& name, const QString& cache) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SEMSEARCH_MACHINE"), name);
    environment.insert(QStringLiteral("XDG_CACHE_HOME"), cache);
    environment.remove(QStringLiteral("SEMSEARCH_INDEX"));
    return environment;
}

QStringList indexArguments(const QString& index, const QStringList& paths) {
    return QStringList{QStringLiteral("index"),
                       QStringLiteral("--index"),
                       index,
                       QStringLiteral("--model"),
                       kModel,
                       QStringLiteral("--precision"),
                       QStringLiteral("fp32"),
                       QStringLiteral("--json"),
                       QStringLiteral("--quiet")} +
           paths;
}

Passages sharedPassages(const QString& location) {
    Passages passages;
    auto connection = PgConnection::open(location);
    if (!connection)
        return passages;
    auto dimension = sharedDimension(*connection);
    (void)exportPassages(*connection, [&](const SharedPassage& shared, const float* vector) {
        passages[shared.document.path].push_back(
            {shared.passage.text, std::vector<float>(vector, vector + *dimension)});
        return true;
    });
    return passages;
}

// "" when equal, else the first path where they differ.
QString difference(const Passages& shared, const Passages& local) {
    for (const auto& [path, passages] : local) {
        const auto found = shared.find(path);
        if (found == shared.end())
            return path + QStringLiteral(": not in the shared index");
        if (found->second.size() != passages.size())
            return path + QStringLiteral(": %1 passages shared, %2 local")
                              .arg(found->second.size())
                              .arg(passages.size());
        if (found->second != passages)
            return path + QStringLiteral(": another text or vector");
    }
    for (const auto& [path, passages] : shared)
        if (local.count(path) == 0)
            return path + QStringLiteral(": only in the shared index");
    return local.empty() ? QStringLiteral("the local index is empty") : QString();
}

// A fresh local index of `paths` made by the CLI, read back from its folder.
Passages localPassages(const QStringList& paths) {
    QTemporaryDir folder;
    Passages passages;
    const QString index = folder.filePath(QStringLiteral("index"));
    const RunResult run =
        runCli(indexArguments(index, paths), {},
               machine(QStringLiteral("local"), folder.filePath(QStringLiteral("cache"))));
    if (run.exitCode != 0) {
        qWarning("%s", run.err.constData());
        return passages;
    }
    auto opened = IndexFolder::open(index, IndexFolder::Mode::Read);
    if (!opened)
        return passages;
    (void)(*opened)->exportPassages([&](const DocumentRecord& document,
                                        const PassageRecord& passage, const float* vector,
                                        int dimension) {
        passages[document.path].push_back(
            {passage.text, std::vector<float>(vector, vector + dimension)});
        return true;
    });
    return passages;
}

// The shared index's status as JSON.
QJsonObject status(const QString& location) {
    const RunResult run = runCli(
        {QStringLiteral("status"), QStringLiteral("--index"), location, QStringLiteral("--json")});
    return QJsonDocument::fromJson(run.out).object();
}

std::int64_t generationOf(const QString& location) {
    return status(location).value(QStringLiteral("generation")).toInteger();
}

// The files anywhere under `folder` named `name` (a working copy's database, say).
QStringList filesNamed(const QString& folder, const QString& name) {
    QStringList found;
    QDirIterator it(folder, {name}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        found << it.next();
    return found;
}

// The documents the one working copy under `cache` holds so far; 0 before it exists.
std::int64_t documentsInWorkingCopy(const QString& cache) {
    const QStringList copies = filesNamed(cache, QStringLiteral("index.sqlite"));
    if (copies.size() != 1)
        return 0;
    auto copy = IndexFolder::open(QFileInfo(copies.first()).path(), IndexFolder::Mode::Read);
    if (!copy)
        return 0;
    auto overview = (*copy)->overview();
    return overview ? overview->totals.documents : 0;
}

// Starts `writer` indexing `root` as machine "alpha" with its cache in `cache`, and waits
// until `reached` (or two minutes). False when the writer has ended by then.
bool startWriterUntil(QProcess& writer, const QString& location, const QString& root,
                      const QString& cache, const std::function<bool()>& reached) {
    writer.setProcessEnvironment(machine(QStringLiteral("alpha"), cache));
    writer.start(QStringLiteral(SEMSEARCH_CLI), indexArguments(location, {root}));
    if (!writer.waitForStarted())
        return false;
    const QDeadlineTimer deadline(120000);
    while (!reached() && writer.state() == QProcess::Running && !deadline.hasExpired())
        QThread::msleep(10);
    return writer.state() == QProcess::Running;
}

} // namespace

class TestCliSharedWrite : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QTemporaryDir m_work;
    int m_databases = 0;

    // A new database of its own for each test.
    QString newIndex() {
        const QString name = QStringLiteral("team%1").arg(++m_databases);
        const QString created = m_server->runSql(QStringLiteral("CREATE DATABASE %1").arg(name));
        return created.isEmpty() ? m_server->location(name) : QString();
    }

    QString folder(const QString& name) const { return m_work.filePath(name); }

    // A folder of a few text files.
    QString notes(const QString& name) {
        const QString root = folder(name);
        writeFile(root + QStringLiteral("/apples.txt"), prose(QStringLiteral("apples"), 30));
        writeFile(root + QStringLiteral("/boats.md"), prose(QStringLiteral("boats"), 12));
        writeFile(root + QStringLiteral("/sub/clouds.txt"), prose(QStringLiteral("clouds"), 5));
        writeFile(root + QStringLiteral("/sub/binary.bin"), QByteArray("\0\1\2\3", 4));
        return root;
    }

    // About 900 passages (24 files): two publication batches of about 512, and a few seconds
    // of embedding.
    QString largeFolder(const QString& name, int files = 24) {
        const QString root = folder(name);
        for (int i = 0; i < files; ++i)
            writeFile(root + QStringLiteral("/part-%1.txt").arg(i, 2, 10, QLatin1Char('0')),
                      prose(QStringLiteral("topic %1").arg(i), 300));
        return root;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_work.isValid());
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
    }

    // 1. The database holds what a local index of the same folder holds, vectors exact; a
    // second run changes nothing.
    void indexedFolderEqualsALocalIndex() {
        const QString location = newIndex();
        QVERIFY(!location.isEmpty());
        const QString root = notes(QStringLiteral("one"));
        const auto alpha = machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-1")));
        const RunResult run = runCli(indexArguments(location, {root}), {}, alpha);
        QVERIFY2(run.exitCode == 0, run.err.constData());

        const Passages expected = localPassages({root});
        QCOMPARE(expected.size(), std::size_t(3));
        QCOMPARE(difference(sharedPassages(location), expected), QString());
        std::size_t passages = 0;
        for (const auto& [path, list] : expected)
            passages += list.size();
        const QJsonObject first = QJsonDocument::fromJson(run.out).object();
        const QJsonObject published = first.value(QStringLiteral("published")).toObject();
        QCOMPARE(published.value(QStringLiteral("documents")).toInt(), 3);
        QCOMPARE(published.value(QStringLiteral("passages")).toInteger(), qint64(passages));

        const QJsonObject counts = status(location);
        QCOMPARE(counts.value(QStringLiteral("documents")).toInt(), 3);
        QCOMPARE(counts.value(QStringLiteral("passages")).toInteger(), qint64(passages));
        QCOMPARE(counts.value(QStringLiteral("skipped_count")).toInt(), 1); // binary.bin
        const QJsonObject source =
            counts.value(QStringLiteral("sources")).toArray().at(0).toObject();
        QCOMPARE(source.value(QStringLiteral("path")).toString(), root);
        QCOMPARE(source.value(QStringLiteral("machine")).toString(), QStringLiteral("alpha"));

        const std::int64_t generation = generationOf(location);
        QVERIFY(generation > 0);
        const RunResult again = runCli(indexArguments(location, {root}), {}, alpha);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const QJsonObject second = QJsonDocument::fromJson(again.out).object();
        QCOMPARE(second.value(QStringLiteral("passages_embedded")).toInt(), 0);
        QCOMPARE(second.value(QStringLiteral("generation")).toInt(), 0);
        QCOMPARE(generationOf(location), generation);
    }

    // 2. An edit, a deletion and a new file: afterwards the database holds exactly what a fresh
    // local index of the folder holds.
    void changesArePublished() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("two"));
        const auto alpha = machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-2")));
        QCOMPARE(runCli(indexArguments(location, {root}), {}, alpha).exitCode, 0);
        const std::int64_t before = generationOf(location);

        writeFile(root + QStringLiteral("/apples.txt"), prose(QStringLiteral("pears"), 9));
        QVERIFY(QFile::remove(root + QStringLiteral("/boats.md")));
        writeFile(root + QStringLiteral("/sub/deeper/dunes.txt"),
                  prose(QStringLiteral("dunes"), 7));
        const RunResult run = runCli(indexArguments(location, {root}), {}, alpha);
        QVERIFY2(run.exitCode == 0, run.err.constData());

        const Passages expected = localPassages({root});
        QVERIFY(expected.count(root + QStringLiteral("/sub/deeper/dunes.txt")) == 1);
        QVERIFY(expected.count(root + QStringLiteral("/boats.md")) == 0);
        QCOMPARE(difference(sharedPassages(location), expected), QString());
        QVERIFY(generationOf(location) > before);
    }

    // 2b. A document damaged in the database (a passage deleted by hand): verify --repair
    // removes it and says to index its source again from its machine; that run puts it back
    // from the working copy, without embedding, and the database equals a local index again.
    void repairedDocumentComesBackWithTheNextRun() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("two-b"));
        const auto alpha = machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-2b")));
        QCOMPARE(runCli(indexArguments(location, {root}), {}, alpha).exitCode, 0);
        QCOMPARE(m_server->runSql(QStringLiteral("DELETE FROM passages WHERE ordinal = 1 AND "
                                                 "document_id = (SELECT id FROM documents WHERE "
                                                 "path LIKE '%/apples.txt')"),
                                  location.section(QLatin1Char('/'), -1)),
                 QString());
        const RunResult repaired = runCli({QStringLiteral("verify"), QStringLiteral("--index"),
                                           location, QStringLiteral("--repair")},
                                          {}, alpha);
        QCOMPARE(repaired.exitCode, 1);
        QVERIFY2(repaired.out.contains("lost: " + root.toUtf8() + "/apples.txt (indexed by alpha)"),
                 repaired.out.constData());
        QVERIFY2(repaired.err.contains("on alpha: semsearch-cli index --index"),
                 repaired.err.constData());

        const RunResult run = runCli(indexArguments(location, {root}), {}, alpha);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(summary.value(QStringLiteral("passages_embedded")).toInt(), 0);
        QCOMPARE(difference(sharedPassages(location), localPassages({root})), QString());
        const RunResult verified =
            runCli({QStringLiteral("verify"), QStringLiteral("--index"), location});
        QVERIFY2(verified.exitCode == 0, verified.out + verified.err);
    }

    // 3. Two machines index two sources at the same time: both succeed, each source names its
    // machine.
    void twoMachinesAtOnce() {
        const QString location = newIndex();
        const QString first = notes(QStringLiteral("three-a"));
        const QString second = notes(QStringLiteral("three-b"));
        QProcess alpha;
        QProcess beta;
        alpha.setProcessEnvironment(
            machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-3a"))));
        beta.setProcessEnvironment(
            machine(QStringLiteral("beta"), folder(QStringLiteral("cache-3b"))));
        alpha.start(QStringLiteral(SEMSEARCH_CLI), indexArguments(location, {first}));
        beta.start(QStringLiteral(SEMSEARCH_CLI), indexArguments(location, {second}));
        const RunResult a = finishRun(alpha);
        const RunResult b = finishRun(beta);
        QVERIFY2(a.exitCode == 0, a.err.constData());
        QVERIFY2(b.exitCode == 0, b.err.constData());

        const QJsonArray sources = status(location).value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 2);
        QCOMPARE(sources.at(0).toObject().value(QStringLiteral("path")).toString(), first);
        QCOMPARE(sources.at(0).toObject().value(QStringLiteral("machine")).toString(),
                 QStringLiteral("alpha"));
        QCOMPARE(sources.at(1).toObject().value(QStringLiteral("machine")).toString(),
                 QStringLiteral("beta"));
        QCOMPARE(difference(sharedPassages(location), localPassages({first, second})), QString());
    }

    // 4. A source another session holds is refused before anything is embedded, naming the
    // holder.
    void heldSourceIsRefused() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("four"));
        auto holder = PgConnection::open(location);
        QVERIFY(holder.ok());
        QVERIFY(migrateSharedIndex(*holder).ok());
        auto lease = SourceLease::take(*holder, root);
        QVERIFY2(lease.ok(), lease ? "" : qPrintable(lease.error().message));

        const QString cache = folder(QStringLiteral("cache-4"));
        const RunResult run =
            runCli(indexArguments(location, {root}), {}, machine(QStringLiteral("beta"), cache));
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(isOneLine(run.err), run.err.constData());
        QVERIFY2(run.err.contains(QByteArray::number(QCoreApplication::applicationPid())),
                 run.err.constData());
        QVERIFY2(filesNamed(cache, QStringLiteral("index.sqlite")).isEmpty(), "embedded anyway");
        QCOMPARE(status(location).value(QStringLiteral("documents")).toInt(), 0);
    }

    // A folder inside a source another machine indexes, or holding it, would give the same
    // documents two writers: refused, naming the source and its machine.
    void nestedSourcesAreRefused() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("nested/inner"));
        QCOMPARE(runCli(indexArguments(location, {root}), {},
                        machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-n1"))))
                     .exitCode,
                 0);
        const auto beta = machine(QStringLiteral("beta"), folder(QStringLiteral("cache-n2")));
        const RunResult inside =
            runCli(indexArguments(location, {root + QStringLiteral("/sub")}), {}, beta);
        QCOMPARE(inside.exitCode, 1);
        QVERIFY2(isOneLine(inside.err), inside.err.constData());
        QVERIFY2(
            inside.err.contains("/sub lies in the source " + root.toUtf8() + " (indexed by alpha)"),
            inside.err.constData());
        const RunResult holding =
            runCli(indexArguments(location, {folder(QStringLiteral("nested"))}), {}, beta);
        QCOMPARE(holding.exitCode, 1);
        QVERIFY2(holding.err.contains("holds the source " + root.toUtf8()),
                 holding.err.constData());
        QVERIFY(filesNamed(folder(QStringLiteral("cache-n2")), QStringLiteral("index.sqlite"))
                    .isEmpty());
        const QJsonArray sources = status(location).value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 1);
        QCOMPARE(sources.at(0).toObject().value(QStringLiteral("machine")).toString(),
                 QStringLiteral("alpha"));
    }

    // 5. Killed after the first published batch: the resume loses nothing and duplicates
    // nothing, and no lease is left behind.
    void killedMidPublicationResumes() {
        const QString location = newIndex();
        const QString root = largeFolder(QStringLiteral("five"));
        auto alpha = machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-5")));
        alpha.insert(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"), QStringLiteral("after-publish"));
        const RunResult killed = runCli(indexArguments(location, {root}), {}, alpha);
        QCOMPARE(killed.exitCode, -1);
        const Passages expected = localPassages({root});
        const int partial = status(location).value(QStringLiteral("documents")).toInt();
        QVERIFY2(partial > 0 && partial < int(expected.size()),
                 qPrintable(QStringLiteral("%1 of %2").arg(partial).arg(expected.size())));

        alpha.remove(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"));
        const RunResult resumed = runCli(indexArguments(location, {root}), {}, alpha);
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(resumed.out).object();
        QCOMPARE(summary.value(QStringLiteral("passages_embedded")).toInt(), 0); // kept
        QCOMPARE(difference(sharedPassages(location), expected), QString());
        const RunResult verified =
            runCli({QStringLiteral("verify"), QStringLiteral("--index"), location});
        QVERIFY2(verified.exitCode == 0, verified.out + verified.err);
        // The resume only publishes (its working copy is complete): a rough publication rate,
        // for the README, not a limit.
        const double published = summary.value(QStringLiteral("published"))
                                     .toObject()
                                     .value(QStringLiteral("passages"))
                                     .toDouble();
        qInfo("published %.0f passages in %.2f s (the whole run)", published,
              summary.value(QStringLiteral("seconds")).toDouble());
    }

    // 6. The server restarted under a running indexer: one line naming the location; the next
    // run completes and the database matches a local index.
    void serverRestartedMidRun() {
        const QString location = newIndex();
        const QString root = largeFolder(QStringLiteral("six"));
        const QString cache = folder(QStringLiteral("cache-6"));
        QProcess writer;
        // The working copy appears once the connection and the lease are taken, while the
        // embedding goes on: the writer is paused there, the server restarted under it, and
        // the writer let go on to publish on a connection the server has ended.
        QVERIFY2(startWriterUntil(
                     writer, location, root, cache,
                     [&] { return !filesNamed(cache, QStringLiteral("index.sqlite")).isEmpty(); }),
                 "the writer ended before the restart");
        ::kill(pid_t(writer.processId()), SIGSTOP);
        const bool restarted = m_server->restart();
        ::kill(pid_t(writer.processId()), SIGCONT);
        QVERIFY2(restarted, qPrintable(m_server->error()));
        const RunResult failed = finishRun(writer);
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(isOneLine(failed.err), failed.err.constData());
        QVERIFY2(failed.err.contains(location.toUtf8() + ": "), failed.err.constData());

        const RunResult resumed =
            runCli(indexArguments(location, {root}), {}, machine(QStringLiteral("alpha"), cache));
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QCOMPARE(difference(sharedPassages(location), localPassages({root})), QString());
    }

    // Ctrl-C: the working copy's run stops after a batch, what it committed is published, and
    // the same command finishes the work.
    void interruptedRunPublishesWhatItHas() {
        const QString location = newIndex();
        const QString root = largeFolder(QStringLiteral("interrupted"), 48);
        const QString cache = folder(QStringLiteral("cache-i"));
        QProcess writer;
        // Interrupted once the working copy holds its first batch (an interrupt before it would
        // publish nothing, which proves less).
        QVERIFY2(startWriterUntil(writer, location, root, cache,
                                  [&] { return documentsInWorkingCopy(cache) > 0; }),
                 "the writer ended before the interrupt");
        ::kill(pid_t(writer.processId()), SIGINT);
        const RunResult interrupted = finishRun(writer);
        QCOMPARE(interrupted.exitCode, 1);
        QVERIFY2(interrupted.err.contains("interrupted; what was indexed so far is published"),
                 interrupted.err.constData());
        QVERIFY(QJsonDocument::fromJson(interrupted.out)
                    .object()
                    .value(QStringLiteral("cancelled"))
                    .toBool());

        // The database holds exactly what the working copy committed, a part of the folder.
        const QStringList copies = filesNamed(cache, QStringLiteral("index.sqlite"));
        QCOMPARE(copies.size(), 1);
        Passages committed;
        {
            auto copy =
                IndexFolder::open(QFileInfo(copies.first()).path(), IndexFolder::Mode::Read);
            QVERIFY(copy.ok());
            QVERIFY((*copy)->exportPassages([&](const DocumentRecord& document,
                                                const PassageRecord& passage, const float* vector,
                                                int dimension) {
                committed[document.path].push_back(
                    {passage.text, std::vector<float>(vector, vector + dimension)});
                return true;
            }));
        }
        QVERIFY2(!committed.empty() && committed.size() < 48,
                 qPrintable(QString::number(committed.size())));
        QCOMPARE(difference(sharedPassages(location), committed), QString());

        const RunResult resumed =
            runCli(indexArguments(location, {root}), {}, machine(QStringLiteral("alpha"), cache));
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QCOMPARE(difference(sharedPassages(location), localPassages({root})), QString());
    }

    // 7. A wrong password or a port nobody listens on: one line naming the location, no
    // password.
    void unreachableOrRefusedIsOneLine() {
        PostgresServer guarded(PostgresServer::Auth::Password);
        QVERIFY2(guarded.isRunning(), qPrintable(guarded.error()));
        const QString secret = QStringLiteral("Not-The-Password");
        const QString root = notes(QStringLiteral("seven"));
        const QStringList locations = {
            guarded.location(QStringLiteral("postgres"),
                             QString::fromLatin1(PostgresServer::kSuperuser), secret),
            QStringLiteral("postgresql://postgres:%1@127.0.0.1:%2/team")
                .arg(secret)
                .arg(PostgresServer::freePort())};
        for (const QString& location : locations) {
            for (const QString& command : {QStringLiteral("index"), QStringLiteral("remove")}) {
                QStringList arguments = indexArguments(location, {root});
                arguments[0] = command;
                if (command == QStringLiteral("remove"))
                    arguments = {command, QStringLiteral("--index"), location, root};
                const RunResult run = runCli(
                    arguments, {}, machine(QStringLiteral("alpha"), folder(QStringLiteral("c7"))));
                QCOMPARE(run.exitCode, 1);
                QVERIFY2(isOneLine(run.err), run.err.constData());
                QVERIFY2(run.err.contains("postgresql://postgres@127.0.0.1:"), run.err.constData());
                QVERIFY2(!run.err.contains(secret.toUtf8()), run.err.constData());
                QVERIFY2(!run.out.contains(secret.toUtf8()), run.out.constData());
            }
        }
    }

    // 8. remove PATH: its documents are gone from the database, the rest stays.
    void removeTakesOutWhatItNames() {
        const QString location = newIndex();
        const QString root = notes(QStringLiteral("eight"));
        const auto alpha = machine(QStringLiteral("alpha"), folder(QStringLiteral("cache-8")));
        QCOMPARE(runCli(indexArguments(location, {root}), {}, alpha).exitCode, 0);
        const std::int64_t before = generationOf(location);

        const RunResult run = runCli({QStringLiteral("remove"), QStringLiteral("--index"), location,
                                      root + QStringLiteral("/sub")},
                                     {}, alpha);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.startsWith("1 document removed"), run.out.constData());
        Passages expected = localPassages({root});
        expected.erase(root + QStringLiteral("/sub/clouds.txt"));
        QCOMPARE(expected.size(), std::size_t(2));
        QCOMPARE(difference(sharedPassages(location), expected), QString());
        const QJsonObject after = status(location);
        QCOMPARE(after.value(QStringLiteral("skipped_count")).toInt(), 0); // sub/binary.bin's
        QCOMPARE(after.value(QStringLiteral("generation")).toInteger(), before + 1);

        // The whole source: forgotten, with its working copy.
        const RunResult all = runCli(
            {QStringLiteral("remove"), QStringLiteral("--index"), location, root}, {}, alpha);
        QVERIFY2(all.exitCode == 0, all.err.constData());
        QCOMPARE(status(location).value(QStringLiteral("sources")).toArray().size(), 0);
        QVERIFY(sharedPassages(location).empty());
        QVERIFY(filesNamed(folder(QStringLiteral("cache-8")), QStringLiteral("index.sqlite"))
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliSharedWrite)
#include "test_cli_shared_write.moc"
