#include "semsearch/folder_move.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>

namespace semsearch {

namespace {

QString systemReason(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

Error renameError(const QString& from, const QString& to, int error) {
    return makeError(ErrorCode::Io,
                     QStringLiteral("cannot move %1 to %2: %3").arg(from, to, systemReason(error)));
}

} // namespace

Result<void> moveFolderIntoPlace(const QString& source, const QString& target,
                                 ExistingFolder existing) {
    const QByteArray from = QFile::encodeName(source);
    const QByteArray to = QFile::encodeName(target);
    const QFileInfo present(target);
    if (!present.exists() && !present.isSymLink()) {
        if (std::rename(from.constData(), to.constData()) != 0)
            return renameError(source, target, errno);
        return {};
    }
    if (!present.isDir() || present.isSymLink())
        return makeError(ErrorCode::InvalidArgument,
                         target + QStringLiteral(": exists and is not a folder; move it away "
                                                 "first"));
    if (existing == ExistingFolder::Refuse)
        return makeError(ErrorCode::InvalidArgument, target + QStringLiteral(": already exists"));

    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_EXCHANGE) != 0) {
        // Some file systems (and sandboxes) cannot exchange; anything else is a real refusal.
        if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP && errno != EPERM)
            return renameError(source, target, errno);
        const QString aside =
            target + QStringLiteral(".old-%1").arg(QCoreApplication::applicationPid());
        const QByteArray asideName = QFile::encodeName(aside);
        if (std::rename(to.constData(), asideName.constData()) != 0)
            return renameError(target, aside, errno);
        if (std::rename(from.constData(), to.constData()) != 0) {
            const int error = errno;
            std::rename(asideName.constData(), to.constData());
            return renameError(source, target, error);
        }
        if (std::rename(asideName.constData(), from.constData()) != 0)
            return renameError(aside, source, errno);
    }
    if (existing == ExistingFolder::Replace)
        QDir(source).removeRecursively();
    return {};
}

} // namespace semsearch
