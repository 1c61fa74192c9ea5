// Switching an index to another model: reembedIndex builds the new index beside the old one
// and swaps them only when complete; a cancel keeps the old index whole. And the searcher
// refuses an index built with another model.

#include "counting_embedder.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/indexer.h"
#include "semsearch/searcher.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

#include <sys/stat.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

QByteArray note(int i) {
    static const char* topics[] = {"The river floods in spring.", "Bread needs time to rise.",
                                   "The meeting moved to Tuesday.", "Owls hunt at night."};
    return QByteArray(topics[i % 4]) + " Note number " + QByteArray::number(i) + ".\n";
}

// A copy of the tiny model that pools differently: another model as far as an index goes.
bool usePooling(ModelFolderCopy& model, const char* mode) {
    bool ok = model.isValid();
    for (const char* key :
         {"pooling_mode_max_tokens", "pooling_mode_mean_tokens", "pooling_mode_cls_token"})
        ok = ok && model.setJson(QStringLiteral("1_Pooling/config.json"), QLatin1String(key),
                                 qstrcmp(key, mode) == 0);
    return ok;
}

std::set<QString> documentPaths(IndexFolder& index) {
    std::set<QString> paths;
    auto documents = index.store().documents().under(QString());
    if (documents)
        for (const DocumentRecord& document : *documents)
            paths.insert(document.path);
    return paths;
}

} // namespace

