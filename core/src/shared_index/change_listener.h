#pragma once

// Tells a searcher that some machine has committed to a shared index, so that it catches up at
// once instead of polling: a connection of its own that LISTENs on the change log's channel
// (change_log.h). The server delivers a notification only when the writer's transaction
// commits, so an announced generation can always be read.
//
// A front end with an event loop watches socket() for readability (QSocketNotifier) and then
// calls latestAnnounced(); a command without one calls waitForChange(). Announcements can be
// lost (the connection dropped and reopened): a searcher still checks the change log when it
// opens and before a search, and treats an announcement only as "catch up now".
//
// Errors: PgConnection's (pg_connection.h); Io when the server went away, after which the
// listener is unusable (open a new one when the server is back).

#include "semsearch/error.h"
#include "shared_index/pg_connection.h"

#include <QString>

#include <cstdint>

namespace semsearch {

class ChangeListener {
public:
    static Result<ChangeListener> open(const QString& location);

    // The socket to watch for readability; -1 once the connection is closed.
    int socket() const { return m_connection.socket(); }

    // The highest generation announced since the last call, without waiting; 0 when none.
    Result<std::int64_t> latestAnnounced();

    // Waits up to `timeoutMs` for an announcement; then as latestAnnounced().
    Result<std::int64_t> waitForChange(int timeoutMs);

private:
    explicit ChangeListener(PgConnection connection) : m_connection(std::move(connection)) {}

    PgConnection m_connection;
};

} // namespace semsearch
