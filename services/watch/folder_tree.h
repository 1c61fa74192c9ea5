#pragma once

// The folders of a tree that a watcher needs to watch, breadth first so that a cap on their
// number keeps the ones nearest the top. The same name rules as indexing apply below the root
// (WalkNameRules); the root is taken as named. Symbolic links to folders are followed, each
// real folder listed once.
//
// Reentrant; meant for a worker thread (a home folder can hold tens of thousands of folders).

#include "semsearch/extract.h"

#include <QList>
#include <QSet>
#include <QString>

#include <functional>

namespace semsearch::services {

struct TreeFolder {
    QString path;      // absolute, links not resolved: the root's path joined with names
    QString canonical; // links resolved
};

struct FolderTree {
    QList<TreeFolder> folders; // the root first, then by depth
    bool truncated = false;    // more folders than `maxFolders`
    bool cancelled = false;    // `cancelled` said stop; `folders` is partial
};

// Folders at and below `root` (absolute and clean), at most `maxFolders`. Folders whose
// canonical path is in `skipCanonical` (already watched) are left out with everything below
// them. `cancelled` (may be empty) is asked once per folder listed.
FolderTree collectFolderTree(const QString& root, const WalkNameRules& rules,
                             const QSet<QString>& skipCanonical, int maxFolders,
                             const std::function<bool()>& cancelled = {});

// The subfolders of `folder` (absolute and clean) that the rules take, as full paths.
QStringList listSubfolders(const QString& folder, const WalkNameRules& rules);

} // namespace semsearch::services
