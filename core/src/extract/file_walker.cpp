// walkPaths: files and folders -> the regular files to index, with reasons for what is skipped.
//
// Symbolic links make the file system a graph, not a tree. The walk goes in rounds by the number
// of links followed: round k walks (depth first) every folder reachable through exactly k links,
// and a link to a folder is put off to round k + 1. So every folder is first reached along a
// path with the fewest links, a global set of visited folders (by canonical path) then both ends
// loops and keeps an aliased folder from being walked twice, and the real location of a file wins
// over a link to it whatever the order of the arguments.
//
// A loop is a link to a folder that encloses some folder on the path walked to the link. Along
// plain subfolders that is the canonical path of the link's own folder; each link followed on
// the way starts a new canonical branch, so the folders the walk jumped from are kept too.

#include "semsearch/extract.h"

#include "extract/byte_size_text.h"
#include "extract/link_checks.h"
#include "extract/raw_file_names.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <memory>

namespace semsearch {

namespace {

// Always skipped: their contents are a tool's database, not the user's documents.
const QStringList kVersionControlFolders = {
    QStringLiteral(".git"), QStringLiteral(".hg"),    QStringLiteral(".svn"),
    QStringLiteral(".bzr"), QStringLiteral("_darcs"), QStringLiteral("CVS"),
};

// A link planted by another user (in a shared folder) must not pull a file of ours that they
// cannot read into our index, where we would find it and perhaps share the results.
const QString kForeignLinkReason =
    QStringLiteral("symbolic link of another user leads outside the indexed folders");

// Qt cannot name such a file (it decodes the name with U+FFFD and cannot encode it back), so
// the preview, opening the file and re-checking it later could not work: skipped, with the
// name shown byte for byte so that the user can find and rename it.
QString notUtf8Reason(bool isFolder) {
    return isFolder ? QStringLiteral("folder name is not valid UTF-8")
                    : QStringLiteral("file name is not valid UTF-8");
}

QString missingReason(const QFileInfo& info) {
    if (!info.isSymLink())
        return QStringLiteral("not found");
    return detail::isSymbolicLinkLoop(info.absoluteFilePath())
               ? QStringLiteral("symbolic link loop")
               : QStringLiteral("broken symbolic link");
}

// The canonical folders a walk path jumped from through links, innermost first; shared
// between all the folders below the same jump.
struct LinkJump {
    QString fromCanonical;
    std::shared_ptr<const LinkJump> previous;
};

struct PendingFolder {
    QString path;      // as reported: absolute, links not resolved
    QString canonical; // links resolved
    int links = 0;     // symbolic links followed to get here
    std::shared_ptr<const LinkJump> jumps;
};

// A file reached at least once; `reason` empty when it is to be indexed.
struct FoundFile {
    QString path;
    int links = 0;
    QString reason;
};

class FileWalker {
public:
    FileWalker(const WalkOptions& options, const std::atomic<bool>* cancel)
        : m_options(options), m_nameRules(options), m_cancel(cancel) {}

    WalkResult run(const QStringList& paths) {
        QStringList roots;
        for (const QString& path : paths) {
            if (path.isEmpty())
                skip(path, QStringLiteral("empty path"));
            else
                roots.append(QFileInfo(path).absoluteFilePath()); // absolute and clean
        }
        // Sorted so that the result does not depend on the order of the arguments.
        roots.sort();
        roots.removeDuplicates();
        for (const QString& root : roots)
            addRootLocation(root);
        for (const QString& root : roots) {
            if (stopped())
                break;
            addRoot(root);
        }
        for (std::size_t round = 0; round < m_rounds.size() && !stopped(); ++round)
            walkRound(round);
        return finish();
    }

private:
    bool stopped() {
        if (!m_result.cancelled && m_cancel && m_cancel->load(std::memory_order_relaxed))
            m_result.cancelled = true;
        return m_result.cancelled;
    }

    void skip(const QString& path, const QString& reason) {
        m_result.skipped.push_back({path, reason});
    }

    void schedule(PendingFolder folder) {
        const auto round = std::size_t(folder.links);
        if (m_rounds.size() <= round)
            m_rounds.resize(round + 1);
        m_rounds[round].push_back(std::move(folder));
    }

    // Where links of other users may lead: the canonical paths of the arguments.
    void addRootLocation(const QString& path) {
        const QString canonical = QFileInfo(path).canonicalFilePath();
        if (!canonical.isEmpty())
            m_rootLocations.append(canonical);
    }

