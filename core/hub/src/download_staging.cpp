#include "download_staging.h"

#include "semsearch/folder_move.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>

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

} // namespace

QString DownloadStaging::folderFor(const QString& target) {
    return partialRoot(target) + QLatin1Char('/') + targetName(target);
}

DownloadStaging::~DownloadStaging() {
    m_lock.reset();
    QDir().rmdir(m_root); // fails, as it should, while anything is left in it
}

QString DownloadStaging::filePath(const QString& relative) const {
    return m_folder + QLatin1Char('/') + relative;
}

Result<std::unique_ptr<DownloadStaging>>
DownloadStaging::open(const QString& target, const QString& repository, const QString& revision) {
    std::unique_ptr<DownloadStaging> staging(new DownloadStaging);
    staging->m_root = partialRoot(target);
    staging->m_folder = folderFor(target);
    staging->m_recordPath = staging->m_folder + QStringLiteral(".json");
    staging->m_repository = repository;
    staging->m_revision = revision;
    if (!QDir().mkpath(staging->m_folder))
        return makeError(ErrorCode::Io,
                         staging->m_folder + QStringLiteral(": cannot create the folder (is the "
                                                            "parent folder writable?)"));
    auto lock = takeLock(target);
    if (!lock)
        return lock.error();
    staging->m_lock = std::move(lock).value();

    QFile record(staging->m_recordPath);
    QJsonObject recorded;
    if (record.open(QIODevice::ReadOnly))
        recorded = QJsonDocument::fromJson(record.readAll()).object();
    if (recorded.value(QStringLiteral("repository")).toString() == repository &&
        recorded.value(QStringLiteral("revision")).toString() == revision) {
        staging->m_commit = recorded.value(QStringLiteral("commit")).toString();
    } else {
        staging->clearExcept(QString());
    }
    if (auto written = staging->writeRecord(staging->m_commit); !written)
        return written.error();
    return staging;
}

void DownloadStaging::clearExcept(const QString& keep) {
    const QString kept = keep.isEmpty() ? QString() : filePath(keep);
    QDirIterator it(m_folder, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path != kept)
            QFile::remove(path);
    }
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
        clearExcept(keep);
    return writeRecord(commit);
}

Result<void> DownloadStaging::moveInto(const QString& target, bool replace) {
    // A folder the user created empty for the model is taken as no model.
    const QDir existing(target);
    if (existing.exists() &&
        existing.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty())
        QDir().rmdir(target);
    if (auto moved = moveFolderIntoPlace(
            m_folder, target, replace ? ExistingFolder::Replace : ExistingFolder::Refuse);
        !moved)
        return moved;
    QFile::remove(m_recordPath);
    return {};
}

void DownloadStaging::removeFiles() {
    QDir(m_folder).removeRecursively();
    QFile::remove(m_recordPath);
}

Result<void> DownloadStaging::discard(const QString& target) {
    const QString root = partialRoot(target);
    if (!QFileInfo::exists(folderFor(target)) &&
        !QFileInfo::exists(folderFor(target) + QStringLiteral(".json")))
        return {};
    auto lock = takeLock(target);
    if (!lock)
        return lock.error();
    QFile::remove(folderFor(target) + QStringLiteral(".json"));
    if (!QDir(folderFor(target)).removeRecursively())
        return makeError(ErrorCode::Io,
                         folderFor(target) + QStringLiteral(": cannot delete the partial "
                                                            "download"));
    (*lock)->unlock();
    QDir().rmdir(root); // only when nothing else is staged there
    return {};
}

} // namespace semsearch
