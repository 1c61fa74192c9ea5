// Who may read an index: its owner alone by default, whatever the umask; and a user who may
// read but not write an index folder (shared on purpose, packaged, a backup) can search it.
//
// CI runs as root, and root ignores file permissions, so the other user is real: as root the
// CLI runs through setpriv as nobody (uid 65534), from copies of the program and the model in
// a folder anyone may read. Run as an ordinary user, the index folder is made read-only for
// that user instead.

#include "cli_runner.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr uid_t kNobody = 65534;

int modeOf(const QString& path) {
    struct stat status {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0)
        return -1;
    return int(status.st_mode & 07777);
}

bool setMode(const QString& path, int mode) {
    return ::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0;
}

// Sets the umask for as long as it lives.
class Umask {
public:
    explicit Umask(mode_t mask) : m_previous(::umask(mask)) {}
    ~Umask() { ::umask(m_previous); }

private:
    mode_t m_previous;
};

QStringList sortedEntries(const QString& folder) {
    return QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                                  QDir::Name);
}

} // namespace

class TestCliAccess : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    ModelFolderCopy m_model; // in a folder others may read, for the other user
    QString m_program;       // a copy of semsearch-cli that others may run

    QString base() const { return m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction(); }
    static bool asRoot() { return ::geteuid() == 0; }

    QProcessEnvironment environment(const QString& index) const {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("SEMSEARCH_MODEL"), m_model.path());
        environment.insert(QStringLiteral("SEMSEARCH_INDEX"), index);
        return environment;
    }

    // semsearch-cli as the index's owner, with `mask` as its umask.
    RunResult runAsOwner(const QString& index, const QStringList& arguments,
                         mode_t mask = 022) const {
        QProcess process;
        process.setProcessEnvironment(environment(index));
        process.setChildProcessModifier([mask] { ::umask(mask); });
        process.start(m_program, arguments);
        return finishRun(process);
    }

    // semsearch-cli as another user, who may read the index but not write it.
    RunResult runAsReader(const QString& index, const QStringList& arguments) const {
        QProcess process;
        QProcessEnvironment env = environment(index);
        // Its own home: the owner's folders (and runtime folder) are not the other user's.
        const QString home = m_tmp.path() + QStringLiteral("/reader-home");
        env.insert(QStringLiteral("HOME"), home);
        env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/.cache"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
        env.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        process.setProcessEnvironment(env);
        if (asRoot())
            process.start(QStringLiteral("setpriv"),
                          QStringList{QStringLiteral("--reuid=65534"),
                                      QStringLiteral("--regid=65534"),
                                      QStringLiteral("--clear-groups"), m_program} +
                              arguments);
        else
            process.start(m_program, arguments);
        return finishRun(process);
    }

    static RunResult finish(QProcess& process) {
        RunResult result;
        if (!process.waitForStarted(10000) || !process.waitForFinished(300000))
            return result;
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }

    // An index of two small files, made by the owner.
    void makeIndex(const QString& index) {
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/cats.txt"), "Cats sleep all day. They purr.\n"));
        QVERIFY(writeFile(docs + QStringLiteral("/ships.txt"), "The ship left the harbour.\n"));
        const RunResult indexed =
            runAsOwner(index, {QStringLiteral("index"), docs, QStringLiteral("--quiet")});
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
    }

    // What a user who may read the index sees of it: folders 0755, files 0644 (the owner's
    // choice), and for an ordinary user running the test, a folder it may not write.
    void shareReadOnly(const QString& index) {
        QVERIFY(setMode(base(), 0755));
        QVERIFY(setMode(index, asRoot() ? 0755 : 0555));
        for (const QString& name : sortedEntries(index))
            QVERIFY(setMode(index + QLatin1Char('/') + name, 0644));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_model.isValid());
        // The temporary folders are 0700: open them (not their contents) to the other user.
        QVERIFY(setMode(m_tmp.path(), 0755));
        QVERIFY(setMode(QFileInfo(m_model.path()).absolutePath(), 0755));
        QDirIterator files(m_model.path(), QDir::AllEntries | QDir::NoDotAndDotDot,
                           QDirIterator::Subdirectories);
        while (files.hasNext()) {
            const QString path = files.next();
            QVERIFY(setMode(path, QFileInfo(path).isDir() ? 0755 : 0644));
        }
        QVERIFY(QDir().mkpath(m_tmp.path() + QStringLiteral("/reader-home")));
        if (asRoot())
            QVERIFY(
                ::chown(
                    QFile::encodeName(m_tmp.path() + QStringLiteral("/reader-home")).constData(),
                    kNobody, kNobody) == 0);
        m_program = m_tmp.path() + QStringLiteral("/semsearch-cli");
        QVERIFY(QFile::copy(QStringLiteral(SEMSEARCH_CLI), m_program));
        QVERIFY(setMode(m_program, 0755));
    }

    void init() {
        QVERIFY(QDir().mkpath(base()));
        QVERIFY(setMode(base(), 0755));
    }

    void cleanup() {
        // Writable again, so that the temporary folder can be removed.
        setMode(base() + QStringLiteral("/index"), 0755);
    }

    // search, status, verify and export on a folder the user may only read: the same answers
    // as the owner gets, and nothing written into the folder.
    void readOnlyIndexCanBeSearched() {
        const QString index = base() + QStringLiteral("/index");
        makeIndex(index);
        const QStringList search = {QStringLiteral("search"), QStringLiteral("sleeping cats"),
                                    QStringLiteral("--json")};
        const RunResult owners = runAsOwner(index, search);
        QVERIFY2(owners.exitCode == 0, owners.err.constData());
        // The owner's search left SQLite's -wal and -shm behind (a reader does not remove
        // them); a writer closing removes them, as after any indexing run.
        const RunResult updated =
            runAsOwner(index, {QStringLiteral("index"), base() + QStringLiteral("/docs"),
                               QStringLiteral("--quiet")});
        QVERIFY2(updated.exitCode == 0, updated.err.constData());
        shareReadOnly(index);
        const QStringList before = sortedEntries(index);
        QCOMPARE(before,
                 QStringList({QStringLiteral("index.sqlite"), QStringLiteral("vectors.faiss")}));

        const RunResult found = runAsReader(index, search);
        QVERIFY2(found.exitCode == 0, found.err.constData());
        QCOMPARE(found.out, owners.out);
        const QJsonArray results =
            QJsonDocument::fromJson(found.out).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 2);

        const RunResult status =
            runAsReader(index, {QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY2(status.exitCode == 0, status.err.constData());
        QCOMPARE(
            QJsonDocument::fromJson(status.out).object().value(QStringLiteral("documents")).toInt(),
            2);
        const RunResult verify = runAsReader(index, {QStringLiteral("verify")});
        QVERIFY2(verify.exitCode == 0, (verify.out + verify.err).constData());
        const RunResult exported = runAsReader(index, {QStringLiteral("export")});
        QVERIFY2(exported.exitCode == 0, exported.err.constData());
        QCOMPARE(exported.out.count('\n'), 2);
        QCOMPARE(sortedEntries(index), before);

        // Without the saved vector cache (a writer killed before saving it), the reader builds
        // the vectors in memory.
        QVERIFY(setMode(index, 0755));
        QVERIFY(QFile::remove(index + QStringLiteral("/vectors.faiss")));
        shareReadOnly(index);
        const RunResult rebuilt = runAsReader(index, search);
        QVERIFY2(rebuilt.exitCode == 0, rebuilt.err.constData());
        QCOMPARE(rebuilt.out, owners.out);

        QCOMPARE(sortedEntries(index), QStringList({QStringLiteral("index.sqlite")}));
    }

    // While the owner's writer has the index open (its -wal and -shm exist), a reader who may
    // not write them still reads the index, including what the writer committed since.
    void readOnlyIndexWithAWriterOpen() {
        if (!asRoot())
            QSKIP("needs a second user: the owner must write the folder, the reader must not");
        const QString index = base() + QStringLiteral("/index");
        makeIndex(index);
        shareReadOnly(index);
        auto writer = IndexFolder::open(index, IndexFolder::Mode::Write);
        QVERIFY2(writer.ok(), writer.ok() ? "" : qPrintable(writer.error().message));
        auto removed = Indexer::removeFrom(**writer, {base() + QStringLiteral("/docs/ships.txt")});
        QVERIFY(removed.ok() && *removed == 1);
        QVERIFY(QFileInfo::exists(index + QStringLiteral("/index.sqlite-shm")));
        const RunResult status =
            runAsReader(index, {QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY2(status.exitCode == 0, status.err.constData());
        QCOMPARE(
            QJsonDocument::fromJson(status.out).object().value(QStringLiteral("documents")).toInt(),
            1);
    }

    // A new index is its owner's alone, whatever the umask: folder 0700, files 0600, and
    // another user cannot read the text in it.
    void newIndexIsPrivate() {
        const QString index = base() + QStringLiteral("/index");
        const QString docs = base() + QStringLiteral("/docs");
        QVERIFY(writeFile(docs + QStringLiteral("/a.txt"), "Cats sleep all day.\n"));
        const RunResult indexed =
            runAsOwner(index, {QStringLiteral("index"), docs, QStringLiteral("--quiet")}, 0);
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        QCOMPARE(modeOf(index), 0700);
        QCOMPARE(modeOf(index + QStringLiteral("/index.sqlite")), 0600);
        QCOMPARE(modeOf(index + QStringLiteral("/vectors.faiss")), 0600);

        // The files SQLite and the writer lock add while a writer has the index open.
        {
            const Umask open(0);
            auto writer = IndexFolder::open(index, IndexFolder::Mode::Write);
            QVERIFY(writer.ok());
            for (const char* name : {"index.sqlite-wal", "index.sqlite-shm", "writer.lock"})
                QVERIFY2(modeOf(index + QLatin1Char('/') + QLatin1String(name)) == 0600, name);
        }

        if (asRoot()) {
            QVERIFY(setMode(base(), 0755));
            const RunResult reader = runAsReader(index, {QStringLiteral("export")});
            QCOMPARE(reader.exitCode, 1);
            QVERIFY2(isOneLine(reader.err) && reader.err.contains("permission denied"),
                     reader.err.constData());
        }
    }

    // An index its owner shared on purpose stays shared: files written later take the
    // database's permissions rather than 0600.
    void sharedIndexStaysShared() {
        const QString index = base() + QStringLiteral("/index");
        makeIndex(index);
        QVERIFY(setMode(index, 0750));
        for (const QString& name : sortedEntries(index))
            QVERIFY(setMode(index + QLatin1Char('/') + name, 0640));
        QVERIFY(writeFile(base() + QStringLiteral("/docs/more.txt"), "Owls hunt at night.\n"));
        const RunResult indexed = runAsOwner(
            index,
            {QStringLiteral("index"), base() + QStringLiteral("/docs"), QStringLiteral("--quiet")},
            077);
        QVERIFY2(indexed.exitCode == 0, indexed.err.constData());
        QCOMPARE(modeOf(index), 0750);
        QCOMPARE(modeOf(index + QStringLiteral("/index.sqlite")), 0640);
        QCOMPARE(modeOf(index + QStringLiteral("/vectors.faiss")), 0640);
    }
};

QTEST_GUILESS_MAIN(TestCliAccess)
#include "test_cli_access.moc"
