// semsearch-cli index --reembed on a shared index at a postgresql:// location, against a private
// PostgreSQL 15 (postgres_server.h): the stored passages embedded anew in another precision of
// the index's model. The references are independent of the code under test: a LOCAL index of
// the same files made by the same CLI in the new precision (vectors compared bit for bit, fp32),
// and brute-force cosine over the vectors the database holds.
//
// The precisions: indexed in bf16, re-embedded into fp32 (the one compared bit for bit). This
// needs a CPU that runs bf16 (AVX512_BF16 or AMX); without one the tests that need it say so
// and skip.

#include "brute_force_ranking.h"
#include "cli_runner.h"
#include "postgres_server.h"
#include "shared_index/pg_connection.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/source_lease.h"

#include "semsearch/embedder.h"
#include "semsearch/index_folder.h"
#include "semsearch/precision.h"
#include "semsearch/shared_index_searcher.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// path -> its passages in order, each its text and vector.
using Passages = std::map<QString, std::vector<std::pair<QString, std::vector<float>>>>;
// passage id -> vector, as the database holds them.
using VectorsById = std::map<std::int64_t, std::vector<float>>;

const QString kModel = QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bert-max");
const QString kOtherModel = QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bge-layout");

void writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), qint64(bytes.size()));
}

QByteArray prose(const QString& topic, int sentences) {
    QByteArray text;
    for (int i = 0; i < sentences; ++i)
        text += QStringLiteral("Sentence %1 tells about %2 and what follows from it. ")
                    .arg(i)
                    .arg(topic)
                    .toUtf8();
    return text + '\n';
}

QProcessEnvironment machine(const QString& name, const QString& cache) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SEMSEARCH_MACHINE"), name);
    environment.insert(QStringLiteral("XDG_CACHE_HOME"), cache);
    environment.remove(QStringLiteral("SEMSEARCH_INDEX"));
    environment.remove(QStringLiteral("SEMSEARCH_PRECISION"));
    return environment;
}

// index (or index --reembed, when `paths` is empty) with --json --quiet; `precision` empty:
// none asked for.
QStringList indexArguments(const QString& index, const QString& precision, const QStringList& paths,
                           const QString& model = kModel) {
    QStringList arguments{QStringLiteral("index"),
                          QStringLiteral("--index"),
                          index,
                          QStringLiteral("--model"),
                          model,
                          QStringLiteral("--json"),
                          QStringLiteral("--quiet")};
    if (!precision.isEmpty())
        arguments << QStringLiteral("--precision") << precision;
    if (paths.isEmpty())
        arguments << QStringLiteral("--reembed");
    return arguments + paths;
}