class TestReembed : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    QString m_indexDir;
    std::unique_ptr<Embedder> m_tiny;
    ModelFolderCopy m_meanModel;
    ModelFolderCopy m_clsModel;
    std::unique_ptr<Embedder> m_mean;
    std::unique_ptr<Embedder> m_cls;

    void indexWithTiny(int files) {
        for (int i = 0; i < files; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/n%1.txt").arg(i, 2, 10, QLatin1Char('0')),
                              note(i)));
        auto index = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        Indexer indexer(**index, *m_tiny);
        auto stats = indexer.run({m_docs});
        QVERIFY(stats.ok());
        QCOMPARE(stats->filesAdded, files);
    }

    static IndexOptions smallBatches() {
        IndexOptions options;
        options.filesPerBatch = 4;
        return options;
    }

    // Starts re-embedding with `embedder` and cancels it once `files` files are in.
    void cancelReembedAfter(Embedder& embedder, int files) {
        WorkControl control;
        auto cancelled = reembedIndex(
            m_indexDir, embedder, {}, smallBatches(),
            [&](const IndexProgress& progress) {
                if (progress.stage == IndexProgress::Stage::Indexing && progress.filesDone >= files)
                    control.cancel();
            },
            &control);
        QVERIFY2(cancelled.ok(), cancelled.ok() ? "" : qPrintable(cancelled.error().message));
        QVERIFY(cancelled->cancelled);
    }

    std::unique_ptr<IndexFolder> readIndex() {
        auto index = IndexFolder::open(m_indexDir, IndexFolder::Mode::Read);
        return index ? std::move(index).value() : nullptr;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        QVERIFY(usePooling(m_meanModel, "pooling_mode_mean_tokens"));
        QVERIFY(usePooling(m_clsModel, "pooling_mode_cls_token"));
        auto tiny = openEmbedder(tinyModelPath());
        auto mean = openEmbedder(m_meanModel.path());
        auto cls = openEmbedder(m_clsModel.path());
        QVERIFY(tiny.ok() && mean.ok() && cls.ok());
        m_tiny = std::move(tiny).value();
        m_mean = std::move(mean).value();
        m_cls = std::move(cls).value();
    }

    void init() {
        QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        if (QTest::currentDataTag())
            base += QLatin1Char('-') + QLatin1String(QTest::currentDataTag());
        m_docs = base + QStringLiteral("/docs");
        m_indexDir = base + QStringLiteral("/index");
    }

    void reembedSwitchesTheModelAndKeepsEveryDocument() {
        indexWithTiny(6);
        QVERIFY(QFile::remove(m_docs + QStringLiteral("/n05.txt"))); // gone: not carried over
        const QString extra = m_tmp.path() + QStringLiteral("/extra-") +
                              QTest::currentTestFunction() + QStringLiteral("/new.txt");
        QVERIFY(writeFile(extra, "A brand new note about tides.\n"));

        auto stats = reembedIndex(m_indexDir, *m_mean, {extra});
        QVERIFY2(stats.ok(), stats.ok() ? "" : qPrintable(stats.error().message));
        QVERIFY(!stats->cancelled);
        QCOMPARE(stats->filesAdded, 6);

        auto index = readIndex();
        QVERIFY(index);
        auto identity = index->store().metadata().modelIdentity();
        QVERIFY(identity.ok() && *identity);
        QCOMPARE((*identity)->pooling, QStringLiteral("mean"));
        QVERIFY(sameVectors(**identity, modelIdentity(m_mean->model())));
        std::set<QString> expected{extra};
        for (int i = 0; i < 5; ++i)
            expected.insert(m_docs + QStringLiteral("/n0%1.txt").arg(i));
        QCOMPARE(documentPaths(*index), expected);
        // The sources carry over as they were (the folder, not its files one by one), plus the
        // new path.
        auto sources = index->store().sources().all();
        QVERIFY(sources.ok());
        QStringList sourcePaths;
        for (const SourceRecord& source : *sources)
            sourcePaths << source.path;
        QCOMPARE(sourcePaths, QStringList({extra, m_docs}));

        // Every stored vector is the new model's vector of its passage, not the old one's.
        std::int64_t checked = 0;
        for (const QString& path : expected) {
            auto document = index->store().documents().find(path);
            QVERIFY(document.ok() && *document);
            auto passages = index->store().documents().passagesOf((*document)->id);
            QVERIFY(passages.ok() && !passages->empty());
            for (const PassageRecord& passage : *passages) {
                auto stored = index->store().documents().vectorsOf({passage.id});
                auto fresh = m_mean->embed({passage.text});
                auto old = m_tiny->embed({passage.text});
                QVERIFY(stored.ok() && fresh.ok() && old.ok());
                QCOMPARE(*stored, fresh->values);
                QVERIFY(*stored != old->values);
                ++checked;
            }
        }
        QVERIFY(checked >= 6);
        auto report = index->verify(false);
        QVERIFY(report.ok() && report->ok());

        // Nothing is left beside it, and the old model is now the one refused.
        QVERIFY(!QFileInfo::exists(reembedStagingFolder(m_indexDir)));
        const QStringList siblings =
            QDir(QFileInfo(m_indexDir).absolutePath())
                .entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(siblings, (QStringList{QStringLiteral("docs"), QStringLiteral("index")}));
        index.reset();
        auto writer = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        QVERIFY(writer.ok());
        Indexer indexer(**writer, *m_tiny);
        auto refused = indexer.run({m_docs});
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error().code), int(ErrorCode::Mismatch));
    }

    // The staging folder a re-embed builds in is private whatever the umask, and the index
    // that replaces the old one takes the old one's permissions: private stays private (0700
    // and 0600), and an index its owner shared stays shared as it was.
    void reembedKeepsTheIndexPermissions_data() {
        QTest::addColumn<int>("folderMode");
        QTest::addColumn<int>("fileMode");
        QTest::newRow("private") << 0700 << 0600;
        QTest::newRow("shared with the group") << 0750 << 0640;
    }
    void reembedKeepsTheIndexPermissions() {
        QFETCH(int, folderMode);
        QFETCH(int, fileMode);
        const auto modeOf = [](const QString& path) {
            struct stat status {};
            return ::stat(QFile::encodeName(path).constData(), &status) == 0
                       ? int(status.st_mode & 07777)
                       : -1;
        };
        indexWithTiny(3);
        QVERIFY(::chmod(QFile::encodeName(m_indexDir).constData(), mode_t(folderMode)) == 0);
        for (const char* name : {"index.sqlite", "vectors.faiss"})
            QVERIFY(::chmod(QFile::encodeName(m_indexDir + QLatin1Char('/') + QLatin1String(name))
                                .constData(),
                            mode_t(fileMode)) == 0);

        const mode_t previous = ::umask(0);
        int stagingMode = -1;
        auto stats =
            reembedIndex(m_indexDir, *m_mean, {}, smallBatches(), [&](const IndexProgress&) {
                if (stagingMode < 0)
                    stagingMode = modeOf(reembedStagingFolder(m_indexDir));
            });
        ::umask(previous);
        QVERIFY2(stats.ok(), stats.ok() ? "" : qPrintable(stats.error().message));
        QCOMPARE(stagingMode, 0700);
        QCOMPARE(modeOf(m_indexDir), folderMode);
        for (const char* name : {"index.sqlite", "vectors.faiss"})
            QCOMPARE(modeOf(m_indexDir + QLatin1Char('/') + QLatin1String(name)), fileMode);
    }

    void cancelKeepsTheOldIndexAndARerunContinues() {
        indexWithTiny(24);
        cancelReembedAfter(*m_mean, 8);

        // The old index is whole: its model, its 24 documents, healthy.
        {
            auto index = readIndex();
            QVERIFY(index);
            auto identity = index->store().metadata().modelIdentity();
            QVERIFY(identity.ok() && *identity);
            QVERIFY(sameVectors(**identity, modelIdentity(m_tiny->model())));
            QCOMPARE(int(documentPaths(*index).size()), 24);
            auto report = index->verify(false);
            QVERIFY(report.ok() && report->ok());
        }
        QVERIFY(QFileInfo(reembedStagingFolder(m_indexDir)).isDir());

        // The rerun embeds only what the cancelled run had not.
        CountingEmbedder counting(openEmbedder(m_meanModel.path()).value());
        auto finished = reembedIndex(m_indexDir, counting, {}, smallBatches());
        QVERIFY2(finished.ok(), finished.ok() ? "" : qPrintable(finished.error().message));
        QVERIFY(!finished->cancelled);
        QVERIFY(finished->filesUnchanged >= 8);
        QCOMPARE(counting.textsEmbedded(), qsizetype(24 - finished->filesUnchanged));
        auto index = readIndex();
        QVERIFY(index);
        QCOMPARE(int(documentPaths(*index).size()), 24);
        auto identity = index->store().metadata().modelIdentity();
        QVERIFY(identity.ok() && *identity);
        QCOMPARE((*identity)->pooling, QStringLiteral("mean"));
        QVERIFY(!QFileInfo::exists(reembedStagingFolder(m_indexDir)));
    }

    void anUnfinishedReembedTowardsAnotherModelIsStartedOver() {
        indexWithTiny(12);
        cancelReembedAfter(*m_mean, 4);
        auto finished = reembedIndex(m_indexDir, *m_cls, {}, smallBatches());
        QVERIFY2(finished.ok(), finished.ok() ? "" : qPrintable(finished.error().message));
        QCOMPARE(finished->filesAdded, 12); // nothing of the mean-pooled half was kept
        auto index = readIndex();
        QVERIFY(index);
        auto identity = index->store().metadata().modelIdentity();
        QVERIFY(identity.ok() && *identity);
        QCOMPARE((*identity)->pooling, QStringLiteral("cls"));
        QCOMPARE(int(documentPaths(*index).size()), 12);
    }

    void anotherWriterMakesItBusy() {
        indexWithTiny(2);
        auto writer = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        QVERIFY(writer.ok());
        auto busy = reembedIndex(m_indexDir, *m_mean, {});
        QVERIFY(!busy.ok());
        QCOMPARE(int(busy.error().code), int(ErrorCode::Busy));
        QVERIFY(!QFileInfo::exists(reembedStagingFolder(m_indexDir)));
    }

    void searchWithAnotherModelIsRefused() {
        indexWithTiny(3);
        auto index = readIndex();
        QVERIFY(index);
        Searcher searcher(*index, *m_mean);
        auto hits = searcher.searchDocuments(QStringLiteral("floods"));
        QVERIFY(!hits.ok());
        QCOMPARE(int(hits.error().code), int(ErrorCode::Mismatch));
        const QString message = hits.error().message;
        QVERIFY2(message.contains(QStringLiteral("max pooling")) &&
                     message.contains(QStringLiteral("mean pooling")) &&
                     message.contains(QStringLiteral("re-embed")) &&
                     message.contains(index->folder()),
                 qPrintable(message));
        // The model that built it still searches.
        Searcher right(*index, *m_tiny);
        auto found = right.searchDocuments(QStringLiteral("floods"));
        QVERIFY(found.ok());
        QCOMPARE(int(found->size()), 3);
    }
};

QTEST_GUILESS_MAIN(TestReembed)
#include "test_reembed.moc"
