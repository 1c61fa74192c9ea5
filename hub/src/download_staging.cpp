#include "download_staging.h"

#include "semsearch/folder_move.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>

#include <fcntl.h>
#include <unistd.h>

namespace semsearch {

namespace {

QString partialRoot(const QString& target) {
    const QFileInfo info(QDir::cleanPath(QFileInfo(target).absoluteFilePath()));
    return info.absolutePath() + QStringLiteral("/.partial");
}

QString targetName(const QString& target) {
    return QFileInfo(QDir::cleanPath(QFileInfo(target).absoluteFilePath())).fileName();
}

Result<std::unique_ptr<QLockFile>> takeLock(const QString& target) {
    const QString path =
        partialRoot(target) + QLatin1Char('/') + targetName(target) + QStringLiteral(".lock");
    auto lock = std::make_unique<QLockFile>(path);
    // A lock left by a killed download (its process is gone) is taken over.
    lock->setStaleLockTime(0);
    if (lock->tryLock(0))
        return lock;
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host, application;
        lock->getLockInfo(&pid, &host, &application);
        return makeError(ErrorCode::Busy,
                         target + QStringLiteral(": another download into this folder is "
                                                 "running (pid %1)")
                                      .arg(pid));
    }
    return makeError(ErrorCode::Io, path + QStringLiteral(": cannot create the lock file"));
}

// <parent>/.partial, checked to be the user's own; created (with the parent) when `create`.
Result<PrivateFolder> openRoot(const QString& target, bool create) {
    const QString root = partialRoot(target);
    if (create && !QDir().mkpath(QFileInfo(root).absolutePath()))
        return makeError(
            ErrorCode::Io,
            QFileInfo(root).absolutePath() +
                QStringLiteral(": cannot create the folder (is its parent writable?)"));
    return PrivateFolder::open(AT_FDCWD, root, root, create);
}

} // namespace

QString DownloadStaging::folderFor(const QString& target) {
    return partialRoot(target) + QLatin1Char('/') + targetName(target);
}

DownloadStaging::~DownloadStaging() {
    m_lock.reset();
    m_staged.reset();
    m_rootFolder.reset();
    // Fails, as it should, while anything is left in it; rmdir never follows a link.
    ::rmdir(QFile::encodeName(m_root).constData());
}

QString DownloadStaging::filePath(const QString& relative) const {
    return m_folder + QLatin1Char('/') + relative;
}

Result<std::unique_ptr<DownloadStaging>>
DownloadStaging::open(const QString& target, const QString& repository, const QString& revision) {
    std::unique_ptr<DownloadStaging> staging(new DownloadStaging);
    staging->m_root = partialRoot(target);
    staging->m_name = targetName(target);
    staging->m_folder = folderFor(target);
    staging->m_recordPath = staging->m_folder + QStringLiteral(".json");
    staging->m_repository = repository;
    staging->m_revision = revision;
    auto root = openRoot(target, true);
    if (!root)
        return root.error();
    staging->m_rootFolder = std::move(root).value();
    auto staged =
        PrivateFolder::open(staging->m_rootFolder->fd(), staging->m_name, staging->m_folder, true);
    if (!staged)
        return staged.error();
    staging->m_staged = std::move(staged).value();
    auto lock = takeLock(target);
    if (!lock)
        return lock.error();
    staging->m_lock = std::move(lock).value();

    QFile record(staging->m_recordPath);
    QJsonObject recorded;
    if (record.open(QIODevice::ReadOnly))
        recorded = QJsonDocument::fromJson(record.read(64 * 1024)).object();
    if (recorded.value(QStringLiteral("repository")).toString() == repository &&
        recorded.value(QStringLiteral("revision")).toString() == revision) {
        staging->m_commit = recorded.value(QStringLiteral("commit")).toString();
    } else if (auto cleared = staging->m_staged->clearExcept(QString()); !cleared) {
        return cleared.error();
    }
    if (auto written = staging->writeRecord(staging->m_commit); !written)
        return written.error();
    return staging;
}

Result<void> DownloadStaging::writeRecord(const QString& commit) {
    QSaveFile file(m_recordPath);
    const QJsonObject record{{QStringLiteral("repository"), m_repository},
                             {QStringLiteral("revision"), m_revision},
                             {QStringLiteral("commit"), commit}};
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(record).toJson(QJsonDocument::Compact)) < 0 || !file.commit())
        return makeError(ErrorCode::Io,
                         m_recordPath + QStringLiteral(": cannot write: ") + file.errorString());
    m_commit = commit;
    return {};
}

Result<void> DownloadStaging::setCommit(const QString& commit, const QString& keep) {
    if (commit.isEmpty() || commit == m_commit)
        return {};
    if (!m_commit.isEmpty())
        if (auto cleared = m_staged->clearExcept(keep); !cleared)
            return cleared;
    return writeRecord(commit);
}

Result<void> DownloadStaging::moveInto(const QString& target, bool replace) {
    // The move goes by path: .partial must still be the folder that was checked.
    if (!m_rootFolder->isStillAtItsPath() || !m_staged->isStillAtItsPath())
        return makeError(ErrorCode::Io,
                         m_folder + QStringLiteral(": was moved or replaced during the download; "
                                                   "the model was not put into place"));
    // A folder the user created empty for the model is taken as no model.
    const QDir existing(target);
    if (existing.exists() &&
        existing.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty())
        QDir().rmdir(target);
    if (auto moved = moveFolderIntoPlace(
            m_folder, target, replace ? ExistingFolder::Exchange : ExistingFolder::Refuse);
        !moved)
        return moved;
    // The model replaced is now where the staged folder was; it goes through the descriptor.
    (void)m_rootFolder->remove(m_name);
    QFile::remove(m_recordPath);
    return {};
}

void DownloadStaging::removeFiles() {
    (void)m_rootFolder->remove(m_name);
    QFile::remove(m_recordPath);
}

Result<void> DownloadStaging::removeFile(const QString& relative) const {
    return m_staged->remove(relative);
}

Result<void> DownloadStaging::renameFile(const QString& from, const QString& to) const {
    return m_staged->rename(from, to);
}

Result<void> DownloadStaging::makeFolders(const QString& relative) const {
    return m_staged->makeFolders(relative);
}

Result<void> DownloadStaging::discard(const QString& target) {
    const QString name = targetName(target);
    if (!QFileInfo::exists(folderFor(target)) &&
        !QFileInfo::exists(folderFor(target) + QStringLiteral(".json")))
        return {};
    auto root = openRoot(target, false);
    if (!root)
        return root.error();
    auto lock = takeLock(target);
    if (!lock)
        return lock.error();
    if (auto removed = root->remove(name + QStringLiteral(".json")); !removed)
        return removed;
    if (auto removed = root->remove(name); !removed)
        return makeError(ErrorCode::Io, folderFor(target) +
                                            QStringLiteral(": cannot delete the "
                                                           "partial download: ") +
                                            removed.error().message);
    (*lock)->unlock();
    ::rmdir(QFile::encodeName(partialRoot(target)).constData()); // only when nothing else is there
    return {};
}

} // namespace semsearch
