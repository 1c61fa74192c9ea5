// IndexFolder::repairDatabase: a damaged index.sqlite replaced by what can be salvaged from it.
//
// The order of the file moves keeps a readable database under index.sqlite at every moment a
// crash could come: the damaged file first gets a second name (a hard link), its WAL follows
// it, and only then does the salvaged file take the name by an atomic rename. A WAL left under
// the old name would be replayed into the salvaged file by the next open.

#include "semsearch/index_folder.h"

#include "semsearch/faiss_vector_index.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <unistd.h>

namespace semsearch {

namespace {

// At most this many paths of lost documents are named; the rest are counted.
constexpr int kPathsListed = 10;

const QStringList kCompanions = {QStringLiteral("-wal"), QStringLiteral("-shm")};

QString systemError() {
    return QString::fromLocal8Bit(std::strerror(errno));
}

void removeWithCompanions(const QString& database) {
    QFile::remove(database);
    for (const QString& suffix : kCompanions)
        QFile::remove(database + suffix);
}

// "<base>", else "<base>.2", "<base>.3" ...: a name nothing uses yet.
QString unusedName(const QString& base) {
    QString name = base;
    for (int n = 2; QFileInfo::exists(name) || QFileInfo::exists(name + kCompanions[0]); ++n)
        name = base + QLatin1Char('.') + QString::number(n);
    return name;
}

// Gives the damaged database (and its WAL, if one is left) the name `kept`, without a moment
// when `database` is missing.
Result<void> keepDamaged(const QString& database, const QString& kept) {
    const QByteArray from = QFile::encodeName(database);
    const QByteArray to = QFile::encodeName(kept);
    if (::link(from.constData(), to.constData()) != 0 && !QFile::copy(database, kept))
        return makeError(ErrorCode::Io, kept +
                                            QStringLiteral(": cannot keep the damaged "
                                                           "database here: ") +
                                            systemError());
    if (QFileInfo::exists(database + kCompanions[0]) &&
        ::rename(QFile::encodeName(database + kCompanions[0]).constData(),
                 QFile::encodeName(kept + kCompanions[0]).constData()) != 0)
        return makeError(ErrorCode::Io,
                         database + QStringLiteral("-wal: cannot move it aside: ") + systemError());
    QFile::remove(database + kCompanions[1]);
    return {};
}

Result<void> syncFolder(const QString& folder) {
    const int fd =
        ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0)
        ::close(fd);
    if (!synced)
        return makeError(ErrorCode::Io, folder + QStringLiteral(": cannot sync: ") + systemError());
    return {};
}

QString listed(const QStringList& paths) {
    QString text = paths.mid(0, kPathsListed).join(QStringLiteral(", "));
    if (paths.size() > kPathsListed)
        text += QStringLiteral(" and %1 more").arg(paths.size() - kPathsListed);
    return text;
}

// The report's lines for what the salvage could not keep.
QStringList lossLines(const QString& database, const SalvageReport& salvage) {
    QStringList lines;
    if (salvage.modelIdentityLost)
        lines << database + QStringLiteral(": the model identity could not be read, so no "
                                           "vector could be kept");
    if (!salvage.droppedDocuments.isEmpty())
        lines << database + QStringLiteral(": %1 documents were not whole and were left out: %2")
                                .arg(salvage.droppedDocuments.size())
                                .arg(listed(salvage.droppedDocuments));
    if (salvage.unreadableDocuments > 0)
        lines << database + QStringLiteral(": the records of %1 documents could not be read, so "
                                           "their %2 passages were left out (their paths are "
                                           "unknown)")
                                .arg(salvage.unreadableDocuments)
                                .arg(salvage.orphanedPassages);
    for (const QString& stretch : salvage.unreadable)
        lines << database + QStringLiteral(": could not read ") + stretch;
    return lines;
}

} // namespace

