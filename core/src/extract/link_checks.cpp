#include "extract/link_checks.h"

#include <QByteArrayList>
#include <QFile>

#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

namespace semsearch::detail {

namespace {

// Linux's own limit on links followed in one resolution (MAXSYMLINKS).
constexpr int kMaxLinks = 40;

QByteArray readLinkTarget(const QByteArray& link) {
    QByteArray target(4096, Qt::Uninitialized);
    const ssize_t length = ::readlink(link.constData(), target.data(), std::size_t(target.size()));
    if (length < 0 || length >= target.size())
        return {};
    target.truncate(qsizetype(length));
    return target;
}

} // namespace

bool isSymbolicLinkLoop(const QString& path) {
    struct stat status {};
    return ::stat(QFile::encodeName(path).constData(), &status) != 0 && errno == ELOOP;
}

bool linksOwnedByUserOrRoot(const QString& path) {
    const uid_t user = ::geteuid();
    QByteArrayList pending = QFile::encodeName(path).split('/');
    QByteArray resolved; // "" is the root folder
    int links = 0;
    while (!pending.isEmpty()) {
        const QByteArray part = pending.takeFirst();
        if (part.isEmpty() || part == ".")
            continue;
        if (part == "..") {
            resolved.truncate(std::max<qsizetype>(resolved.lastIndexOf('/'), 0));
            continue;
        }
        const QByteArray candidate = resolved + '/' + part;
        struct stat status {};
        if (::lstat(candidate.constData(), &status) != 0)
            return true; // does not resolve: reported as broken by the caller
        if (!S_ISLNK(status.st_mode)) {
            resolved = candidate;
            continue;
        }
        if (status.st_uid != user && status.st_uid != 0)
            return false;
        const QByteArray target = readLinkTarget(candidate);
        if (target.isEmpty() || ++links > kMaxLinks)
            return true; // a loop or an unreadable link: reported as such by the caller
        if (target.startsWith('/'))
            resolved.clear();
        QByteArrayList parts = target.split('/');
        pending = parts + pending;
    }
    return true;
}

} // namespace semsearch::detail
