// A property of incremental indexing: whatever happens to the files between runs, a run leaves
// an index that verifies and holds exactly what a clean index of the same files holds.
//
// Random sequences of file operations (create, modify, delete, rename, copy, swap, truncate,
// chmod, touch, edits that keep the size and the mtime, folder renames) over a small set of
// names and a small pool of contents, so that contents often move between files, with a
// random batch size per run. The seed is printed; SEMSEARCH_PROPERTY_SEED replays a failure and
// SEMSEARCH_PROPERTY_STEPS makes the run longer.

#include "clean_index_comparison.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/indexer.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

#include <sys/stat.h>
#include <sys/time.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Small enough that a few contents exceed it and are skipped as too large.
constexpr qint64 kMaxFileBytes = 3000;

const QStringList kNames = {
    QStringLiteral("a.txt"),
    QStringLiteral("b.txt"),
    QStringLiteral("c.md"),
    QStringLiteral("notes/d.txt"),
    QStringLiteral("notes/e.txt"),
    QStringLiteral("notes/deep/f.txt"),
    QStringLiteral("archive/g.txt"),
    QStringLiteral("archive/h.md"),
    QStringLiteral("notes/deep/i.md"),
    QStringLiteral("j.txt"),
};

const char* const kSentences[] = {
    "The river floods every spring.", "Our budget grew by a third.",
    "Cats sleep most of the day.",    "The compiler rejects the cast.",
    "Bread needs time to rise.",      "The meeting moved to Tuesday.",
    "A comet passed close to Mars.",  "Keep the receipts for seven years.",
};

qint64 integerSeed(const char* variable, qint64 fallback) {
    bool ok = false;
    const qint64 value = qEnvironmentVariable(variable).toLongLong(&ok);
    return ok ? value : fallback;
}

class FileOperations {
public:
    FileOperations(const QString& root, std::uint64_t seed) : m_root(root), m_random(seed) {}

    // Applies one random operation and returns a description of it.
    QString step() {
        switch (pick(12)) {
        case 0:
        case 1:
            return create();
        case 2:
        case 3:
            return modify();
        case 4:
            return remove();
        case 5:
            return rename();
        case 6:
            return copy();
        case 7:
            return swap();
        case 8:
            return truncate();
        case 9:
            return chmod();
        case 10:
            return editKeepingSizeAndTime();
        default:
            return pick(3) == 0 ? renameFolder() : touch();
        }
    }

    QStringList existing() const {
        QStringList names;
        for (const QString& name : allNames())
            if (QFileInfo::exists(path(name)))
                names << name;
        return names;
    }

private:
    int pick(int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(m_random)); }
    QString path(const QString& name) const { return m_root + QLatin1Char('/') + name; }
    QStringList allNames() const {
        QStringList names = kNames;
        for (const QString& name : kNames)
            names << QStringLiteral("moved/") + name;
        return names;
    }
    QString anyName() { return kNames[pick(int(kNames.size()))]; }
    // An existing file, or an empty string when there is none.
    QString existingName() {
        const QStringList names = existing();
        return names.isEmpty() ? QString() : names[pick(int(names.size()))];
    }

    // Mostly a few pooled sentences (so contents repeat across files), sometimes empty, binary,
    // too large, or unique.
    QByteArray content() {
        switch (pick(12)) {
        case 0:
            return QByteArray();
        case 1:
            return QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
        case 2:
            return QByteArray(kMaxFileBytes + 1 + pick(100), 'x');
        case 3:
            return "Unique note " + QByteArray::number(m_unique++) + ". It is new.\n";
        default:
            break;
        }
        const int first = pick(4);
        const int count = 1 + pick(3);
        QByteArray text;
        for (int i = 0; i < count; ++i)
            text += QByteArray(kSentences[(first + i * 2) % 8]) + (i % 2 ? "\n\n" : " ");
        return text + '\n';
    }

    bool write(const QString& name, const QByteArray& bytes) {
        return writeFile(path(name), bytes);
    }

    QString create() {
        const QString name = anyName();
        write(name, content());
        return QStringLiteral("create ") + name;
    }
    QString modify() {
        const QString name = existingName();
        if (name.isEmpty())
            return create();
        write(name, content());
        return QStringLiteral("modify ") + name;
    }
    QString remove() {
        const QString name = existingName();
        QFile::remove(path(name));
        return QStringLiteral("delete ") + name;
    }
    QString rename() {
        const QString from = existingName();
        const QString to = anyName();
        if (from.isEmpty() || from == to)
            return QStringLiteral("rename nothing");
        QDir().mkpath(QFileInfo(path(to)).absolutePath());
        ::rename(QFile::encodeName(path(from)).constData(),
                 QFile::encodeName(path(to)).constData());
        return QStringLiteral("rename %1 over %2").arg(from, to);
    }
    QString copy() {
        const QString from = existingName();
        const QString to = anyName();
        if (from.isEmpty() || from == to)
            return QStringLiteral("copy nothing");
        write(to, readFile(path(from)));
        return QStringLiteral("copy %1 over %2").arg(from, to);
    }
    QString swap() {
        const QString a = existingName();
        const QString b = existingName();
        if (a == b)
            return QStringLiteral("swap nothing");
        const QByteArray bytes = readFile(path(a));
        write(a, readFile(path(b)));
        write(b, bytes);
        return QStringLiteral("swap %1 and %2").arg(a, b);
    }
    QString truncate() {
        const QString name = existingName();
        if (name.isEmpty())
            return QStringLiteral("truncate nothing");
        const QByteArray bytes = readFile(path(name));
        write(name, bytes.left(pick(2) ? 0 : bytes.size() / 2));
        return QStringLiteral("truncate ") + name;
    }
    QString chmod() {
        const QString name = existingName();
        if (name.isEmpty())
            return QStringLiteral("chmod nothing");
        struct stat info;
        ::stat(QFile::encodeName(path(name)).constData(), &info);
        const mode_t mode = (info.st_mode & 0777) == 0 ? 0644 : 0;
        ::chmod(QFile::encodeName(path(name)).constData(), mode);
        return QStringLiteral("chmod %1 %2").arg(mode, 3, 8, QLatin1Char('0')).arg(name);
    }
    QString touch() {
        const QString name = existingName();
        if (name.isEmpty())
            return QStringLiteral("touch nothing");
        ::utimes(QFile::encodeName(path(name)).constData(), nullptr);
        return QStringLiteral("touch ") + name;
    }
    // One character changed, then the mtime set back: only the inode change time tells.
    QString editKeepingSizeAndTime() {
        const QString name = existingName();
        const QByteArray bytes = readFile(path(name));
        if (name.isEmpty() || bytes.isEmpty())
            return modify();
        struct stat info;
        ::stat(QFile::encodeName(path(name)).constData(), &info);
        QByteArray edited = bytes;
        const int at = pick(int(edited.size()));
        edited[at] = edited[at] == 'Q' ? 'Z' : 'Q';
        write(name, edited);
        const struct timeval times[2] = {{info.st_atim.tv_sec, info.st_atim.tv_nsec / 1000},
                                         {info.st_mtim.tv_sec, info.st_mtim.tv_nsec / 1000}};
        ::utimes(QFile::encodeName(path(name)).constData(), times);
        return QStringLiteral("edit keeping size and mtime ") + name;
    }
    QString renameFolder() {
        const QString from = pick(2) ? QStringLiteral("notes") : QStringLiteral("moved/notes");
        const QString to = from == QStringLiteral("notes") ? QStringLiteral("moved/notes")
                                                           : QStringLiteral("notes");
        if (!QFileInfo::exists(path(from)) || QFileInfo::exists(path(to)))
            return QStringLiteral("rename folder nothing");
        QDir().mkpath(QFileInfo(path(to)).absolutePath());
        QDir().rename(path(from), path(to));
        return QStringLiteral("rename folder %1 to %2").arg(from, to);
    }

    QString m_root;
    std::mt19937_64 m_random;
    int m_unique = 0;
};

} // namespace

