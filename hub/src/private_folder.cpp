#include "private_folder.h"

#include <QFile>
#include <QStringList>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace semsearch {

namespace {

constexpr int kFolderFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

QString systemReason(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

Error ioError(const QString& path, const QString& what, int error) {
    return makeError(ErrorCode::Io,
                     QStringLiteral("%1: %2: %3").arg(path, what, systemReason(error)));
}

// The folders opened on the way down a relative path, each without following a link; closed
// together.
class FolderChain {
public:
    explicit FolderChain(int start) : m_current(start) {}
    FolderChain(const FolderChain&) = delete;
    FolderChain& operator=(const FolderChain&) = delete;
    ~FolderChain() {
        for (int fd : m_opened)
            ::close(fd);
    }
    int current() const { return m_current; }
    // Opens `name` in the current folder and goes there; false with errno set when it cannot.
    bool descend(const QByteArray& name) {
        const int fd = ::openat(m_current, name.constData(), kFolderFlags);
        if (fd < 0)
            return false;
        m_opened.push_back(fd);
        m_current = fd;
        return true;
    }

private:
    int m_current;
    std::vector<int> m_opened;
};

// Why `name` in `parentFd` could not be opened as a folder without following a link.
Error openError(int parentFd, const QByteArray& name, const QString& displayPath, int error) {
    struct stat st {};
    if (::fstatat(parentFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode))
            return makeError(ErrorCode::Io,
                             displayPath + QStringLiteral(": is a symbolic link; a download is "
                                                          "never staged through a link (remove "
                                                          "it, or choose another folder)"));
        if (!S_ISDIR(st.st_mode))
            return makeError(ErrorCode::Io,
                             displayPath + QStringLiteral(": exists and is not a folder (remove "
                                                          "it, or choose another folder)"));
    }
    if (error == ENOENT)
        return makeError(ErrorCode::NotFound, displayPath + QStringLiteral(": no such folder"));
    return ioError(displayPath, QStringLiteral("cannot open the folder"), error);
}

Result<void> removeAt(int dirFd, const QByteArray& name, const QString& displayPath);

// Deletes every entry of the folder open as `dirFd` but `keep`.
Result<void> clearAt(int dirFd, const QByteArray& keep, const QString& displayPath) {
    // fdopendir takes over the descriptor it is given; the caller keeps its own.
    const int copy = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (!dir) {
        const int error = errno;
        if (copy >= 0)
            ::close(copy);
        return ioError(displayPath, QStringLiteral("cannot list the folder"), error);
    }
    ::rewinddir(dir);
    std::vector<QByteArray> names;
    while (const dirent* entry = ::readdir(dir)) {
        const QByteArray name(entry->d_name);
        if (name != "." && name != ".." && name != keep)
            names.push_back(name);
    }
    ::closedir(dir);
    for (const QByteArray& name : names)
        if (auto removed = removeAt(dirFd, name, displayPath); !removed)
            return removed;
    return {};
}

// Deletes `name` in the folder open as `dirFd`: a folder with all it holds, anything else
// (a link included) by unlinking it.
Result<void> removeAt(int dirFd, const QByteArray& name, const QString& displayPath) {
    const QString shown = displayPath + QLatin1Char('/') + QFile::decodeName(name);
    struct stat st {};
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? Result<void>()
                               : ioError(shown, QStringLiteral("cannot delete"), errno);
    if (S_ISDIR(st.st_mode)) {
        FolderChain sub(dirFd);
        if (!sub.descend(name))
            return ioError(shown, QStringLiteral("cannot delete"), errno);
        if (auto cleared = clearAt(sub.current(), QByteArray(), shown); !cleared)
            return cleared;
    }
    if (::unlinkat(dirFd, name.constData(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 &&
        errno != ENOENT)
        return ioError(shown, QStringLiteral("cannot delete"), errno);
    return {};
}

} // namespace

Result<PrivateFolder> PrivateFolder::open(int parentFd, const QString& name,
                                          const QString& displayPath, bool create) {
    const QByteArray native = QFile::encodeName(name);
    if (create && ::mkdirat(parentFd, native.constData(), 0700) != 0 && errno != EEXIST)
        return ioError(displayPath, QStringLiteral("cannot create the folder"), errno);
    const int fd = ::openat(parentFd, native.constData(), kFolderFlags);
    if (fd < 0)
        return openError(parentFd, native, displayPath, errno);
    PrivateFolder folder(fd, displayPath);
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return ioError(displayPath, QStringLiteral("cannot examine the folder"), errno);
    if (st.st_uid != ::geteuid())
        return makeError(ErrorCode::Io,
                         displayPath + QStringLiteral(": belongs to another user (uid %1); a "
                                                      "download is only staged in a folder of "
                                                      "your own (remove it, or choose another "
                                                      "folder)")
                                           .arg(st.st_uid));
    if ((st.st_mode & 07777) != 0700 && ::fchmod(fd, 0700) != 0)
        return ioError(displayPath, QStringLiteral("cannot make the folder private"), errno);
    return folder;
}

PrivateFolder::PrivateFolder(PrivateFolder&& other) noexcept
    : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
    other.m_fd = -1;
}

PrivateFolder& PrivateFolder::operator=(PrivateFolder&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = other.m_fd;
        m_path = std::move(other.m_path);
        other.m_fd = -1;
    }
    return *this;
}

PrivateFolder::~PrivateFolder() {
    if (m_fd >= 0)
        ::close(m_fd);
}

bool PrivateFolder::isStillAtItsPath() const {
    struct stat held {};
    struct stat named {};
    return ::fstat(m_fd, &held) == 0 &&
           ::lstat(QFile::encodeName(m_path).constData(), &named) == 0 && S_ISDIR(named.st_mode) &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

Result<void> PrivateFolder::remove(const QString& relative) const {
    QStringList parts = relative.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return {};
    const QString leaf = parts.takeLast();
    FolderChain chain(m_fd);
    QString shown = m_path;
    for (const QString& part : parts) {
        shown += QLatin1Char('/') + part;
        if (!chain.descend(QFile::encodeName(part)))
            return errno == ENOENT
                       ? Result<void>()
                       : ioError(shown, QStringLiteral("cannot open the folder"), errno);
    }
    return removeAt(chain.current(), QFile::encodeName(leaf), shown);
}

Result<void> PrivateFolder::clearExcept(const QString& keep) const {
    return clearAt(m_fd, QFile::encodeName(keep), m_path);
}

Result<void> PrivateFolder::rename(const QString& from, const QString& to) const {
    if (::renameat(m_fd, QFile::encodeName(from).constData(), m_fd,
                   QFile::encodeName(to).constData()) != 0)
        return ioError(m_path + QLatin1Char('/') + to,
                       QStringLiteral("cannot rename %1 into place").arg(from), errno);
    return {};
}

Result<void> PrivateFolder::makeFolders(const QString& relative) const {
    FolderChain chain(m_fd);
    QString shown = m_path;
    for (const QString& part : relative.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        shown += QLatin1Char('/') + part;
        const QByteArray native = QFile::encodeName(part);
        if (::mkdirat(chain.current(), native.constData(), 0700) != 0 && errno != EEXIST)
            return ioError(shown, QStringLiteral("cannot create the folder"), errno);
        if (!chain.descend(native))
            return openError(chain.current(), native, shown, errno);
    }
    return {};
}

} // namespace semsearch