Result<void> IndexFolder::repairDatabase(VerifyReport& report) {
    const QString database = databasePath();
    const QString salvagePath = database + QStringLiteral(".salvage");
    removeWithCompanions(salvagePath); // left by a repair that was interrupted
    auto salvaged = SqliteStore::salvage(database, salvagePath);
    if (!salvaged) {
        removeWithCompanions(salvagePath);
        return salvaged.error();
    }
    dropVectors();
    m_store.reset(); // its connection would hold the damaged file's WAL open
    const QString kept = unusedName(database + QStringLiteral(".damaged"));
    if (auto moved = keepDamaged(database, kept); !moved)
        return moved;
    if (::rename(QFile::encodeName(salvagePath).constData(),
                 QFile::encodeName(database).constData()) != 0)
        return makeError(ErrorCode::Io, database +
                                            QStringLiteral(": cannot put the salvaged database in "
                                                           "place: ") +
                                            systemError());
    if (auto synced = syncFolder(m_folder); !synced)
        return synced;
    auto reopened = SqliteStore::open(database, StoreMode::ReadWrite);
    if (!reopened)
        return reopened.error();
    m_store = std::move(reopened).value();
    m_checkedForWriting = false;

    report.repairs << database + QStringLiteral(": rebuilt from what could be read: %1 "
                                                "documents with %2 passages, %3 sources, %4 "
                                                "skipped-file records; the damaged file is kept "
                                                "as %5")
                                     .arg(salvaged->documents)
                                     .arg(salvaged->passages)
                                     .arg(salvaged->sources)
                                     .arg(salvaged->skipped)
                                     .arg(QFileInfo(kept).fileName());
    report.losses << lossLines(database, *salvaged);
    return {};
}

Result<void> IndexFolder::checkVectorValues(VerifyReport& report, bool repair) {
    auto identity = m_store->metadata().modelIdentity();
    if (!identity)
        return identity.error();
    if (!*identity)
        return {};
    const int dimension = (*identity)->dimension;
    std::vector<std::int64_t> damaged; // passage ids
    auto visited = m_store->documents().forEachVector([&](std::int64_t id, const float* vector) {
        if (!std::all_of(vector, vector + dimension, [](float v) { return std::isfinite(v); }))
            damaged.push_back(id);
        return true;
    });
    if (!visited)
        return visited;
    if (damaged.empty())
        return {};
    auto passages = m_store->documents().passages(damaged);
    if (!passages)
        return passages.error();
    std::set<std::int64_t> documentIds;
    for (const PassageRecord& passage : *passages)
        documentIds.insert(passage.documentId);
    auto documents = m_store->documents().byIds({documentIds.begin(), documentIds.end()});
    if (!documents)
        return documents.error();
    QStringList paths;
    for (const DocumentRecord& document : *documents)
        paths << document.path;
    const QString database = databasePath();
    if (!repair || m_mode != Mode::Write) {
        report.problems << database + QStringLiteral(": %1 documents hold vectors with NaN or "
                                                     "infinity (damaged bytes): %2")
                                          .arg(paths.size())
                                          .arg(listed(paths));
        return {};
    }
    if (auto begun = m_store->begin(); !begun)
        return begun;
    for (const DocumentRecord& document : *documents)
        if (auto removed = m_store->documents().remove(document.id); !removed) {
            (void)m_store->rollback();
            return removed.error();
        }
    if (auto committed = m_store->commit(); !committed)
        return committed;
    dropVectors(); // rebuilt from what is left
    report.repairs << database + QStringLiteral(": removed the %1 documents whose vectors held "
                                                "NaN or infinity")
                                     .arg(paths.size());
    report.losses << database + QStringLiteral(": %1 documents had damaged vectors and were "
                                               "removed: %2")
                                    .arg(paths.size())
                                    .arg(listed(paths));
    return {};
}

Result<void> IndexFolder::verifyKeywordIndex(VerifyReport& report, bool repair) {
    SqliteKeywords& keywords = m_store->keywords();
    auto problems = keywords.check();
    if (!problems)
        return problems.error();
    if (problems->isEmpty())
        return {};
    if (!repair || m_mode != Mode::Write) {
        report.problems << *problems;
        return {};
    }
    if (auto rebuilt = keywords.rebuild(); !rebuilt)
        return rebuilt;
    report.repairs << m_store->path() +
                          QStringLiteral(": the keyword index was rebuilt from the passages (%1)")
                              .arg(problems->join(QLatin1String("; ")));
    return {};
}

} // namespace semsearch