class TestIndexerProperty : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void incrementalRunsEqualACleanIndex() {
        const qint64 seed = integerSeed("SEMSEARCH_PROPERTY_SEED", 20261127);
        const qint64 steps = integerSeed("SEMSEARCH_PROPERTY_STEPS", 150);
        qInfo("seed %lld, %lld steps (SEMSEARCH_PROPERTY_SEED, SEMSEARCH_PROPERTY_STEPS)", seed,
              steps);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString docs = tmp.path() + QStringLiteral("/docs");
        QVERIFY(QDir().mkpath(docs));
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        auto index =
            IndexFolder::open(tmp.path() + QStringLiteral("/index"), IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        IndexOptions options;
        options.walk.maxFileBytes = kMaxFileBytes;

        FileOperations operations(docs, std::uint64_t(seed));
        std::mt19937 batchSizes{std::uint32_t(seed)};
        QStringList history;
        IndexStats total; // to show that the run exercised every kind of change
        for (qint64 step = 0; step < steps; ++step) {
            const int count = 1 + int(batchSizes() % 3);
            for (int i = 0; i < count; ++i)
                history << QStringLiteral("step %1: ").arg(step) + operations.step();
            IndexOptions run = options;
            run.filesPerBatch = std::array<int, 4>{1, 2, 3, 64}[batchSizes() % 4];
            Indexer indexer(**index, **embedder, run);
            auto stats = indexer.run({docs});
            // The history goes to the log only when a check fails: QTest cuts long messages.
            const QString context =
                QStringLiteral("\n(seed %1, step %2; the operations follow)").arg(seed).arg(step);
            auto logHistory = qScopeGuard([&] {
                if (QTest::currentTestFailed())
                    for (const QString& line : std::as_const(history))
                        qInfo("%s", qPrintable(line));
            });
            QVERIFY2(stats.ok(), qPrintable(stats ? QString() : stats.error().message + context));
            total.filesReused += stats->filesReused;
            total.filesUpdated += stats->filesUpdated;
            total.filesSkipped += stats->filesSkipped;
            total.filesRemoved += stats->filesRemoved;
            QCOMPARE(stats->filesAdded + stats->filesUpdated + stats->filesReused +
                         stats->filesUnchanged + stats->filesSkipped,
                     stats->filesSeen);
            auto report = (*index)->verify(false);
            QVERIFY(report.ok());
            QVERIFY2(report->ok(), qPrintable(report->problems.join(QLatin1Char('\n')) + context));
            const QStringList differences =
                differencesFromCleanIndex(**index, {docs}, **embedder, options);
            QVERIFY2(differences.isEmpty(),
                     qPrintable(differences.join(QLatin1Char('\n')) + context));
        }
        qInfo("%lld reused, %lld updated, %lld skipped, %lld removed", qlonglong(total.filesReused),
              qlonglong(total.filesUpdated), qlonglong(total.filesSkipped),
              qlonglong(total.filesRemoved));
        QVERIFY(steps < 20 || (total.filesReused > 0 && total.filesUpdated > 0 &&
                               total.filesSkipped > 0 && total.filesRemoved > 0));
    }
};

QTEST_GUILESS_MAIN(TestIndexerProperty)
#include "test_indexer_property.moc"
