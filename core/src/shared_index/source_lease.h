#pragma once

// A source's lease: the right to index one source of a shared index, held by one session at a
// time. Several machines write into one shared index at once, each into its own sources; two
// writers on the same source would race each other's removals and additions.
//
// The lease is a session-level advisory lock (pg_try_advisory_lock, class kSourceLeaseClass)
// on a 31-bit key derived from the source's path (the first bytes of its SHA-1: the same on
// every machine and every build). The server releases it when the session ends for any
// reason: release(), the connection closed, the process killed (the kernel closes its socket),
// the server restarted. A row in source_leases says who took it and since when; the lock is
// the truth and the row only names the holder, so a row left by a killed writer is harmless
// and is overwritten by the next taker.
//
// Two paths may share a key (one chance in 2^31 per pair). Then taking the second reports Busy
// and names the other source as the one holding the key: the rule "one writer per source" is
// kept, at the cost of a rare wait for an unrelated source.
//
// A SourceLease refers to the connection that took it, which must outlive it; it releases the
// lease when destroyed (if the connection is still open). Advisory locks count per session: a
// session that takes a source it already holds gets a second lease, and the source is free
// for others once both are released. One writer holds one lease per source it indexes.

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace semsearch {

class PgConnection;

class SourceLease {
public:
    // Takes the lease on `sourcePath` (absolute, as stored in sources.path) for this
    // connection's session, without waiting. Busy when another session holds it, with a message
    // naming the holder (its application_name, "semsearch <hostname> <pid>", its client address
    // and since when); InvalidArgument when the role may not write (a read-only role).
    static Result<SourceLease> take(PgConnection& connection, const QString& sourcePath);
    // take() for each of `sourcePaths`, in order: all of them, or the first refusal (the
    // leases taken before it are released).
    static Result<std::vector<SourceLease>> takeAll(PgConnection& connection,
                                                    const QStringList& sourcePaths);
    // takeAll() for every source the index holds, in sharedSources()'s order: what a run that
    // changes the whole index (a re-embed, a repair) holds so that no writer publishes meanwhile.
    static Result<std::vector<SourceLease>> takeEvery(PgConnection& connection);

    // The advisory lock key of a source path (the second integer of the lock).
    static std::int32_t lockKey(const QString& sourcePath);

    SourceLease(SourceLease&& other) noexcept;
    SourceLease& operator=(SourceLease&& other) noexcept;
    SourceLease(const SourceLease&) = delete;
    SourceLease& operator=(const SourceLease&) = delete;
    ~SourceLease();

    const QString& sourcePath() const { return m_path; }

    // Gives the lease back now. Safe to call twice; the second call does nothing.
    Result<void> release();

private:
    SourceLease(PgConnection* connection, QString path, std::int32_t key);

    PgConnection* m_connection = nullptr; // null once released or moved from
    QString m_path;
    std::int32_t m_key = 0;
};

} // namespace semsearch
