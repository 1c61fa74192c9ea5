#include "semsearch/index_folder.h"

#include "semsearch/faiss_compact_index.h"
#include "semsearch/folder_move.h"
#include "semsearch/reranked_vector_index.h"
#include "semsearch/shared_index_location.h"

#include "pipeline/shared_vector_cache.h"
#include "pipeline/vector_index_build.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <set>
#include <shared_mutex>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace semsearch {

namespace {

const QString kDatabaseName = QStringLiteral("index.sqlite");
const QString kVectorsName = QStringLiteral("vectors.faiss");
const QString kLockName = QStringLiteral("writer.lock");
// The meta key under which the writer records how it built and tuned the vector cache.
const QString kVectorIndexStateKey = QStringLiteral("vector_index");

// The index holds the text of every passage, so a new index folder is its owner's alone
// (0700, whatever the umask). An existing folder keeps the permissions its owner gave it: an
// index may be shared on purpose.
Result<void> makeIndexFolder(const QString& path) {
    if (QFileInfo(path).isDir())
        return {};
    const QByteArray native = QFile::encodeName(path);
    const auto failed = [&] {
        return makeError(ErrorCode::Io, path + QStringLiteral(": cannot create the folder: ") +
                                            QString::fromLocal8Bit(std::strerror(errno)));
    };
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return makeError(ErrorCode::Io, path + QStringLiteral(": cannot create the folder"));
    if (::mkdir(native.constData(), 0700) != 0)
        return errno == EEXIST ? Result<void>() : failed(); // made meanwhile: not ours to change
    // chmod, not the mode above, decides: the umask could have taken the owner's bits too.
    if (::chmod(native.constData(), 0700) != 0)
        return failed();
    return {};
}

// The permission bits of the database (0600 for a new one, see SqliteStore::open), which the
// other files of the index take, so that none is readable by more people than the database.
int databaseFileMode(const QString& databasePath) {
    struct stat status {};
    if (::stat(QFile::encodeName(databasePath).constData(), &status) != 0)
        return 0600;
    return int(status.st_mode & 0666);
}

// What tells a snapshot reader (SqliteStore::readsSnapshot) that a writer came by.
QString databaseState(const QString& databasePath) {
    struct stat status {};
    if (::stat(QFile::encodeName(databasePath).constData(), &status) != 0)
        return {};
    return QStringLiteral("%1 %2.%3 %4")
        .arg(status.st_size)
        .arg(status.st_mtim.tv_sec)
        .arg(status.st_mtim.tv_nsec)
        .arg(QFileInfo::exists(databasePath + QStringLiteral("-wal")));
}

// A replacement index (a re-embed, built private in a new folder) takes the permissions of
// the index it replaces, so that an index shared on purpose stays shared, and no more.
void adoptPermissions(const QString& from, const QString& to) {
    struct stat folder {};
    if (::stat(QFile::encodeName(from).constData(), &folder) == 0)
        ::chmod(QFile::encodeName(to).constData(), folder.st_mode & 07777);
    const auto fileMode = mode_t(databaseFileMode(from + QLatin1Char('/') + kDatabaseName));
    for (const QString& name : {kDatabaseName, kVectorsName, kLockName})
        ::chmod(QFile::encodeName(to + QLatin1Char('/') + name).constData(), fileMode);
}

// The error for a database that is missing or empty (`state`) while the vector cache holds
// vectors, or nothing when the cache holds none (a new index, or one emptied on purpose).
std::optional<Error> lostDatabase(const QString& folder, const QString& database,
                                  const QString& cache, const QString& state) {
    auto vectors = FaissCompactIndex::countIn(cache);
    if (!vectors || *vectors == 0)
        return std::nullopt;
    return makeError(ErrorCode::Corrupt,
                     database + QStringLiteral(": %1, but the vector cache %2 holds %3 vectors: "
                                               "the database was lost or truncated; restore it "
                                               "from a backup, or move the folder %4 away and "
                                               "index your folders again")
                                    .arg(state, kVectorsName)
                                    .arg(*vectors)
                                    .arg(folder));
}

// Opens the store, telling a lost database from a new index and saying what to do with one
// SQLite cannot read.
Result<std::unique_ptr<SqliteStore>> openDatabase(const QString& folder, const QString& database,
                                                  const QString& cache, IndexFolder::Mode mode) {
    const QFileInfo file(database);
    if (!file.exists() || file.size() == 0)
        if (auto lost = lostDatabase(folder, database, cache,
                                     file.exists() ? QStringLiteral("the database is empty")
                                                   : QStringLiteral("the database is missing")))
            return *lost;
    if (mode == IndexFolder::Mode::Read && !file.exists())
        return makeError(ErrorCode::NotFound,
                         folder + QStringLiteral(": no index here (nothing indexed yet?)"));
    auto store = SqliteStore::open(
        database, mode == IndexFolder::Mode::Write ? StoreMode::ReadWrite : StoreMode::ReadOnly);
    if (!store && store.error().code == ErrorCode::NotFound) // never committed
        if (auto lost =
                lostDatabase(folder, database, cache, QStringLiteral("the database holds nothing")))
            return *lost;
    if (!store && store.error().code == ErrorCode::Corrupt)
        return makeError(ErrorCode::Corrupt,
                         store.error().message +
                             QStringLiteral("; nothing in it can be read: move the folder %1 "
                                            "away and index your folders again")
                                 .arg(folder));
    return store;
}

} // namespace

