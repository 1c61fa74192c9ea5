#include "extract/raw_file_names.h"

#include "semsearch/extract.h"

#include "extract/utf8_sequences.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <memory>

#include <dirent.h>
#include <sys/stat.h>

namespace semsearch::detail {

namespace {

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

} // namespace

Result<FolderNames> listFolderNames(const QString& folder) {
    std::unique_ptr<DIR, DirCloser> dir(::opendir(QFile::encodeName(folder).constData()));
    if (!dir)
        return makeError(ErrorCode::Io, folder + QStringLiteral(": cannot list: ") +
                                            QString::fromLocal8Bit(std::strerror(errno)));
    FolderNames result;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (!entry)
            break;
        const QByteArray name(entry->d_name);
        if (name == "." || name == "..")
            continue;
        // Decoded keeping a leading U+FEFF: QFile::decodeName drops it, and the path would then
        // name another file.
        if (isValidUtf8(name))
            result.names.append(strictUtf8Decoder().decode(name));
        else
            result.notUtf8.push_back(name);
    }
    if (errno != 0)
        return makeError(ErrorCode::Io, folder + QStringLiteral(": cannot list: ") +
                                            QString::fromLocal8Bit(std::strerror(errno)));
    return result;
}

std::vector<QByteArray> namesDecodedAs(const QString& folder, const QString& decodedName) {
    std::vector<QByteArray> matches;
    auto listed = listFolderNames(folder);
    if (!listed)
        return matches;
    for (QByteArray& raw : listed->notUtf8)
        if (QFile::decodeName(raw) == decodedName)
            matches.push_back(std::move(raw));
    return matches;
}

bool isFolderEntry(const QString& folder, const QByteArray& rawName) {
    struct stat status {};
    const QByteArray path = QFile::encodeName(folder) + '/' + rawName;
    return ::stat(path.constData(), &status) == 0 && S_ISDIR(status.st_mode);
}

} // namespace semsearch::detail

namespace semsearch {

QString escapeInvalidUtf8(QByteArrayView bytes) {
    return detail::decodeUtf8Marking(bytes, [](QString& text, unsigned char byte) {
        text += QStringLiteral("\\x") + QString::number(byte, 16).toUpper();
    });
}

} // namespace semsearch
