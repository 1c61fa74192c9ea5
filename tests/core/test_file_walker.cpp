// walkPaths on small trees built in a fresh temporary folder per test: which files come out, in
// which form, and which are skipped with which reason. Expected lists are written out by hand
// from the tree each test builds.

#include "unprivileged_user.h"

#include "semsearch/extract.h"

#include "test_files.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

#include <sys/stat.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// What a walk skipped, as "relative path: reason" lines, for readable comparisons.
QStringList skippedList(const WalkResult& result, const QString& root) {
    QStringList out;
    for (const SkippedFile& skipped : result.skipped)
        out.append(QDir(root).relativeFilePath(skipped.path) + QStringLiteral(": ") +
                   skipped.reason);
    return out;
}

} // namespace

class TestFileWalker : public QObject {
    Q_OBJECT

    QTemporaryDir* m_dir = nullptr;

    QString m_root;

    QString root() const { return m_root; }
    QString at(const QString& relative) const { return root() + QLatin1Char('/') + relative; }

    void makeFile(const QString& relative, const QByteArray& content = "text\n") {
        const QString path = at(relative);
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
    }
    void makeFolder(const QString& relative) { QVERIFY(QDir().mkpath(at(relative))); }
    void makeLink(const QString& target, const QString& relativeLink) {
        QVERIFY(QFile::link(target, at(relativeLink)));
    }
    QStringList absolute(const QStringList& relatives) const {
        QStringList out;
        for (const QString& relative : relatives)
            out.append(at(relative));
        return out;
    }

private Q_SLOTS:
    void init() {
        m_dir = new QTemporaryDir;
        QVERIFY(m_dir->isValid());
        // QTemporaryDir may hand out a path through a link (/tmp on some systems), which some
        // tests here would count as one more link: work below the resolved path.
        m_root = QFileInfo(m_dir->path()).canonicalFilePath();
        QVERIFY(!m_root.isEmpty());
    }
    void cleanup() {
        // Restore permissions so that the folder can be removed.
        for (const QString& path : {at("locked"), at("secret.txt")})
            QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        delete m_dir;
        m_dir = nullptr;
    }

    void listsFilesRecursivelySortedAndAbsolute() {
        makeFile("b.txt");
        makeFile("a/z.md");
        makeFile("a/deep/er/x.txt");
        makeFile("A.txt");
        makeFile("empty.txt", QByteArray());
        makeFolder("emptyfolder");
        const WalkResult result = walkPaths({root()}, {});
        QCOMPARE(result.files,
                 absolute({"A.txt", "a/deep/er/x.txt", "a/z.md", "b.txt", "empty.txt"}));
        QVERIFY(result.skipped.empty());
        QVERIFY(!result.cancelled);
    }

    void relativeAndUncleanArgumentsBecomeAbsoluteAndClean() {
        makeFile("notes/one.txt");
        makeFile("two.txt");
        const QString previous = QDir::currentPath();
        QVERIFY(QDir::setCurrent(root()));
        const WalkResult result =
            walkPaths({QStringLiteral("notes/"), QStringLiteral("./notes/../two.txt")}, {});
        QVERIFY(QDir::setCurrent(previous));
        QCOMPARE(result.files, absolute({"notes/one.txt", "two.txt"}));
    }

    void overlappingArgumentsGiveEachFileOnce() {
        makeFile("a/b/c.txt");
        makeFile("a/d.txt");
        const WalkResult result =
            walkPaths({at("a/b/c.txt"), at("a"), at("a/b"), at("a/b/../b"), at("a")}, {});
        QCOMPARE(result.files, absolute({"a/b/c.txt", "a/d.txt"}));
        QVERIFY(result.skipped.empty());
    }

    void hiddenEntriesSkippedUnlessIncluded() {
        makeFile("visible.txt");
        makeFile(".hidden.txt");
        makeFile(".config/settings.txt");
        makeFile("sub/.profile");

        const WalkResult byDefault = walkPaths({root()}, {});
        QCOMPARE(byDefault.files, absolute({"visible.txt"}));
        // The folder is reported once; what is inside it is not listed.
        QCOMPARE(skippedList(byDefault, root()),
                 QStringList({".config: hidden folder", ".hidden.txt: hidden file",
                              "sub/.profile: hidden file"}));

        WalkOptions options;
        options.includeHidden = true;
        const WalkResult included = walkPaths({root()}, options);
        QCOMPARE(included.files,
                 absolute({".config/settings.txt", ".hidden.txt", "sub/.profile", "visible.txt"}));
        QVERIFY(included.skipped.empty());
    }

