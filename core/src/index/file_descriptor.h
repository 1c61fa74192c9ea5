#pragma once

// File descriptors for the vector cache's files: one that closes itself, and FAISS reader and
// writer adapters over one, so that a failed read or write keeps its errno (FAISS's own
// FileIOWriter only says "write error").

#include <faiss/impl/io.h>

#include <QString>

#include <cstddef>
#include <utility>

#include <unistd.h>

namespace semsearch {

// The system's text for an errno value.
QString systemError(int error);

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    int get() const { return m_fd; }
    // Closes now and reports the result: close() can be the first to report a failed write.
    int close() {
        const int result = ::close(m_fd);
        m_fd = -1;
        return result;
    }

private:
    int m_fd;
};

struct DescriptorWriter : faiss::IOWriter {
    explicit DescriptorWriter(int fd) : m_fd(fd) {}
    // Writes all of it, retrying after EINTR; 0 with m_errno set on failure.
    size_t operator()(const void* ptr, size_t size, size_t nitems) override;
    int fileno() override { return m_fd; }
    int m_fd;
    int m_errno = 0;
};

struct DescriptorReader : faiss::IOReader {
    explicit DescriptorReader(int fd) : m_fd(fd) {}
    // Reads all of it, retrying after EINTR; 0 on failure (m_errno set) or end of file.
    size_t operator()(void* ptr, size_t size, size_t nitems) override;
    int fileno() override { return m_fd; }
    int m_fd;
    int m_errno = 0;
};

} // namespace semsearch