IndexFolder::~IndexFolder() = default;

QString IndexFolder::databasePath() const {
    return m_folder + QLatin1Char('/') + kDatabaseName;
}
QString IndexFolder::vectorIndexPath() const {
    return m_folder + QLatin1Char('/') + kVectorsName;
}

Result<std::unique_ptr<IndexFolder>> IndexFolder::open(const QString& folder, Mode mode) {
    // Taken as a folder, "postgresql://ann:secret@db/team" would become the folders
    // "postgresql:/ann:secret@db/team" below the working directory, password and all.
    if (isSharedIndexLocation(folder))
        return makeError(ErrorCode::Unsupported,
                         displayLocation(folder) +
                             QStringLiteral(": a shared index on PostgreSQL; this version reads "
                                            "only its status, and cannot search or index it yet"));
    std::unique_ptr<IndexFolder> index(new IndexFolder);
    index->m_folder = QFileInfo(folder).absoluteFilePath();
    index->m_mode = mode;
    const QString& path = index->m_folder;

    if (mode == Mode::Read) {
        // A private index of another user looks like no index at all; say which it is.
        if (QFileInfo(path).isDir() && ::access(QFile::encodeName(path).constData(), X_OK) != 0)
            return makeError(ErrorCode::Io, path + QStringLiteral(": permission denied"));
    } else {
        if (auto made = makeIndexFolder(path); !made)
            return made.error();
        // One writer per index. QLockFile notices a lock left by a killed process (its pid is
        // gone) and takes it over, so a crash never locks the index for good.
        index->m_lock = std::make_unique<QLockFile>(path + QLatin1Char('/') + kLockName);
        index->m_lock->setStaleLockTime(0);
        if (!index->m_lock->tryLock(0)) {
            qint64 pid = 0;
            QString host, application;
            index->m_lock->getLockInfo(&pid, &host, &application);
            if (index->m_lock->error() == QLockFile::LockFailedError)
                return makeError(ErrorCode::Busy,
                                 path + QStringLiteral(": the index is being updated by another "
                                                       "semsearch process (pid %1); try again "
                                                       "when it has finished")
                                            .arg(pid));
            return makeError(ErrorCode::Io,
                             path +
                                 QStringLiteral(": cannot create the lock file %1").arg(kLockName));
        }
        // It names this process and host; no one needs to read it who may not read the index.
        ::chmod(QFile::encodeName(path + QLatin1Char('/') + kLockName).constData(),
                mode_t(databaseFileMode(index->databasePath())));
    }

    if (auto opened = index->openStore(); !opened)
        return opened.error();
    return index;
}

Result<void> IndexFolder::refresh() {
    // A snapshot reader would not see a writer's commits, and could meet pages a checkpoint
    // rewrote under it: it starts again on the file as it is now. (The vectors it holds are
    // kept and caught up like any reader's.)
    if (m_store->readsSnapshot() && databaseState(databasePath()) != m_databaseState)
        return openStore();
    return {};
}