    void hiddenArgumentIsTakenAsNamed() {
        makeFile(".notes/a.txt");
        makeFile(".notes/.b.txt");
        const WalkResult result = walkPaths({at(".notes")}, {});
        QCOMPARE(result.files, absolute({".notes/a.txt"}));
        QCOMPARE(skippedList(result, root()), QStringList({".notes/.b.txt: hidden file"}));
    }

    void versionControlFoldersAlwaysSkipped() {
        makeFile("src/main.txt");
        for (const char* folder : {".git", ".hg", ".svn", ".bzr", "_darcs", "CVS"})
            makeFile(QStringLiteral("src/%1/objects.txt").arg(QLatin1String(folder)));
        WalkOptions options;
        options.includeHidden = true;
        const WalkResult result = walkPaths({root()}, options);
        QCOMPARE(result.files, absolute({"src/main.txt"}));
        QCOMPARE(
            skippedList(result, root()),
            QStringList({"src/.bzr: version-control folder", "src/.git: version-control folder",
                         "src/.hg: version-control folder", "src/.svn: version-control folder",
                         "src/CVS: version-control folder", "src/_darcs: version-control folder"}));
    }

    void excludePatternsMatchNamesCaseInsensitively() {
        makeFile("app.js");
        makeFile("app.min.js");
        makeFile("LIB.MIN.JS");
        makeFile("run.log");
        makeFile("node_modules/pkg/index.js");
        makeFile("sub/node_modules.txt");
        makeFile("sub/deeper/trace.log");
        WalkOptions options;
        options.excludePatterns = {QStringLiteral("*.min.js"), QStringLiteral("node_modules"),
                                   QStringLiteral("*.log"), QString()};
        const WalkResult result = walkPaths({root()}, options);
        QCOMPARE(result.files, absolute({"app.js", "sub/node_modules.txt"}));
        QCOMPARE(skippedList(result, root()),
                 QStringList({"LIB.MIN.JS: excluded by pattern '*.min.js'",
                              "app.min.js: excluded by pattern '*.min.js'",
                              "node_modules: excluded by pattern 'node_modules'",
                              "run.log: excluded by pattern '*.log'",
                              "sub/deeper/trace.log: excluded by pattern '*.log'"}));
    }

    void questionMarkAndBracketPatterns() {
        makeFile("a1.txt");
        makeFile("a22.txt");
        makeFile("b1.txt");
        makeFile("c1.txt");
        makeFile("[Draft");
        WalkOptions options;
        // "[draft" is no valid glob: it matches the name literally (ignoring case).
        options.excludePatterns = {QStringLiteral("a?.txt"), QStringLiteral("[bc]1.*"),
                                   QStringLiteral("[draft")};
        const WalkResult result = walkPaths({root()}, options);
        QCOMPARE(result.files, absolute({"a22.txt"}));
        QCOMPARE(result.skipped.size(), std::size_t(4));
    }

    void filesOverTheSizeLimitAreSkipped() {
        makeFile("small.txt", QByteArray(1000, 'a'));
        makeFile("big.txt", QByteArray(1001, 'a'));
        WalkOptions options;
        options.maxFileBytes = 1000;
        const WalkResult result = walkPaths({root()}, options);
        QCOMPARE(result.files, absolute({"small.txt"}));
        QCOMPARE(skippedList(result, root()),
                 QStringList({"big.txt: larger than 1000 bytes (1001 bytes)"}));

        options.maxFileBytes = 0; // no limit
        QCOMPARE(walkPaths({root()}, options).files, absolute({"big.txt", "small.txt"}));
    }

    void sizeReasonReadsInMebibytes() {
        // 31.2 MiB = 32715571.2 bytes; sparse, so nothing is written.
        makeFile("huge.txt", QByteArray());
        QFile huge(at("huge.txt"));
        QVERIFY(huge.resize(32715572));
        const WalkResult result = walkPaths({root()}, {}); // the default limit, 20 MiB
        QVERIFY(result.files.isEmpty());
        QCOMPARE(skippedList(result, root()),
                 QStringList({"huge.txt: larger than 20 MiB (31.2 MiB)"}));
    }

