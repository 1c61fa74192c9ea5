#pragma once

// Errors are values. Every fallible call in semsearch_core returns Result<T>: either the value
// or an Error whose message is one line that names the thing (usually a file) and the problem,
// ready to show a user as is. Exceptions from LibTorch or the standard library are caught in the
// adapter that calls them and turned into an Error there; they never cross a public header.

#include <QString>

#include <cassert>
#include <optional>
#include <utility>

namespace semsearch {

enum class ErrorCode {
    InvalidArgument, // the caller passed something unusable (bad option value, empty input where
                     // one is required)
    NotFound,        // a file or folder that must exist does not
    Io,              // the operating system refused a read or write
    Corrupt,         // a file exists but its content is malformed or inconsistent
    Unsupported,     // a well-formed file asks for something semsearch does not implement
    Cancelled,       // the caller's cancel token stopped the work
    Busy,            // another process holds what is needed (an index's writer lock)
    Mismatch,        // things that must agree do not (an index built with another model)
    Internal,        // a bug or an unexpected failure inside a third-party library
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    QString message;
};

inline Error makeError(ErrorCode code, QString message) {
    return Error{code, std::move(message)};
}

// Holds a T or an Error. Reading value() of a failed result (or error() of a good one) is a bug
// and asserts.
template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return *m_value;
    }
    const T& value() const& {
        assert(ok());
        return *m_value;
    }
    T&& value() && {
        assert(ok());
        return std::move(*m_value);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        assert(!ok());
        return *m_error;
    }

private:
    std::optional<T> m_value;
    std::optional<Error> m_error;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        assert(!ok());
        return *m_error;
    }

private:
    std::optional<Error> m_error;
};

} // namespace semsearch
