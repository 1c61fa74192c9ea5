#pragma once

// The staging area of one model download, beside its target folder:
//   <parent>/.partial/<name>/       the files as they arrive (the model, once complete)
//   <parent>/.partial/<name>.lock   held by the one download into <name> (QLockFile)
//   <parent>/.partial/<name>.json   the repository, revision and commit the files came from
// Kept after a failure or a cancel so that the next run resumes; gone after a success.
//
// The parent may be writable by other users (a shared folder), so .partial and .partial/<name>
// are opened as PrivateFolders: created 0700, refused when they are symbolic links or another
// user's, and everything deleted in them is deleted through their descriptors. Files are
// written by path below the checked folders, which nobody else can write into; the move into
// place first checks that .partial is still the folder that was checked.

#include "private_folder.h"

#include "semsearch/error.h"

#include <QString>

#include <memory>
#include <optional>

class QLockFile;

namespace semsearch {

class DownloadStaging {
public:
    // Creates the area and takes the lock (Busy when another download holds it; Io naming the
    // folder when it cannot be created, or when .partial or .partial/<name> is a symbolic link,
    // not a folder, or another user's: then nothing is touched). Staged files of another
    // repository or revision are deleted.
    static Result<std::unique_ptr<DownloadStaging>>
    open(const QString& target, const QString& repository, const QString& revision);
    // Releases the lock, and removes .partial when nothing else is staged there.
    ~DownloadStaging();

    static QString folderFor(const QString& target);
    const QString& folder() const { return m_folder; }
    QString filePath(const QString& relative) const;

    // Records the commit the revision resolved to. When a different commit was recorded, the
    // staged files (all but `keep`) came from it and are deleted first. An empty commit (a
    // server that does not say) changes nothing.
    Result<void> setCommit(const QString& commit, const QString& keep);

    // Moves the staged folder to `target` (moveFolderIntoPlace) and removes the record; the
    // lock goes with this object.
    Result<void> moveInto(const QString& target, bool replace);

    // Deletes the staged files and the record, keeping the lock until this object goes: for a
    // run that failed before anything worth resuming arrived.
    void removeFiles();

    // File operations below the staged folder, through its descriptor (see PrivateFolder).
    Result<void> removeFile(const QString& relative) const;
    Result<void> renameFile(const QString& from, const QString& to) const;
    Result<void> makeFolders(const QString& relative) const;

    // Deletes what is staged for `target` (Busy while a download into it runs; Io, touching
    // nothing, when the staging area is a link or another user's).
    static Result<void> discard(const QString& target);

private:
    DownloadStaging() = default;
    Result<void> writeRecord(const QString& commit);

    std::optional<PrivateFolder> m_rootFolder; // <parent>/.partial
    std::optional<PrivateFolder> m_staged;     // <parent>/.partial/<name>
    QString m_name;
    QString m_root; // <parent>/.partial
    QString m_folder;
    QString m_recordPath;
    QString m_repository;
    QString m_revision;
    QString m_commit;
    std::unique_ptr<QLockFile> m_lock;
};

} // namespace semsearch
