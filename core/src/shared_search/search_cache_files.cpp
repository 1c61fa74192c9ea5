#include "shared_search/search_cache_files.h"

#include "index/atomic_file.h"
#include "semsearch/model_identity.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace semsearch {

namespace {

constexpr int kFormat = 2; // 1: a float32 FaissVectorIndex

QString vectorsPath(const QString& folder) {
    return folder + QStringLiteral("/vectors.faiss");
}
QString headerPath(const QString& folder) {
    return folder + QStringLiteral("/cache.json");
}

// flock() on the folder's lock file for as long as it lives; without one (a folder that
// cannot hold it) it holds nothing, and the atomic renames still keep every file whole.
class FolderLock {
public:
    FolderLock(const QString& folder, int operation)
        : m_fd(::open(QFile::encodeName(folder + QStringLiteral("/lock")).constData(),
                      O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (m_fd >= 0)
            while (::flock(m_fd, operation) != 0 && errno == EINTR) {
            }
    }
    ~FolderLock() {
        if (m_fd >= 0)
            ::close(m_fd); // releases the lock
    }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int m_fd;
};

QJsonObject modelJson(const ModelIdentity& model) {
    return QJsonObject{{QStringLiteral("name"), model.name},
                       {QStringLiteral("dimension"), model.dimension},
                       {QStringLiteral("pooling"), model.pooling},
                       {QStringLiteral("normalize"), model.normalize},
                       {QStringLiteral("fingerprint"), model.weightsFingerprint}};
}

struct Header {
    std::int64_t generation = 0;
    VectorIndexState state;
};

// What cache.json records for `model`; std::nullopt with the reason otherwise.
std::optional<Header> readHeader(const QString& folder, const ModelIdentity& model, QString* why) {
    QFile file(headerPath(folder));
    if (!file.open(QIODevice::ReadOnly)) {
        if (why && file.exists())
            *why = file.fileName() + QStringLiteral(": cannot be read");
        return std::nullopt;
    }
    const QJsonObject header = QJsonDocument::fromJson(file.read(64 * 1024)).object();
    const QJsonObject recorded = header.value(QStringLiteral("model")).toObject();
    const ModelIdentity cached{recorded.value(QStringLiteral("name")).toString(),
                               recorded.value(QStringLiteral("dimension")).toInt(),
                               recorded.value(QStringLiteral("pooling")).toString(),
                               recorded.value(QStringLiteral("normalize")).toBool(),
                               recorded.value(QStringLiteral("fingerprint")).toString()};
    const qint64 generation = header.value(QStringLiteral("generation")).toInteger(-1);
    const auto state =
        VectorIndexState::fromText(header.value(QStringLiteral("vectorIndex")).toString());
    QString problem;
    if (header.value(QStringLiteral("format")).toInt() != kFormat || generation < 0 || !state)
        problem = QStringLiteral("not a cache this version reads");
    else if (!sameVectors(cached, model))
        problem = QStringLiteral("of another model, ") + describeModel(cached);
    if (!problem.isEmpty()) {
        if (why)
            *why = file.fileName() + QStringLiteral(": ") + problem;
        return std::nullopt;
    }
    return Header{generation, *state};
}

Result<void> writeAll(int fd, const QByteArray& bytes, const QString& path) {
    for (qsizetype done = 0; done < bytes.size();) {
        const ssize_t wrote =
            ::write(fd, bytes.constData() + done, std::size_t(bytes.size() - done));
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote < 0)
            return saveError(path, QStringLiteral("writing ") + path, errno);
        done += wrote;
    }
    return {};
}

} // namespace

std::optional<SearchCache> loadSearchCache(const QString& folder, const ModelIdentity& model,
                                           QString* why) {
    if (!QFileInfo::exists(headerPath(folder)))
        return std::nullopt;
    FolderLock lock(folder, LOCK_SH);
    const auto header = readHeader(folder, model, why);
    if (!header)
        return std::nullopt;
    auto vectors = FaissCompactIndex::load(vectorsPath(folder), model.dimension);
    if (!vectors) {
        if (why)
            *why = vectors.error().message;
        return std::nullopt;
    }
    return SearchCache{std::move(vectors).value(), header->state, header->generation};
}

Result<void> saveSearchCache(const QString& folder, const SearchCache& cache,
                             const ModelIdentity& model, const QString& location) {
    if (!QDir().mkpath(folder))
        return makeError(ErrorCode::Io,
                         folder + QStringLiteral(": cannot create the search cache's folder"));
    FolderLock lock(folder, LOCK_EX);
    // Only a newer cache is kept: one at the same generation is written again, since the
    // saver may have refilled it because its vectors.faiss could not be read.
    if (const auto saved = readHeader(folder, model, nullptr);
        saved && saved->generation > cache.generation)
        return {};
    // A name of this process's own for the temporary file: should the lock not hold (a file
    // system without flock), two searchers still never write into one file.
    const QString mine = vectorsPath(folder) + QStringLiteral(".%1").arg(::getpid());
    if (auto saved = cache.vectors->save(mine); !saved)
        return saved.error();
    if (::rename(QFile::encodeName(mine).constData(),
                 QFile::encodeName(vectorsPath(folder)).constData()) != 0) {
        const int error = errno;
        QFile::remove(mine);
        return saveError(vectorsPath(folder), QStringLiteral("renaming ") + mine, error);
    }
    const QByteArray header =
        QJsonDocument(QJsonObject{{QStringLiteral("format"), kFormat},
                                  {QStringLiteral("generation"), qint64(cache.generation)},
                                  {QStringLiteral("location"), location},
                                  {QStringLiteral("model"), modelJson(model)},
                                  {QStringLiteral("vectorIndex"), cache.state.toText()}})
            .toJson(QJsonDocument::Indented);
    return saveAtomically(headerPath(folder), 0600,
                          [&](int fd) { return writeAll(fd, header, headerPath(folder)); }, {});
}

} // namespace semsearch