    bool insideRoots(const QString& canonical) const {
        return std::any_of(m_rootLocations.begin(), m_rootLocations.end(),
                           [&](const QString& root) { return isSameOrBelow(canonical, root); });
    }

    // A path that does not exist as Qt spells it may be a name that is not UTF-8 (a watcher or
    // a drop passes such names on decoded with U+FFFD): report the real file then.
    void addMissing(const QFileInfo& info, const QString& path) {
        if (!info.isSymLink() && info.fileName().contains(QChar::ReplacementCharacter)) {
            const QString folder = info.absolutePath();
            const auto raw = detail::namesDecodedAs(folder, info.fileName());
            for (const QByteArray& name : raw)
                skip(joinPath(folder, escapeInvalidUtf8(name)),
                     notUtf8Reason(detail::isFolderEntry(folder, name)));
            if (!raw.empty())
                return;
        }
        skip(path, missingReason(info));
    }

    // Arguments are taken as named: only entries found below them meet the name rules.
    void addRoot(const QString& path) {
        const QFileInfo info(path);
        const int links = info.isSymLink() ? 1 : 0;
        if (!info.exists()) {
            addMissing(info, path);
        } else if (info.isDir()) {
            const QString canonical = info.canonicalFilePath();
            if (canonical.isEmpty()) // a link into a folder that may not be searched
                skip(path, QStringLiteral("permission denied"));
            else
                schedule({path, canonical, links, nullptr});
        } else if (info.isFile()) {
            addFile(info, path, info.canonicalFilePath(), links);
        } else {
            skip(path, QStringLiteral("not a regular file"));
        }
    }

    void walkRound(std::size_t round) {
        // Depth first; subfolders reached without a link join this round's stack.
        std::vector<PendingFolder> stack = std::move(m_rounds[round]);
        std::reverse(stack.begin(), stack.end()); // pop in sorted order
        while (!stack.empty() && !stopped()) {
            PendingFolder folder = std::move(stack.back());
            stack.pop_back();
            if (m_visitedFolders.contains(folder.canonical))
                continue; // an alias of a folder already walked along fewer links
            m_visitedFolders.insert(folder.canonical);
            std::vector<PendingFolder> subfolders;
            listFolder(folder, subfolders);
            stack.insert(stack.end(), subfolders.rbegin(), subfolders.rend());
        }
    }

    void listFolder(const PendingFolder& folder, std::vector<PendingFolder>& subfolders) {
        const QFileInfo folderInfo(folder.path);
        // An unreadable folder lists as empty; say why instead.
        if (!folderInfo.isReadable() || !folderInfo.isExecutable()) {
            skip(folder.path, QStringLiteral("permission denied"));
            return;
        }
        // Listed by hand rather than with QDir, which decodes names lossily: a name that is
        // not UTF-8 would come back naming no file, and be lost.
        auto listed = detail::listFolderNames(folder.path);
        if (!listed) {
            skip(folder.path, QStringLiteral("cannot list the folder"));
            return;
        }
        QStringList& names = listed->names;
        names.sort();
        for (const QByteArray& raw : listed->notUtf8) {
            const bool isDir = detail::isFolderEntry(folder.path, raw);
            QString reason = m_nameRules.skipReason(QFile::decodeName(raw), isDir);
            if (reason.isEmpty())
                reason = notUtf8Reason(isDir);
            skip(joinPath(folder.path, escapeInvalidUtf8(raw)), reason);
        }
        for (const QString& name : std::as_const(names)) {
            if (stopped())
                return;
            listEntry(folder, name, subfolders);
        }
    }

    void listEntry(const PendingFolder& folder, const QString& name,
                   std::vector<PendingFolder>& subfolders) {
        const QString path = joinPath(folder.path, name);
        const QFileInfo entry(path);
        const bool isLink = entry.isSymLink();
        const bool isDir = entry.isDir(); // follows links
        const QString target = isLink ? entry.canonicalFilePath() : QString();

        if (const QString reason = m_nameRules.skipReason(name, isDir); !reason.isEmpty()) {
            skip(path, reason);
        } else if (!entry.exists()) {
            skip(path, missingReason(entry));
        } else if (isLink && !target.isEmpty() && !insideRoots(target) &&
                   !detail::linksOwnedByUserOrRoot(joinPath(folder.canonical, name))) {
            skip(path, kForeignLinkReason);
        } else if (isDir && !isLink) {
            subfolders.push_back(
                {path, joinPath(folder.canonical, name), folder.links, folder.jumps});
        } else if (isDir) {
            if (target.isEmpty())
                skip(path, QStringLiteral("permission denied"));
            else if (isLoop(target, folder))
                skip(path, QStringLiteral("symbolic link loop"));
            else
                schedule(
                    {path, target, folder.links + 1,
                     std::make_shared<const LinkJump>(LinkJump{folder.canonical, folder.jumps})});
        } else if (entry.isFile()) {
            addFile(entry, path, isLink ? target : joinPath(folder.canonical, name),
                    folder.links + (isLink ? 1 : 0));
        } else {
            skip(path, QStringLiteral("not a regular file"));
        }
    }

