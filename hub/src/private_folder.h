#pragma once

// A folder of the user's own, held open by file descriptor, for a download's staging area. The
// area sits beside the target folder, in a parent that other users may be able to write (a
// shared folder): there, someone could plant a symbolic link named like the area, pointing at
// the user's documents. So the area is opened without following links and checked to be the
// user's own (0700) before anything is written, and everything deleted in it is deleted through
// the descriptor (unlinkat), never through a path that could be swapped in the meantime.

#include "semsearch/error.h"

#include <QString>

namespace semsearch {

class PrivateFolder {
public:
    // Opens the folder `name` inside the folder open as `parentFd` (AT_FDCWD: `name` is a path
    // from the current folder), creating it with mode 0700 when it is missing and `create` is
    // set. Io, naming `displayPath`, when it is a symbolic link, not a folder, or another user's
    // folder (refused: nothing is touched); NotFound when it is missing and not created. A
    // folder of the user's with wider permissions (left by an older semsearch) is narrowed to
    // 0700.
    static Result<PrivateFolder> open(int parentFd, const QString& name, const QString& displayPath,
                                      bool create);

    PrivateFolder(PrivateFolder&& other) noexcept;
    PrivateFolder& operator=(PrivateFolder&& other) noexcept;
    PrivateFolder(const PrivateFolder&) = delete;
    PrivateFolder& operator=(const PrivateFolder&) = delete;
    ~PrivateFolder();

    int fd() const { return m_fd; }
    const QString& path() const { return m_path; }

    // True when `m_path` still names this very folder (the same file system object, not a link
    // to it): nobody has moved it aside and put something else in its place.
    bool isStillAtItsPath() const;

    // Deletes the entry `relative` ("a", "a/b.part") below this folder: a file or a link is
    // unlinked (a link is never followed), a folder is deleted with everything in it. A missing
    // entry is not an error; Io names what could not be deleted.
    Result<void> remove(const QString& relative) const;
    // Deletes every entry directly in this folder but `keep` (none when empty), as remove() does.
    Result<void> clearExcept(const QString& keep) const;
    // Renames `from` to `to`, both below this folder (replacing a file at `to`).
    Result<void> rename(const QString& from, const QString& to) const;
    // Creates the folder `relative` and its missing parents below this folder, 0700.
    Result<void> makeFolders(const QString& relative) const;

private:
    PrivateFolder(int fd, QString path) : m_fd(fd), m_path(std::move(path)) {}

    int m_fd = -1;
    QString m_path;
};

} // namespace semsearch
