#include "index/faiss_file_layout.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace semsearch {

namespace {

template <typename T> T readAt(const QByteArray& bytes, qint64 offset) {
    T value;
    std::memcpy(&value, bytes.constData() + offset, sizeof value);
    return value;
}

} // namespace

// Opens a saved index for reading; also gives its size. Refuses anything but a regular file.
Result<std::pair<FileDescriptor, qint64>> openSaved(const QString& path) {
    // O_NONBLOCK: a FIFO at `path` must not hang the caller; it is refused below.
    FileDescriptor fd(
        ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        const int error = errno;
        if (error == ENOENT)
            return makeError(ErrorCode::NotFound, path + QStringLiteral(": no such file"));
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot open: ") + systemError(error));
    }
    struct stat info;
    if (::fstat(fd.get(), &info) != 0)
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    if (!S_ISREG(info.st_mode))
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": not a regular file"));
    return std::pair<FileDescriptor, qint64>(std::move(fd), qint64(info.st_size));
}

Result<void> checkLayout(int fd, const QString& path, qint64 fileSize, int dimension) {
    const auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    if (fileSize == 0)
        return corrupt(QStringLiteral("the file is empty"));
    if (fileSize < kVectorsOffset + 8)
        return corrupt(QStringLiteral("too short to be a vector index (%1 bytes)").arg(fileSize));

    QByteArray head(int(kVectorsOffset), '\0');
    if (::pread(fd, head.data(), std::size_t(head.size()), 0) != head.size())
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    const QByteArray outerType = head.mid(0, 4);
    const QByteArray innerType = head.mid(kHeaderBytes, 4);
    if (outerType != "IxM2")
        return corrupt(QStringLiteral("not a semsearch vector index (no FAISS IndexIDMap2 "
                                      "header)"));
    if (!innerType.startsWith("IxF"))
        return corrupt(QStringLiteral("the FAISS index inside is not a flat index"));
    if (innerType != "IxFI" || readAt<qint32>(head, kMetric) != 0 ||
        readAt<qint32>(head, kHeaderBytes + kMetric) != 0)
        return corrupt(QStringLiteral("the FAISS index does not use inner products"));

    const qint32 outerDimension = readAt<qint32>(head, kDimension);
    const qint32 innerDimension = readAt<qint32>(head, kHeaderBytes + kDimension);
    if (outerDimension != innerDimension || outerDimension < 1)
        return corrupt(QStringLiteral("inconsistent dimension in the header (%1, %2)")
                           .arg(outerDimension)
                           .arg(innerDimension));
    if (outerDimension != dimension)
        return makeError(ErrorCode::Mismatch,
                         path + QStringLiteral(": holds %1-dimensional vectors, %2 expected")
                                    .arg(outerDimension)
                                    .arg(dimension));

    const qint64 count = readAt<qint64>(head, kCount);
    const qint64 rowBytes = 4 * qint64(dimension) + 8;
    if (count < 0 || count != readAt<qint64>(head, kHeaderBytes + kCount) ||
        count > fileSize / rowBytes)
        return corrupt(QStringLiteral("inconsistent vector count in the header"));
    if (head.at(kIsTrained) != 1 || head.at(kHeaderBytes + kIsTrained) != 1)
        return corrupt(QStringLiteral("the header is damaged"));
    if (readAt<quint64>(head, kVectorsCountOffset) != quint64(count) * quint64(dimension))
        return corrupt(QStringLiteral("the vector data's length is damaged"));
    const qint64 expectedSize = kVectorsOffset + count * rowBytes + 8;
    if (fileSize != expectedSize)
        return corrupt(QStringLiteral("%1 bytes long, %2 expected for %3 vectors (truncated?)")
                           .arg(fileSize)
                           .arg(expectedSize)
                           .arg(count));

    quint64 idCount = 0;
    const qint64 idCountOffset = kVectorsOffset + count * 4 * qint64(dimension);
    if (::pread(fd, &idCount, sizeof idCount, idCountOffset) != qint64(sizeof idCount))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    if (idCount != quint64(count))
        return corrupt(QStringLiteral("the id list's length is damaged"));
    return {};
}

Result<std::int64_t> countVectorsIn(const QString& path) {
    auto opened = openSaved(path);
    if (!opened)
        return opened.error();
    const int fd = opened->first.get();
    qint32 dimension = 0;
    qint64 count = 0;
    if (opened->second >= kVectorsOffset + 8 &&
        (::pread(fd, &dimension, sizeof dimension, kDimension) != qint64(sizeof dimension) ||
         ::pread(fd, &count, sizeof count, kCount) != qint64(sizeof count)))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + systemError(errno));
    // The layout check, against the header's own dimension, vouches for the count.
    if (auto layout = checkLayout(fd, path, opened->second, std::max<qint32>(dimension, 1));
        !layout)
        return layout.error();
    return std::int64_t(count);
}

} // namespace semsearch