Result<void> IndexFolder::openStore() {
    // Noted before opening: a change while it opens is then seen by the next refresh().
    const QString state = databaseState(databasePath());
    auto store = openDatabase(m_folder, databasePath(), vectorIndexPath(), m_mode);
    if (!store)
        return store.error(); // a store already open stays as it was
    m_store = std::move(store).value();
    m_databaseState = state;
    if (!m_cache) { // the first time: the cache goes with the database first opened
        m_cache = SharedVectorCache::of(databasePath());
        m_reranked = std::make_unique<RerankedVectorIndex>(
            *m_cache,
            [this](std::vector<std::int64_t>& ids, std::vector<float>& rows) {
                return readFullVectors(ids, rows);
            },
            m_options.candidates);
    }
    return {};
}

std::int64_t IndexFolder::sizeOnDisk() const {
    std::int64_t total = 0;
    for (const QString& name : {kDatabaseName, kDatabaseName + QStringLiteral("-wal"),
                                kDatabaseName + QStringLiteral("-shm"), kVectorsName}) {
        const QFileInfo info(m_folder + QLatin1Char('/') + name);
        if (info.exists())
            total += info.size();
    }
    return total;
}

Result<void> IndexFolder::replace(std::unique_ptr<IndexFolder> index,
                                  std::unique_ptr<IndexFolder> replacement) {
    if (index->m_mode != Mode::Write || replacement->m_mode != Mode::Write)
        return makeError(ErrorCode::InvalidArgument,
                         index->m_folder + QStringLiteral(": replacing an index needs both open "
                                                          "for writing"));
    // SQLite deletes a WAL file by its path when the last writer closes; closing both before
    // the folders move keeps that from ever touching the other folder's files.
    for (IndexFolder* folder : {index.get(), replacement.get()}) {
        // Let go of the caches (another folder of this process may still search the old one).
        folder->m_reranked.reset();
        folder->m_cache.reset();
        folder->m_store.reset();
    }
    const QString staging = replacement->m_folder;
    adoptPermissions(index->m_folder, staging);
    if (auto moved = moveFolderIntoPlace(staging, index->m_folder, ExistingFolder::Exchange);
        !moved)
        return moved;
    // A lock is released by its path. After the exchange each path names the other folder's
    // lock file, which this process holds as well, so both releases find a file to remove.
    index.reset();
    replacement.reset();
    QDir(staging).removeRecursively();
    return {};
}

void IndexFolder::dropVectors() {
    if (!m_cache)
        return;
    std::unique_lock writing(m_cache->lock());
    m_cache->drop();
}

void IndexFolder::adoptVectors(std::unique_ptr<FaissCompactIndex> index, VectorIndexState state,
                               std::int64_t generation) {
    if (state.candidates <= 0)
        state.candidates = m_options.candidates;
    m_cache->adopt(std::move(index), state, generation);
}

Result<void> IndexFolder::readFullVectors(std::vector<std::int64_t>& ids,
                                          std::vector<float>& rows) {
    // The store is looked up per call: a snapshot reader reopens its store.
    auto read = m_store->documents().vectorsOf(ids);
    if (read) {
        rows = std::move(*read);
        return {};
    }
    if (read.error().code != ErrorCode::NotFound)
        return read.error();
    // A writer removed some of them since they were found: keep the rest.
    std::vector<std::int64_t> kept;
    rows.clear();
    for (std::int64_t id : ids) {
        auto one = m_store->documents().vectorsOf({id});
        if (!one && one.error().code != ErrorCode::NotFound)
            return one.error();
        if (one) {
            kept.push_back(id);
            rows.insert(rows.end(), one->begin(), one->end());
        }
    }
    ids = std::move(kept);
    return {};
}

Result<void> IndexFolder::rebuildVectors() {
    auto identity = m_store->metadata().modelIdentity();
    if (!identity)
        return identity.error();
    const int dimension = *identity ? (*identity)->dimension : 0;
    auto generation = m_store->metadata().vectorGeneration();
    if (!generation)
        return generation.error();
    m_cache->drop();    // first: memory holds one cache at a time, even while building
    if (dimension <= 0) // nothing indexed yet: an empty index of unknown width is all there is
        return {};
    auto previous = vectorIndexState();
    if (!previous)
        return previous.error();
    // Only the writer measures: it saves what it measured for every reader. Its re-ranker reads
    // the vectors directly, not through readFullVectors(): nothing removes passages while the
    // writer itself builds, so every id it asks for exists, and one that does not is an error
    // to report, which readFullVectors() would quietly leave out as a reader's race.
    StoreVectors stored(*m_store);
    auto built = buildCompactVectors(
        stored, dimension, m_options, m_mode == Mode::Write,
        [this](std::vector<std::int64_t>& ids, std::vector<float>& rows) -> Result<void> {
            auto read = m_store->documents().vectorsOf(ids);
            if (!read)
                return read.error();
            rows = std::move(*read);
            return {};
        },
        *previous);
    if (!built)
        return built.error();
    adoptVectors(std::move(built->index), built->state, *generation);
    return {};
}

