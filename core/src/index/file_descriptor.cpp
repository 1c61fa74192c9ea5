#include "index/file_descriptor.h"

#include <cerrno>
#include <cstring>

namespace semsearch {

QString systemError(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

size_t DescriptorWriter::operator()(const void* ptr, size_t size, size_t nitems) {
    const char* data = static_cast<const char*>(ptr);
    std::size_t left = size * nitems;
    while (left > 0) {
        const ssize_t written = ::write(m_fd, data, left);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0) {
            m_errno = written < 0 ? errno : ENOSPC;
            return 0;
        }
        data += written;
        left -= std::size_t(written);
    }
    return nitems;
}

size_t DescriptorReader::operator()(void* ptr, size_t size, size_t nitems) {
    char* data = static_cast<char*>(ptr);
    std::size_t left = size * nitems;
    while (left > 0) {
        const ssize_t got = ::read(m_fd, data, left);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            m_errno = got < 0 ? errno : 0;
            return 0;
        }
        data += got;
        left -= std::size_t(got);
    }
    return nitems;
}

} // namespace semsearch