    void missingAndEmptyArgumentsAreReported() {
        makeFile("real.txt");
        const WalkResult result = walkPaths({at("real.txt"), at("gone"), QString()}, {});
        QCOMPARE(result.files, absolute({"real.txt"}));
        QCOMPARE(result.skipped.size(), std::size_t(2));
        QCOMPARE(result.skipped[0].path, QString());
        QCOMPARE(result.skipped[0].reason, QStringLiteral("empty path"));
        QCOMPARE(result.skipped[1].path, at("gone"));
        QCOMPARE(result.skipped[1].reason, QStringLiteral("not found"));
    }

    void symlinkLoopsTerminateAndAreReported() {
        makeFile("top/a.txt");
        makeFile("top/inner/b.txt");
        makeLink(at("top"), "top/inner/up");          // to its grandparent
        makeLink(at("top/inner"), "top/inner/self");  // to its own folder
        makeLink(QStringLiteral(".."), "top/parent"); // relative, to the temporary root
        const WalkResult result = walkPaths({at("top")}, {});
        QCOMPARE(result.files, absolute({"top/a.txt", "top/inner/b.txt"}));
        QCOMPARE(skippedList(result, root()), QStringList({"top/inner/self: symbolic link loop",
                                                           "top/inner/up: symbolic link loop",
                                                           "top/parent: symbolic link loop"}));
    }

    void mutualFolderLinksTerminate() {
        makeFile("x/one.txt");
        makeFile("y/two.txt");
        makeLink(at("y"), "x/to_y");
        makeLink(at("x"), "y/to_x");
        // Walking only x: y is reached through a link (reported under x/to_y, unresolved), and
        // y's link back to x leads to where the walk came from.
        const WalkResult result = walkPaths({at("x")}, {});
        QCOMPARE(result.files, absolute({"x/one.txt", "x/to_y/two.txt"}));
        QCOMPARE(skippedList(result, root()), QStringList({"x/to_y/to_x: symbolic link loop"}));
    }

    void linksAreFollowedButNotResolvedAndRealPathsWin() {
        makeFile("docs/real.txt");
        makeFile("docs/.hidden"); // skips are listed once: the aliased folder is walked once
        makeFile("outside/far.txt");
        makeLink(at("docs/real.txt"), "docs/alias.txt"); // a second path to the same file
        makeLink(at("docs"), "docs_link");               // a second path to the same folder
        makeLink(at("outside"), "docs/external");        // the only path to outside/
        const WalkResult result = walkPaths({at("docs"), at("docs_link")}, {});
        // real.txt once, under its real path; far.txt under the link that leads to it.
        QCOMPARE(result.files, absolute({"docs/external/far.txt", "docs/real.txt"}));
        QCOMPARE(skippedList(result, root()), QStringList({"docs/.hidden: hidden file"}));

        // The same when only the link is given: files are reported under the path given.
        const WalkResult viaLink = walkPaths({at("docs_link")}, {});
        QCOMPARE(viaLink.files, absolute({"docs_link/external/far.txt", "docs_link/real.txt"}));
    }

    void equalAliasesResolveTheSameWhateverTheArgumentOrder() {
        makeFile("docs/a.txt");
        makeLink(at("docs"), "link1");
        makeLink(at("docs"), "link2");
        // Both arguments are one link away from the same folder: the smaller path wins.
        QCOMPARE(walkPaths({at("link2"), at("link1")}, {}).files, absolute({"link1/a.txt"}));
        QCOMPARE(walkPaths({at("link1"), at("link2")}, {}).files, absolute({"link1/a.txt"}));
    }

    void brokenLinksAndSpecialFilesAreReported() {
        makeFile("ok.txt");
        makeLink(at("nowhere"), "dangling");
        QCOMPARE(::mkfifo(QFile::encodeName(at("pipe")).constData(), 0600), 0);
        const WalkResult result = walkPaths({root()}, {});
        QCOMPARE(result.files, absolute({"ok.txt"}));
        QCOMPARE(skippedList(result, root()),
                 QStringList({"dangling: broken symbolic link", "pipe: not a regular file"}));
    }

