#pragma once

// Where a shared index lives: a PostgreSQL database named by a connection URI, beside the local
// index that lives in a folder. A front end asks isSharedIndexLocation() to tell the two apart
// (`--index`, SEMSEARCH_INDEX, the settings), and shows a location only in its display form.
//
// Recognised: postgresql://[user[:password]@][host][:port][/dbname][?param=value&...] and the
// same with postgres:// (libpq's two URI prefixes, lower case as libpq requires). The
// keyword/value form ("host=... dbname=...") is not a location: it could be a folder's name.
//
// Passwords: semsearch never asks for, stores or prints one. libpq finds it (~/.pgpass,
// PGPASSWORD, PGSERVICE) or the user writes it into the URI; every message and log line shows
// displayLocation(), from which any password is removed.

#include <QString>

namespace semsearch {

// True when `location` names a shared index on PostgreSQL rather than a folder.
bool isSharedIndexLocation(const QString& location);

// The location with every password removed: the one in the user part
// ("postgresql://ann:secret@db/team" -> "postgresql://ann@db/team") and any password parameter
// in the query string ("?password=secret&sslmode=require" -> "?sslmode=require"). When in doubt
// it removes more, never less: anything between "//" and the last "@" before the query string
// is taken as the user part. A location that is not a shared index is returned as is.
QString displayLocation(const QString& location);

// The name of the folder in which this machine keeps what it holds of the shared index at
// `location` (a searcher's vector cache, a writer's working copies), under
// defaultCacheFolder()/shared: the host and database to be readable, then a hash of
// displayLocation() to tell apart two locations that read alike ("db.example.org-team-
// 3f2a9c01d4e5"). The same location, typed with or without a password, gives the same name;
// characters other than letters, digits, '.', '_' and '-' become '_'.
QString sharedIndexFolderName(const QString& location);

// This machine's name in a shared index (the machine that indexes a source, and that wrote a
// change): $SEMSEARCH_MACHINE when set and not empty (two "machines" on one host, in tests),
// else the host name. Every front end names its writes with it.
QString thisMachineName();

} // namespace semsearch
