#include "pipeline/shared_vector_cache.h"

#include <QFile>
#include <QFileInfo>

#include <map>
#include <mutex>
#include <utility>

#include <sys/stat.h>

namespace semsearch {

namespace {

// Which file a database is: its device and inode (0, 0 when it cannot be read; such a folder
// fails to open anyway).
std::pair<std::uint64_t, std::uint64_t> fileIdentity(const QString& path) {
    struct stat status {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0)
        return {0, 0};
    return {std::uint64_t(status.st_dev), std::uint64_t(status.st_ino)};
}

Error noCache() {
    return makeError(ErrorCode::Internal,
                     QStringLiteral("the vector cache is being rebuilt; search again"));
}

} // namespace

std::shared_ptr<SharedVectorCache> SharedVectorCache::of(const QString& databasePath) {
    using Key = std::pair<QString, std::pair<std::uint64_t, std::uint64_t>>;
    static std::mutex registryLock;
    static std::map<Key, std::weak_ptr<SharedVectorCache>> registry;
    const Key key{QFileInfo(databasePath).canonicalFilePath(), fileIdentity(databasePath)};
    std::lock_guard guard(registryLock);
    for (auto entry = registry.begin(); entry != registry.end();)
        entry = entry->second.expired() ? registry.erase(entry) : std::next(entry);
    if (auto existing = registry[key].lock())
        return existing;
    auto made = std::make_shared<SharedVectorCache>();
    registry[key] = made;
    return made;
}

void SharedVectorCache::adopt(std::unique_ptr<FaissCompactIndex> index,
                              const VectorIndexState& state, std::int64_t generation) {
    m_compact = std::move(index);
    m_state = state;
    m_generation = generation;
    m_rebuildWanted = false;
    if (m_compact->usesLists())
        m_compact->setProbes(m_state.probes);
}

void SharedVectorCache::drop() {
    m_compact.reset();
    m_generation = -1;
    m_rebuildWanted = false;
}

int SharedVectorCache::dimension() const {
    std::shared_lock reading(m_lock);
    return m_compact ? m_compact->dimension() : 0;
}

std::int64_t SharedVectorCache::size() const {
    std::shared_lock reading(m_lock);
    return m_compact ? m_compact->size() : 0;
}

bool SharedVectorCache::contains(std::int64_t id) const {
    std::shared_lock reading(m_lock);
    return m_compact && m_compact->contains(id);
}

std::vector<std::int64_t> SharedVectorCache::ids() const {
    std::shared_lock reading(m_lock);
    return m_compact ? m_compact->ids() : std::vector<std::int64_t>();
}

Result<void> SharedVectorCache::add(const std::vector<std::int64_t>& ids, const float* vectors) {
    std::unique_lock writing(m_lock);
    if (!m_compact)
        return noCache();
    return m_compact->add(ids, vectors);
}

Result<void> SharedVectorCache::remove(const std::vector<std::int64_t>& ids) {
    std::unique_lock writing(m_lock);
    if (!m_compact)
        return noCache();
    return m_compact->remove(ids);
}

Result<std::vector<ScoredId>>
SharedVectorCache::search(const float* query, int k,
                          const std::vector<std::int64_t>* allowed) const {
    std::shared_lock reading(m_lock);
    if (!m_compact)
        return noCache();
    return m_compact->search(query, k, allowed);
}

} // namespace semsearch