    void unreadableEntriesAreReported() {
        makeFile("ok.txt");
        makeFile("secret.txt");
        makeFile("locked/inside.txt");
        QVERIFY(QFile::setPermissions(at("secret.txt"), QFileDevice::Permissions()));
        QVERIFY(QFile::setPermissions(at("locked"), QFileDevice::Permissions()));
        // As a user: root would enter and read them whatever their permissions.
        QVERIFY(giveToUnprivilegedUser(root()));
        QVERIFY(runAsUnprivilegedUser([&] {
            const WalkResult result = walkPaths({root()}, {});
            QCOMPARE(result.files, absolute({"ok.txt"}));
            QCOMPARE(skippedList(result, root()),
                     QStringList({"locked: permission denied", "secret.txt: permission denied"}));
        }));
    }

    // a -> b -> a resolves to nothing: a loop, not a broken link (which "dangling" above is).
    void fileLinkLoopsAreReportedAsLoops() {
        makeFile("ok.txt");
        makeLink(at("b"), "a");
        makeLink(at("a"), "b");
        makeLink(at("self"), "self");
        const WalkResult result = walkPaths({root()}, {});
        QCOMPARE(result.files, absolute({"ok.txt"}));
        QCOMPARE(skippedList(result, root()),
                 QStringList({"a: symbolic link loop", "b: symbolic link loop",
                              "self: symbolic link loop"}));
        // Named directly, the same.
        QCOMPARE(skippedList(walkPaths({at("a")}, {}), root()),
                 QStringList({"a: symbolic link loop"}));
    }

    // Qt cannot spell these names; they are reported byte for byte, never dropped.
    void namesThatAreNotUtf8AreReportedWithTheirBytes() {
        makeFile("ok.txt");
        const QByteArray folder = QFile::encodeName(root());
        QVERIFY(writeFileAtBytes(folder + "/bad\xFF\xFEname.txt", "text\n"));
        QVERIFY(::mkdir((folder + "/caf\xE9").constData(), 0700) == 0);
        QVERIFY(writeFileAtBytes(folder + "/caf\xE9/inside.txt", "text\n"));
        QVERIFY(writeFileAtBytes(folder + "/.hidden\xFF", "text\n"));
        // Valid UTF-8 starting with U+FEFF, which QFile::decodeName would drop.
        QVERIFY(writeFileAtBytes(folder + "/\xEF\xBB\xBFmarked.txt", "text\n"));
        const WalkResult result = walkPaths({root()}, {});
        QCOMPARE(result.files, absolute({"ok.txt", QStringLiteral("\uFEFFmarked.txt")}));
        QVERIFY(QFileInfo::exists(result.files[1]));
        QCOMPARE(skippedList(result, root()),
                 QStringList({".hidden\\xFF: hidden file",
                              "bad\\xFF\\xFEname.txt: file name is not valid UTF-8",
                              "caf\\xE9: folder name is not valid UTF-8"}));

        // Named as Qt decodes it (a drop, a watcher): the real file is reported.
        const WalkResult named = walkPaths({at(QStringLiteral("bad\uFFFD\uFFFDname.txt"))}, {});
        QVERIFY(named.files.isEmpty());
        QCOMPARE(skippedList(named, root()),
                 QStringList({"bad\\xFF\\xFEname.txt: file name is not valid UTF-8"}));

        // QTemporaryDir cannot remove what Qt cannot name.
        for (const QByteArray& file :
             {QByteArray("/bad\xFF\xFEname.txt"), QByteArray("/caf\xE9/inside.txt"),
              QByteArray("/.hidden\xFF")})
            QCOMPARE(::unlink((folder + file).constData()), 0);
        QCOMPARE(::rmdir((folder + "/caf\xE9").constData()), 0);
    }

