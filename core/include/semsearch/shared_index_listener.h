#pragma once

// Hears that some machine committed to a shared index on PostgreSQL (shared_index_location.h):
// every commit announces its generation, and the server delivers an announcement only once the
// commit is visible. What a window watches so that new documents appear without a restart.
//
// A front end with an event loop watches socket() for readability (QSocketNotifier) and then
// calls latestAnnounced(). Announcements made while no listener was connected are lost: one
// that connects again should read what it shows again once.
//
// Errors: one line naming the location without its password (pg_connection.h's codes): Io when
// the server cannot be reached or went away, after which the listener is unusable (open a new
// one to try again), InvalidArgument when the credentials are refused, NotFound when the
// database does not exist. open() may take the connect timeout (10 s) to fail: call it off the
// GUI thread.
//
// Threading: one object is used by one thread at a time (it owns one connection).

#include "semsearch/error.h"

#include <QString>

#include <cstdint>
#include <memory>

namespace semsearch {

class SharedIndexListener {
public:
    static Result<std::unique_ptr<SharedIndexListener>> open(const QString& location);
    ~SharedIndexListener();
    SharedIndexListener(const SharedIndexListener&) = delete;
    SharedIndexListener& operator=(const SharedIndexListener&) = delete;

    // The socket to watch for readability; -1 once the connection is closed.
    int socket() const;

    // The highest generation announced since the last call, without waiting; 0 when none.
    Result<std::int64_t> latestAnnounced();

private:
    class Impl;
    explicit SharedIndexListener(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace semsearch