Passages sharedPassages(const QString& location, VectorsById* byId = nullptr) {
    Passages passages;
    auto connection = PgConnection::open(location);
    if (!connection)
        return passages;
    auto dimension = sharedDimension(*connection);
    (void)exportPassages(*connection, [&](const SharedPassage& shared, const float* vector) {
        std::vector<float> copy(vector, vector + *dimension);
        if (byId)
            (*byId)[shared.passage.id] = copy;
        passages[shared.document.path].push_back({shared.passage.text, std::move(copy)});
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

// A fresh local index of `paths` made by the CLI in `precision`, read back from its folder.
Passages localPassages(const QStringList& paths, const QString& precision,
                       const QString& model = kModel) {
    QTemporaryDir folder;
    Passages passages;
    const QString index = folder.filePath(QStringLiteral("index"));
    const RunResult run =
        runCli(indexArguments(index, precision, paths, model), {},
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

QJsonObject jsonOf(const QByteArray& out) {
    return QJsonDocument::fromJson(out).object();
}

// A copy of the tiny model with every weight nudged in its last bit: another model (other
// weights, another name) with the same tokenizer and max_seq_length, so the same passages.
QString retrainedModel(const QString& folder) {
    const QString copy = folder + QStringLiteral("/tiny-bert-max-retrained");
    for (const QString& name :
         {QStringLiteral("config.json"), QStringLiteral("config_sentence_transformers.json"),
          QStringLiteral("modules.json"), QStringLiteral("sentence_bert_config.json"),
          QStringLiteral("special_tokens_map.json"), QStringLiteral("tokenizer_config.json"),
          QStringLiteral("vocab.txt"), QStringLiteral("1_Pooling/config.json")}) {
        QDir().mkpath(QFileInfo(copy + QLatin1Char('/') + name).path());
        if (!QFile::copy(kModel + QLatin1Char('/') + name, copy + QLatin1Char('/') + name))
            return QString();
    }
    QFile weights(kModel + QStringLiteral("/model.safetensors"));
    if (!weights.open(QIODevice::ReadOnly))
        return QString();
    QByteArray bytes = weights.readAll();
    quint64 header = 0;
    std::memcpy(&header, bytes.constData(), 8); // little-endian, as this machine
    for (qsizetype at = qsizetype(8 + header); at + 4 <= bytes.size(); at += 4)
        bytes[at] = char(bytes[at] ^ 1); // the lowest mantissa bit of each float32
    QFile out(copy + QStringLiteral("/model.safetensors"));
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
        return QString();
    return copy;
}

bool cpuRunsBf16() {
    return checkCpuRuns(Precision::Bf16, probeCpuFeatures()).ok();
}

} // namespace

class TestCliSharedReembed : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    QTemporaryDir m_tmp;
    std::unique_ptr<Embedder> m_fp32;

    QString docs() const { return m_tmp.filePath(QStringLiteral("docs")); }
    QString cache(const QString& name) const {
        return m_tmp.filePath(QStringLiteral("cache-") + name);
    }
    QProcessEnvironment alpha() const { return machine(QStringLiteral("alpha"), cache("alpha")); }
    QString location(const QString& database) const { return m_server->location(database); }

    QJsonObject status(const QString& location) {
        const RunResult run = runCli({QStringLiteral("status"), QStringLiteral("--index"), location,
                                      QStringLiteral("--json")});
        return run.exitCode == 0 ? jsonOf(run.out) : QJsonObject();
    }

    // The searcher's top passages for `query` equal brute-force cosine over the database's
    // vectors: the same ids in the same order, scores within 1e-5.
    void checkSearch(SharedIndexSearcher& searcher, const QString& location, const QString& query,
                     Embedder* embedder = nullptr) {
        VectorsById vectors;
        sharedPassages(location, &vectors);
        QVERIFY(!vectors.empty());
        auto embedded = (embedder ? embedder : m_fp32.get())->embed({query});
        QVERIFY(embedded.ok());
        std::vector<std::pair<double, std::int64_t>> expected;
        for (const auto& [id, vector] : vectors)
            expected.push_back({cosine(embedded->values, vector), id});
        std::stable_sort(expected.begin(), expected.end(),
                         [](const auto& x, const auto& y) { return x.first > y.first; });
        SearchOptions options;
        options.limit = 5;
        auto hits = searcher.searchPassagesByVector(embedded->values.data(), options);
        QVERIFY2(hits.ok(), hits ? "" : qPrintable(hits.error().message));
        QCOMPARE(int(hits->size()), 5);
        for (std::size_t i = 0; i < hits->size(); ++i) {
            QCOMPARE((*hits)[i].passageId, expected[i].second);
            QVERIFY(std::abs((*hits)[i].score - expected[i].first) < 1e-5);
        }
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE one; CREATE DATABASE two; "
                                                 "CREATE DATABASE three")),
                 QString());
        writeFile(docs() + QStringLiteral("/boats.md"), prose(QStringLiteral("river boats"), 40));
        writeFile(docs() + QStringLiteral("/pie.md"), prose(QStringLiteral("apple pie"), 30));
        writeFile(docs() + QStringLiteral("/notes/tax.txt"),
                  prose(QStringLiteral("the tax return"), 20));
        EmbedderOptions options;
        options.precision = Precision::Fp32;
        auto embedder = openEmbedder(kModel, options);
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_fp32 = std::move(embedder).value();
    }

    // 1 and 3: indexed in bf16, re-embedded into fp32: the database's vectors are a local fp32
    // index's, status says fp32, verify is clean; a searcher opened before catches up by
    // refilling, and one opened on a cache of the old vectors refills too.
    void reembedEqualsALocalIndexOfTheNewPrecision() {
        if (!cpuRunsBf16())
            QSKIP("this CPU does not run bf16 (AVX512_BF16 or AMX), the precision indexed in");
        const QString one = location(QStringLiteral("one"));
        const RunResult indexed =
            runCli(indexArguments(one, QStringLiteral("bf16"), {docs()}), {}, alpha());
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        QCOMPARE(status(one).value(QStringLiteral("precision")).toString(), QStringLiteral("bf16"));

        auto live = SharedIndexSearcher::open(one, m_fp32.get(), cache("live"));
        QVERIFY2(live.ok(), live ? "" : qPrintable(live.error().message));
        {
            auto old = SharedIndexSearcher::open(one, m_fp32.get(), cache("old"));
            QVERIFY(old.ok());
        }

        const RunResult reembedded =
            runCli(indexArguments(one, QStringLiteral("fp32"), {}), {}, alpha());
        QVERIFY2(reembedded.exitCode == 0, reembedded.err.constData());
        const QJsonObject summary = jsonOf(reembedded.out);
        const int passages = summary.value(QStringLiteral("passages")).toInt();
        QVERIFY(passages > 0);
        QCOMPARE(summary.value(QStringLiteral("passages_embedded")).toInt(), passages);
        QVERIFY(summary.value(QStringLiteral("generation")).toInt() > 0);

        QCOMPARE(difference(sharedPassages(one), localPassages({docs()}, QStringLiteral("fp32"))),
                 QString());
        const QJsonObject after = status(one);
        QCOMPARE(after.value(QStringLiteral("precision")).toString(), QStringLiteral("fp32"));
        QCOMPARE(after.value(QStringLiteral("passages")).toInt(), passages);
        const RunResult verified =
            runCli({QStringLiteral("verify"), QStringLiteral("--index"), one});
        QVERIFY2(verified.exitCode == 0, verified.out + verified.err);

        // A second run has nothing to do.
        const RunResult again =
            runCli(indexArguments(one, QStringLiteral("fp32"), {}), {}, alpha());
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QCOMPARE(jsonOf(again.out).value(QStringLiteral("unchanged")).toBool(), true);

        auto caught = (*live)->catchUp();
        QVERIFY2(caught.ok(), caught ? "" : qPrintable(caught.error().message));
        QCOMPARE((*live)->size(), std::int64_t(passages));
        checkSearch(**live, one, QStringLiteral("boats on the river"));

        auto reopened = SharedIndexSearcher::open(one, m_fp32.get(), cache("old"));
        QVERIFY(reopened.ok());
        QCOMPARE((*reopened)->opening(), SharedIndexSearcher::Opening::Filled);
        checkSearch(**reopened, one, QStringLiteral("apple pie"));
    }

    // 4: alpha's working copy still holds bf16 vectors. Indexing after the re-embed rebuilds it
    // in fp32 (the precision the database records) and publishes nothing old; an edit after
    // that reaches the database. A writer asking for bf16 is refused, naming both.
    void aWriterOfTheOldPrecisionCatchesUp() {
        if (!cpuRunsBf16())
            QSKIP("needs the bf16 index of reembedEqualsALocalIndexOfTheNewPrecision");
        const QString one = location(QStringLiteral("one"));
        const RunResult indexed = runCli(indexArguments(one, QString(), {docs()}), {}, alpha());
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        QCOMPARE(difference(sharedPassages(one), localPassages({docs()}, QStringLiteral("fp32"))),
                 QString());

        writeFile(docs() + QStringLiteral("/pie.md"), prose(QStringLiteral("cherry pie"), 25));
        const qint64 editedAt = QDateTime::currentMSecsSinceEpoch();
        const RunResult edited = runCli(indexArguments(one, QString(), {docs()}), {}, alpha());
        QVERIFY2(edited.exitCode == 0, edited.err.constData());
        QCOMPARE(jsonOf(edited.out)
                     .value(QStringLiteral("published"))
                     .toObject()
                     .value(QStringLiteral("documents"))
                     .toInt(),
                 1);
        QCOMPARE(difference(sharedPassages(one), localPassages({docs()}, QStringLiteral("fp32"))),
                 QString());

        // The completed run is recorded on the source.
        auto connection = PgConnection::open(one);
        QVERIFY(connection.ok());
        auto sources = sharedSources(*connection);
        QVERIFY(sources.ok() && sources->size() == 1);
        QVERIFY(sources->front().source.indexedMs >= editedAt);

        const RunResult refused =
            runCli(indexArguments(one, QStringLiteral("bf16"), {docs()}), {}, alpha());
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(isOneLine(refused.err), refused.err.constData());
        QVERIFY2(refused.err.contains("fp32") && refused.err.contains("bf16") &&
                     refused.err.contains("index --reembed --precision bf16"),
                 refused.err.constData());
    }

    // 5 and 6: a source another session holds, a read-only role, another model: one line each,
    // and nothing changes.
    void refusals() {
        if (!cpuRunsBf16())
            QSKIP("needs the index of reembedEqualsALocalIndexOfTheNewPrecision");
        const QString one = location(QStringLiteral("one"));
        const std::int64_t generation = status(one).value(QStringLiteral("generation")).toInteger();
        {
            auto holder = PgConnection::open(one);
            QVERIFY(holder.ok());
            auto lease = SourceLease::take(*holder, docs());
            QVERIFY(lease.ok());
            const RunResult busy =
                runCli(indexArguments(one, QStringLiteral("bf16"), {}), {}, alpha());
            QCOMPARE(busy.exitCode, 1);
            QVERIFY2(isOneLine(busy.err), busy.err.constData());
            QVERIFY2(busy.err.contains("is being indexed by semsearch"), busy.err.constData());
        }
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE ROLE reader LOGIN; GRANT SELECT ON ALL "
                                                 "TABLES IN SCHEMA public TO reader"),
                                  QStringLiteral("one")),
                 QString());
        const RunResult reader = runCli(
            indexArguments(m_server->location(QStringLiteral("one"), QStringLiteral("reader")),
                           QStringLiteral("bf16"), {}),
            {}, alpha());
        QCOMPARE(reader.exitCode, 1);
        QVERIFY2(isOneLine(reader.err), reader.err.constData());

        const RunResult other =
            runCli(indexArguments(one, QStringLiteral("fp32"), {}, kOtherModel), {}, alpha());
        QCOMPARE(other.exitCode, 1);
        QVERIFY2(isOneLine(other.err), other.err.constData());
        QVERIFY2(other.err.contains("new database"), other.err.constData());

        const RunResult withPaths = runCli(indexArguments(one, QStringLiteral("bf16"), {docs()})
                                               << QStringLiteral("--reembed"),
                                           {}, alpha());
        QVERIFY(withPaths.exitCode != 0);
        QVERIFY2(isOneLine(withPaths.err), withPaths.err.constData());

        const QJsonObject after = status(one);
        QCOMPARE(after.value(QStringLiteral("generation")).toInteger(), generation);
        QCOMPARE(after.value(QStringLiteral("precision")).toString(), QStringLiteral("fp32"));
    }

    // Another model that cuts the same passages: the database ends equal to a local index made
    // with it, a searcher of the old model is refused rather than ranking its queries against
    // the new vectors, one of the new model searches as brute force does, and a writer's working
    // copy of the old model is re-embedded before it publishes.
    void anotherModelOfTheSameCutting() {
        const QString three = location(QStringLiteral("three"));
        const QString retrained = retrainedModel(m_tmp.path());
        QVERIFY(!retrained.isEmpty());
        const RunResult indexed =
            runCli(indexArguments(three, QStringLiteral("fp32"), {docs()}), {}, alpha());
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        auto old = SharedIndexSearcher::open(three, m_fp32.get(), cache("old-model"));
        QVERIFY(old.ok());

        const RunResult reembedded =
            runCli(indexArguments(three, QStringLiteral("fp32"), {}, retrained), {}, alpha());
        QVERIFY2(reembedded.exitCode == 0, reembedded.err.constData());
        const Passages reference = localPassages({docs()}, QStringLiteral("fp32"), retrained);
        QCOMPARE(difference(sharedPassages(three), reference), QString());
        QCOMPARE(difference(reference, localPassages({docs()}, QStringLiteral("fp32"))),
                 QStringLiteral("%1: another text or vector").arg(reference.begin()->first));
        QCOMPARE(status(three)
                     .value(QStringLiteral("model"))
                     .toObject()
                     .value(QStringLiteral("name"))
                     .toString(),
                 QStringLiteral("tiny-bert-max-retrained"));

        auto refused = (*old)->catchUp();
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Mismatch);
        EmbedderOptions options;
        options.precision = Precision::Fp32;
        auto embedder = openEmbedder(retrained, options);
        QVERIFY(embedder.ok());
        auto fresh = SharedIndexSearcher::open(three, embedder->get(), cache("new-model"));
        QVERIFY2(fresh.ok(), fresh ? "" : qPrintable(fresh.error().message));
        checkSearch(**fresh, three, QStringLiteral("boats on the river"), embedder->get());

        const RunResult writer =
            runCli(indexArguments(three, QString(), {docs()}, retrained), {}, alpha());
        QVERIFY2(writer.exitCode == 0, writer.err.constData());
        QCOMPARE(difference(sharedPassages(three), reference), QString());
    }

    // 2: killed after its first staged batch, the re-embed leaves the index in bf16 (status,
    // search); the next run embeds only what was not staged and ends equal to a local fp32
    // index.
    void aKilledReembedKeepsTheIndexAndResumes() {
        if (!cpuRunsBf16())
            QSKIP("this CPU does not run bf16 (AVX512_BF16 or AMX), the precision indexed in");
        const QString two = location(QStringLiteral("two"));
        const QString big = m_tmp.filePath(QStringLiteral("big"));
        for (int f = 0; f < 5; ++f)
            writeFile(big + QStringLiteral("/part-%1.md").arg(f),
                      prose(QStringLiteral("topic number %1").arg(f), 2000));
        const RunResult indexed =
            runCli(indexArguments(two, QStringLiteral("bf16"), {big}), {}, alpha());
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        const int passages = status(two).value(QStringLiteral("passages")).toInt();
        QVERIFY2(passages > 512, qPrintable(QString::number(passages))); // more than one batch

        QProcessEnvironment dying = alpha();
        dying.insert(QStringLiteral("SEMSEARCH_TEST_ABORT_AT"), QStringLiteral("after-commit"));
        const RunResult killed = runCli(indexArguments(two, QStringLiteral("fp32"), {}), {}, dying);
        QCOMPARE(killed.exitCode, -1); // SIGKILL
        QCOMPARE(status(two).value(QStringLiteral("precision")).toString(), QStringLiteral("bf16"));
        const RunResult search =
            runCli({QStringLiteral("search"), QStringLiteral("--index"), two,
                    QStringLiteral("--model"), kModel, QStringLiteral("--passages"),
                    QStringLiteral("--json"), QStringLiteral("topic number 2")},
                   {}, machine(QStringLiteral("reader"), cache("reader")));
        QVERIFY2(search.exitCode == 0, search.err.constData());
        QVERIFY2(search.out.contains("part-"), search.out.constData());

        const RunResult resumed =
            runCli(indexArguments(two, QStringLiteral("fp32"), {}), {}, alpha());
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const int embedded = jsonOf(resumed.out).value(QStringLiteral("passages_embedded")).toInt();
        QVERIFY2(embedded > 0 && embedded < passages,
                 qPrintable(QStringLiteral("%1 of %2").arg(embedded).arg(passages)));
        QCOMPARE(difference(sharedPassages(two), localPassages({big}, QStringLiteral("fp32"))),
                 QString());
        QCOMPARE(status(two).value(QStringLiteral("precision")).toString(), QStringLiteral("fp32"));
    }
};

QTEST_GUILESS_MAIN(TestCliSharedReembed)
#include "test_cli_shared_reembed.moc"