Result<std::optional<VectorIndexState>> IndexFolder::vectorIndexState() {
    auto text = m_store->metadata().value(kVectorIndexStateKey);
    if (!text)
        return text.error();
    if (!*text)
        return std::optional<VectorIndexState>();
    return VectorIndexState::fromText(**text);
}

Result<std::vector<ScoredId>> IndexFolder::searchExactly(const float* query, int k,
                                                         const std::vector<std::int64_t>* allowed) {
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    auto identity = m_store->metadata().modelIdentity();
    if (!identity)
        return identity.error();
    if (!*identity)
        return std::vector<ScoredId>();
    StoreVectors stored(*m_store);
    return scanStoreExactly(stored, (*identity)->dimension, query, k, allowed);
}

Result<bool> IndexFolder::catchUpVectors() {
    FaissCompactIndex& compact = *m_cache->compact();
    // One snapshot for the generation, the ids and the vectors, so they agree with each other.
    if (auto begun = m_store->begin(); !begun)
        return begun.error();
    auto result = [&]() -> Result<bool> {
        auto generation = m_store->metadata().vectorGeneration();
        auto identity = m_store->metadata().modelIdentity();
        if (!generation)
            return generation.error();
        if (!identity)
            return identity.error();
        if (!*identity || (*identity)->dimension != compact.dimension())
            return false; // a new model: nothing to keep
        auto stored = m_store->documents().passageIds({});
        if (!stored)
            return stored.error();
        // Passage ids are never reused, so a changed passage is a removed id plus an added one.
        const std::vector<std::int64_t> cached = compact.ids();
        std::vector<std::int64_t> added;
        std::vector<std::int64_t> removed;
        std::set_difference(stored->begin(), stored->end(), cached.begin(), cached.end(),
                            std::back_inserter(added));
        std::set_difference(cached.begin(), cached.end(), stored->begin(), stored->end(),
                            std::back_inserter(removed));
        if (added.size() > stored->size() / 2)
            return false; // mostly new: a rebuild reads no more and compacts nothing
        auto vectors = m_store->documents().vectorsOf(added);
        if (!vectors)
            return vectors.error();
        if (auto gone = compact.remove(removed); !gone)
            return gone.error();
        if (!added.empty())
            if (auto put = compact.add(added, vectors->data()); !put)
                return put.error();
        m_cache->setGeneration(*generation);
        return true;
    }();
    (void)m_store->rollback(); // read only: nothing to keep
    if (!result) {
        // The in-memory index may be half updated: forget it, so the caller rebuilds.
        m_cache->drop();
    }
    return result;
}

bool IndexFolder::vectorsAreCurrent(std::int64_t generation) const {
    // A writer rebuilds what its commits moved too far (applyCommitted); its readers meanwhile
    // search the patched cache.
    return m_cache->compact() && m_cache->generation() >= generation &&
           !(m_mode == Mode::Write && m_cache->rebuildWanted());
}

Result<VectorIndex*> IndexFolder::vectors(bool* rebuilt) {
    if (rebuilt)
        *rebuilt = false;
    if (auto fresh = refresh(); !fresh)
        return fresh.error();
    auto generation = m_store->metadata().vectorGeneration();
    if (!generation)
        return generation.error();
    {
        std::shared_lock reading(m_cache->lock());
        if (vectorsAreCurrent(*generation)) {
            m_reranked->setCandidatesPerQuery(m_cache->state().candidates);
            return m_reranked.get();
        }
    }
    std::unique_lock writing(m_cache->lock());
    bool built = false;
    if (auto current = bringVectorsUpTo(*generation, &built); !current)
        return current.error();
    if (rebuilt)
        *rebuilt = built;
    if (!m_cache->compact())
        return nullptr;
    m_reranked->setCandidatesPerQuery(m_cache->state().candidates);
    writing.unlock();
    if (built && m_mode == Mode::Write)
        if (auto saved = saveVectors(); !saved)
            return saved.error();
    return m_reranked.get();
}

