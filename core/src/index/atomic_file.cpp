#include "index/atomic_file.h"

#include "index/file_descriptor.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace semsearch {

Error saveError(const QString& path, const QString& what, int error) {
    return makeError(ErrorCode::Io, path + QStringLiteral(": cannot save the vector index: ") +
                                        what + QStringLiteral(": ") + systemError(error));
}

Result<void> saveAtomically(const QString& path, int fileMode,
                            const std::function<Result<void>(int fd)>& writeContent,
                            const std::function<void()>& beforeRename) {
    const QString tmpPath = path + QStringLiteral(".tmp");
    const QByteArray nativeTmp = QFile::encodeName(tmpPath);
    FileDescriptor fd(
        ::open(nativeTmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0)
        return saveError(path, QStringLiteral("cannot create ") + tmpPath, errno);
    // From here on every failure removes the half-written temporary file.
    const auto failedWriting = [&](const QString& what, int error) {
        ::unlink(nativeTmp.constData());
        return saveError(path, what, error);
    };
    // Before any byte is written, and whatever the umask (which may also have been looser).
    if (::fchmod(fd.get(), mode_t(fileMode & 0777)) != 0)
        return failedWriting(QStringLiteral("setting the permissions of ") + tmpPath, errno);
    if (auto written = writeContent(fd.get()); !written) {
        ::unlink(nativeTmp.constData());
        return written;
    }
    // Data on disk before the rename makes it visible; otherwise a crash could leave a renamed
    // but empty file (ext4 delayed allocation).
    if (::fsync(fd.get()) != 0)
        return failedWriting(QStringLiteral("syncing ") + tmpPath, errno);
    if (fd.close() != 0)
        return failedWriting(QStringLiteral("closing ") + tmpPath, errno);
    if (beforeRename)
        beforeRename();
    if (::rename(nativeTmp.constData(), QFile::encodeName(path).constData()) != 0)
        return failedWriting(QStringLiteral("renaming ") + tmpPath, errno);

    // The rename itself is durable only once the folder is synced.
    const QString folder = QFileInfo(path).absolutePath();
    FileDescriptor folderFd(
        ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folderFd.get() < 0 || ::fsync(folderFd.get()) != 0)
        return saveError(path, QStringLiteral("syncing the folder ") + folder, errno);
    return {};
}

} // namespace semsearch