    static bool isLoop(const QString& target, const PendingFolder& folder) {
        if (isSameOrBelow(folder.canonical, target))
            return true;
        for (const LinkJump* jump = folder.jumps.get(); jump; jump = jump->previous.get()) {
            if (isSameOrBelow(jump->fromCanonical, target))
                return true;
        }
        return false;
    }

    void addFile(const QFileInfo& info, const QString& path, const QString& canonical, int links) {
        QString reason;
        if (m_options.maxFileBytes > 0 && info.size() > m_options.maxFileBytes)
            reason = detail::tooLargeText(m_options.maxFileBytes, info.size());
        else if (!info.isReadable())
            reason = QStringLiteral("permission denied");

        // Canonical paths cannot be empty for files that exist, but a file removed during the
        // walk can give one; keep it under its own path rather than merge it with others.
        const QString key = canonical.isEmpty() ? path : canonical;
        auto it = m_files.find(key);
        if (it == m_files.end())
            m_files.insert(key, {path, links, reason});
        else if (links < it->links || (links == it->links && path < it->path))
            *it = {path, links, reason};
    }

    WalkResult finish() {
        for (const FoundFile& file : std::as_const(m_files)) {
            if (file.reason.isEmpty())
                m_result.files.append(file.path);
            else
                skip(file.path, file.reason);
        }
        m_result.files.sort();
        m_result.files.removeDuplicates();
        std::stable_sort(
            m_result.skipped.begin(), m_result.skipped.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
        return std::move(m_result);
    }

    const WalkOptions& m_options;
    const WalkNameRules m_nameRules;
    const std::atomic<bool>* m_cancel;
    std::vector<std::vector<PendingFolder>> m_rounds; // index = links followed
    QSet<QString> m_visitedFolders;                   // canonical paths
    QStringList m_rootLocations;                      // canonical paths of the arguments
    QHash<QString, FoundFile> m_files;                // by canonical path
    WalkResult m_result;
};

} // namespace

QString joinPath(const QString& folder, const QString& name) {
    return folder.endsWith(QLatin1Char('/')) ? folder + name : folder + QLatin1Char('/') + name;
}

bool isSameOrBelow(const QString& path, const QString& ancestor) {
    if (!path.startsWith(ancestor))
        return false;
    return path.size() == ancestor.size() || ancestor.endsWith(QLatin1Char('/')) ||
           path.at(ancestor.size()) == QLatin1Char('/');
}

WalkNameRules::WalkNameRules(const WalkOptions& options) : m_includeHidden(options.includeHidden) {
    for (const QString& pattern : options.excludePatterns) {
        if (pattern.isEmpty())
            continue;
        m_patterns.push_back(
            {pattern, QRegularExpression(QRegularExpression::wildcardToRegularExpression(pattern),
                                         QRegularExpression::CaseInsensitiveOption)});
    }
}

QString WalkNameRules::skipReason(const QString& name, bool isFolder) const {
    if (isFolder && kVersionControlFolders.contains(name))
        return QStringLiteral("version-control folder");
    if (!m_includeHidden && name.startsWith(QLatin1Char('.')))
        return isFolder ? QStringLiteral("hidden folder") : QStringLiteral("hidden file");
    for (const Pattern& pattern : m_patterns) {
        const bool matches = pattern.regex.isValid()
                                 ? pattern.regex.match(name).hasMatch()
                                 : name.compare(pattern.text, Qt::CaseInsensitive) == 0;
        if (matches)
            return QStringLiteral("excluded by pattern '%1'").arg(pattern.text);
    }
    return {};
}

WalkResult walkPaths(const QStringList& paths, const WalkOptions& options,
                     const std::atomic<bool>* cancel) {
    return FileWalker(options, cancel).run(paths);
}

} // namespace semsearch