Result<void> IndexFolder::bringVectorsUpTo(std::int64_t generation, bool* rebuilt) {
    *rebuilt = false;
    if (vectorsAreCurrent(generation))
        return {}; // another thread of this process did it while this one waited

    // First use: try the saved cache, but only if it holds exactly the current generation.
    if (!m_cache->compact()) {
        auto saved = m_store->metadata().savedIndexGeneration();
        auto identity = m_store->metadata().modelIdentity();
        auto state = vectorIndexState();
        if (saved && identity && state && *saved && **saved == generation && *identity) {
            auto loaded = FaissCompactIndex::load(vectorIndexPath(), (*identity)->dimension);
            auto counts = m_store->counts();
            if (loaded && counts && (*loaded)->size() == counts->passages) {
                adoptVectors(std::move(loaded).value(), state->value_or(VectorIndexState()),
                             generation);
                return {};
            }
        }
    }

    // A reader whose writer committed a batch: apply the difference, which costs the changed
    // vectors only, where a rebuild reads every vector (about a second per 100k).
    if (m_cache->compact() && m_mode == Mode::Read) {
        auto caughtUp = catchUpVectors();
        if (!caughtUp)
            return caughtUp.error();
        if (*caughtUp)
            return {};
    }

    if (auto done = rebuildVectors(); !done)
        return done.error();
    *rebuilt = true;
    return {};
}

Result<void> IndexFolder::applyCommitted(const std::vector<std::int64_t>& addedIds,
                                         const float* addedVectors,
                                         const std::vector<std::int64_t>& removedIds) {
    auto generation = m_store->metadata().vectorGeneration();
    if (!generation)
        return generation.error();
    std::unique_lock writing(m_cache->lock());
    if (!m_cache->compact()) {
        auto identity = m_store->metadata().modelIdentity();
        if (!identity)
            return identity.error();
        auto counts = m_store->counts();
        if (!counts)
            return counts.error();
        // The very first commit into an empty index starts the cache right here; its quantizer
        // learns its ranges from this first batch. Any other cache that is missing is rebuilt by
        // the next vectors() or saveVectors() call: only a current one can be patched.
        if (!*identity || counts->passages != std::int64_t(addedIds.size()) || !removedIds.empty())
            return {};
        auto fresh = FaissCompactIndex::createScan((*identity)->dimension, addedVectors,
                                                   std::int64_t(addedIds.size()));
        if (!fresh)
            return fresh.error();
        adoptVectors(std::move(fresh).value(), VectorIndexState(), *generation - 1);
    }
    // A reader of this process may have caught up with this commit first.
    if (m_cache->generation() < *generation) {
        FaissCompactIndex& compact = *m_cache->compact();
        if (!removedIds.empty())
            if (auto removed = compact.remove(removedIds); !removed)
                return removed.error();
        if (!addedIds.empty())
            if (auto added = compact.add(addedIds, addedVectors); !added)
                return added.error();
        m_cache->setGeneration(*generation);
    }
    // Across the threshold, or grown or shrunk by more than the regrowth fraction since the
    // recall was measured: rebuilt (retrained and measured again) by the next vectors() or
    // saveVectors(). A few passages more or less are only patched in, as above.
    const std::int64_t passages = m_cache->compact()->size();
    if (needsRebuild(m_cache->state(), passages, m_options) ||
        needsMeasuring(m_cache->state(), passages, m_options))
        m_cache->setRebuildWanted(true);
    return {};
}

Result<void> IndexFolder::saveVectors(AbortPoint abortAt) {
    if (m_mode != Mode::Write)
        return makeError(ErrorCode::InvalidArgument,
                         m_folder + QStringLiteral(": index is open read-only"));
    if (auto current = vectors(); !current)
        return current.error();
    std::shared_lock reading(m_cache->lock());
    if (!m_cache->compact())
        return {}; // nothing indexed yet
    if (auto saved =
            m_cache->compact()->save(vectorIndexPath(), databaseFileMode(databasePath()),
                                     [abortAt] { abortIfAt(abortAt, AbortPoint::CacheWritten); });
        !saved)
        return saved.error();
    abortIfAt(abortAt, AbortPoint::CacheRenamed);
    if (auto recorded =
            m_store->metadata().setValue(kVectorIndexStateKey, m_cache->state().toText());
        !recorded)
        return recorded;
    return m_store->metadata().setSavedIndexGeneration(m_cache->generation());
}