    // A link planted by another user must not lead the walk out of the folders given to a
    // file that user may not read (a private file of the user who indexes).
    void linksOfOtherUsersStayInsideTheIndexedFolders() {
        if (::geteuid() != 0)
            QSKIP("giving a link another owner takes root (CI runs the tests as root)");
        makeFile("outside/private.txt");
        makeFile("outside/deeper/more.txt");
        makeFile("shared/mine.txt");
        makeLink(at("outside/private.txt"), "shared/my_link");
        makeLink(at("outside/private.txt"), "shared/their_file_link");
        makeLink(at("outside"), "shared/their_folder_link");
        makeLink(at("shared/mine.txt"), "shared/their_inside_link");
        makeLink(at("shared/their_file_link"), "shared/my_link_to_theirs");
        makeLink(at("outside"), "shared/sub"); // ours, so outside/ is walked as shared/sub
        makeLink(at("outside/deeper"), "outside/their_link_in_a_followed_folder");
        for (const char* link :
             {"shared/their_file_link", "shared/their_folder_link", "shared/their_inside_link",
              "outside/their_link_in_a_followed_folder"})
            QVERIFY2(
                ::lchown(QFile::encodeName(at(QLatin1String(link))).constData(), 65534, 65534) == 0,
                link);
        const WalkResult result = walkPaths({at("shared")}, {});
        // Their link inside the tree is harmless (mine.txt is indexed anyway); ours are ours.
        QCOMPARE(result.files,
                 absolute({"shared/mine.txt", "shared/my_link", "shared/sub/deeper/more.txt"}));
        const QString reason =
            QStringLiteral(": symbolic link of another user leads outside the indexed folders");
        QCOMPARE(
            skippedList(result, root()),
            QStringList({"shared/my_link_to_theirs" + reason,
                         "shared/sub/their_link_in_a_followed_folder" + reason,
                         "shared/their_file_link" + reason, "shared/their_folder_link" + reason}));
    }

    void cancelStopsTheWalk() {
        for (int i = 0; i < 20; ++i)
            makeFile(QStringLiteral("f%1/x.txt").arg(i));
        const std::atomic<bool> cancelled{true};
        const WalkResult stopped = walkPaths({root()}, {}, &cancelled);
        QVERIFY(stopped.cancelled);
        QVERIFY(stopped.files.isEmpty());

        const std::atomic<bool> running{false};
        const WalkResult complete = walkPaths({root()}, {}, &running);
        QVERIFY(!complete.cancelled);
        QCOMPARE(complete.files.size(), 20);
    }

    void pathHelpers() {
        QCOMPARE(joinPath(QStringLiteral("/a"), QStringLiteral("b")), QStringLiteral("/a/b"));
        QCOMPARE(joinPath(QStringLiteral("/"), QStringLiteral("b")), QStringLiteral("/b"));
        QVERIFY(isSameOrBelow(QStringLiteral("/a/b"), QStringLiteral("/a")));
        QVERIFY(isSameOrBelow(QStringLiteral("/a"), QStringLiteral("/a")));
        QVERIFY(isSameOrBelow(QStringLiteral("/a"), QStringLiteral("/")));
        QVERIFY(!isSameOrBelow(QStringLiteral("/ab"), QStringLiteral("/a")));
        QVERIFY(!isSameOrBelow(QStringLiteral("/a"), QStringLiteral("/a/b")));
    }

    // The rules on their own, as a folder watcher applies them to names it is told about.
    void nameRulesOnTheirOwn() {
        WalkOptions options;
        options.excludePatterns = {QStringLiteral("*.min.js"), QStringLiteral("node_modules"),
                                   QString()};
        const WalkNameRules rules(options);
        QCOMPARE(rules.skipReason(QStringLiteral("notes.txt"), false), QString());
        QCOMPARE(rules.skipReason(QStringLiteral("src"), true), QString());
        QCOMPARE(rules.skipReason(QStringLiteral(".git"), true),
                 QStringLiteral("version-control folder"));
        QCOMPARE(rules.skipReason(QStringLiteral("CVS"), true),
                 QStringLiteral("version-control folder"));
        QCOMPARE(rules.skipReason(QStringLiteral("CVS"), false), QString()); // a file named so
        QCOMPARE(rules.skipReason(QStringLiteral(".cache"), true), QStringLiteral("hidden folder"));
        QCOMPARE(rules.skipReason(QStringLiteral(".notes.swp"), false),
                 QStringLiteral("hidden file"));
        QCOMPARE(rules.skipReason(QStringLiteral("App.MIN.js"), false),
                 QStringLiteral("excluded by pattern '*.min.js'"));
        QCOMPARE(rules.skipReason(QStringLiteral("node_modules"), true),
                 QStringLiteral("excluded by pattern 'node_modules'"));

        options.includeHidden = true;
        const WalkNameRules withHidden(options);
        QCOMPARE(withHidden.skipReason(QStringLiteral(".cache"), true), QString());
        QCOMPARE(withHidden.skipReason(QStringLiteral(".hg"), true),
                 QStringLiteral("version-control folder"));
    }
};

QTEST_GUILESS_MAIN(TestFileWalker)
#include "test_file_walker.moc"
