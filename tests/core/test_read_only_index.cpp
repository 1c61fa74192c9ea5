// An index read by a user who may not write its folder, in-process: the reader's thread takes
// another file-system identity (setfsuid), which is what SQLite's file access and permission
// checks see. Root can do that, and CI runs as root; the same behaviour through the real
// program and a real second user is in tests/cli/test_cli_access.cpp.

#include "reference_data.h"
#include "test_files.h"

#include "semsearch/embedder.h"
#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Makes this thread's file accesses those of nobody (uid 65534) for as long as it lives.
class AsNobody {
public:
    AsNobody() { ::setfsuid(65534); }
    ~AsNobody() { ::setfsuid(0); }
    AsNobody(const AsNobody&) = delete;
    AsNobody& operator=(const AsNobody&) = delete;
};

} // namespace

class TestReadOnlyIndex : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<Embedder> m_embedder;

    void index(const QString& folder, const QString& docs) {
        auto writer = IndexFolder::open(folder, IndexFolder::Mode::Write);
        QVERIFY(writer.ok());
        auto stats = Indexer(**writer, *m_embedder).run({docs});
        QVERIFY2(stats.ok(), stats.ok() ? "" : qPrintable(stats.error().message));
    }

private Q_SLOTS:
    void initTestCase() {
        if (::geteuid() != 0)
            QSKIP("acting as another user takes root (CI runs the tests as root)");
        QVERIFY(m_tmp.isValid());
        QVERIFY(::chmod(QFile::encodeName(m_tmp.path()).constData(), 0755) == 0);
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::move(embedder).value();
    }

    // With no writer about there is no -shm to share, and the reader may not create one: it
    // reads the file as it stands, and when the owner indexes again it opens the new state.
    void snapshotReaderFollowsTheWriter() {
        const QString folder = m_tmp.path() + QStringLiteral("/index");
        const QString docs = m_tmp.path() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), "Cats sleep all day.\n"));
        index(folder, docs);
        // Shared read-only by its owner.
        QVERIFY(::chmod(QFile::encodeName(folder).constData(), 0755) == 0);
        for (const char* name : {"index.sqlite", "vectors.faiss"})
            QVERIFY(
                ::chmod(
                    QFile::encodeName(folder + QLatin1Char('/') + QLatin1String(name)).constData(),
                    0644) == 0);

        std::unique_ptr<IndexFolder> reader;
        {
            const AsNobody nobody;
            auto opened = IndexFolder::open(folder, IndexFolder::Mode::Read);
            QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message));
            reader = std::move(opened).value();
            QVERIFY(reader->store().readsSnapshot());
            auto vectors = reader->vectors();
            QVERIFY(vectors.ok() && *vectors && (*vectors)->size() == 1);
        }
        QVERIFY(!QFileInfo::exists(folder + QStringLiteral("/index.sqlite-shm")));

        QVERIFY(writeFile(docs + QStringLiteral("/b.txt"), "Owls hunt at night.\n"));
        index(folder, docs);

        const AsNobody nobody;
        auto vectors = reader->vectors();
        QVERIFY2(vectors.ok(), vectors.ok() ? "" : qPrintable(vectors.error().message));
        QCOMPARE((*vectors)->size(), std::int64_t(2));
        auto counts = reader->store().counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->documents, std::int64_t(2));
    }
};

QTEST_GUILESS_MAIN(TestReadOnlyIndex)
#include "test_read_only_index.moc"
