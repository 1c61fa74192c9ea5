#include "folder_tree.h"

#include <QDir>
#include <QFileInfo>

#include <deque>

namespace semsearch::services {

namespace {

QFileInfoList subfolderInfos(const QString& folder) {
    // Hidden folders are listed too: the rules decide (includeHidden). System: links whose
    // targets are folders count as folders.
    return QDir(folder).entryInfoList(
        QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Unsorted);
}

} // namespace

FolderTree collectFolderTree(const QString& root, const WalkNameRules& rules,
                             const QSet<QString>& skipCanonical, int maxFolders,
                             const std::function<bool()>& cancelled) {
    FolderTree tree;
    const QFileInfo rootInfo(root);
    if (!rootInfo.isDir())
        return tree;
    QSet<QString> seen = skipCanonical;
    std::deque<TreeFolder> queue{{root, rootInfo.canonicalFilePath()}};
    while (!queue.empty()) {
        if (cancelled && cancelled()) {
            tree.cancelled = true;
            break;
        }
        TreeFolder folder = std::move(queue.front());
        queue.pop_front();
        // An empty canonical path: a link into a folder that may not be searched.
        if (folder.canonical.isEmpty() || seen.contains(folder.canonical))
            continue; // also ends link loops
        if (tree.folders.size() >= maxFolders) {
            tree.truncated = true;
            break;
        }
        seen.insert(folder.canonical);
        for (const QFileInfo& entry : subfolderInfos(folder.path)) {
            const QString name = entry.fileName();
            if (!rules.skipReason(name, true).isEmpty())
                continue;
            // Canonical paths cost a system call per component; needed only for links.
            queue.push_back({joinPath(folder.path, name), entry.isSymLink()
                                                              ? entry.canonicalFilePath()
                                                              : joinPath(folder.canonical, name)});
        }
        tree.folders.append(std::move(folder));
    }
    return tree;
}

QStringList listSubfolders(const QString& folder, const WalkNameRules& rules) {
    QStringList subfolders;
    for (const QFileInfo& entry : subfolderInfos(folder)) {
        if (rules.skipReason(entry.fileName(), true).isEmpty())
            subfolders.append(joinPath(folder, entry.fileName()));
    }
    return subfolders;
}

} // namespace semsearch::services