Result<void> IndexFolder::checkBeforeWriting() {
    if (m_checkedForWriting)
        return {};
    auto complaint = m_store->quickCheck();
    if (!complaint)
        return complaint.error();
    if (!complaint->isEmpty())
        return makeError(ErrorCode::Corrupt,
                         databasePath() +
                             QStringLiteral(": the database is damaged (SQLite: %1), so nothing "
                                            "was written; run 'semsearch-cli verify --repair' to "
                                            "recover what can be recovered")
                                 .arg(*complaint));
    m_checkedForWriting = true;
    return {};
}

Result<VerifyReport> IndexFolder::verify(bool repair) {
    VerifyReport report;
    auto storeProblems = m_store->check();
    if (!storeProblems)
        return storeProblems.error();
    if (!storeProblems->isEmpty() && repair && m_mode == Mode::Write) {
        if (auto repaired = repairDatabase(report); !repaired)
            return repaired.error();
        storeProblems = m_store->check();
        if (!storeProblems)
            return storeProblems.error();
    }
    report.problems << *storeProblems;
    // The vectors and the cache are checked against a database that can be trusted, or not at
    // all.
    if (!report.problems.isEmpty())
        return report;
    if (auto keywords = verifyKeywordIndex(report, repair); !keywords)
        return keywords.error();
    if (auto values = checkVectorValues(report, repair); !values)
        return values.error();
    if (!report.problems.isEmpty())
        return report;
    if (auto cache = verifyVectorCache(report, repair); !cache)
        return cache.error();
    return report;
}

Result<void> IndexFolder::verifyVectorCache(VerifyReport& report, bool repair) {
    auto identity = m_store->metadata().modelIdentity();
    auto generation = m_store->metadata().vectorGeneration();
    auto saved = m_store->metadata().savedIndexGeneration();
    auto counts = m_store->counts();
    if (!identity || !generation || !saved || !counts)
        return makeError(ErrorCode::Corrupt,
                         databasePath() + QStringLiteral(": cannot read the index metadata"));
    if (!*identity)
        return {};

    // The saved cache, checked as a fresh reader would load it.
    QStringList cacheProblems;
    const QString cachePath = vectorIndexPath();
    const bool stale = !*saved || **saved != *generation;
    if (counts->passages > 0 && stale && repair && m_mode == Mode::Write) {
        cacheProblems << QString(); // rebuilt below rather than noted
    } else if (counts->passages > 0 && (!*saved || **saved != *generation)) {
        report.notes << cachePath +
                            QStringLiteral(": older than the database (generation %1, "
                                           "database at %2); it is rebuilt from the "
                                           "database when next used")
                                .arg(*saved ? QString::number(**saved) : QStringLiteral("none"))
                                .arg(*generation);
    } else if (counts->passages > 0) {
        auto loaded = FaissCompactIndex::load(cachePath, (*identity)->dimension);
        if (!loaded) {
            cacheProblems << loaded.error().message;
        } else {
            std::vector<std::int64_t> storeIds;
            auto visited = m_store->documents().forEachVector([&](std::int64_t id, const float*) {
                storeIds.push_back(id);
                return true;
            });
            if (!visited)
                return visited.error();
            if ((*loaded)->ids() != storeIds)
                cacheProblems << cachePath + QStringLiteral(": holds %1 vectors, the database "
                                                            "%2 (the ids differ)")
                                                 .arg((*loaded)->size())
                                                 .arg(storeIds.size());
        }
    }
    if (!cacheProblems.isEmpty() && repair && m_mode == Mode::Write) {
        std::unique_lock writing(m_cache->lock());
        if (auto rebuilt = rebuildVectors(); !rebuilt)
            return rebuilt.error();
        writing.unlock();
        if (auto savedNow = saveVectors(); !savedNow)
            return savedNow.error();
        report.vectorCacheRebuilt = true;
    } else {
        report.problems << cacheProblems;
    }
    return {};
}

} // namespace semsearch
