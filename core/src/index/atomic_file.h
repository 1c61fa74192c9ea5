#pragma once

// Saving a cache file so that a crash at any moment leaves either the old file or the complete
// new one: the content goes to "<path>.tmp", is synced, renamed over `path`, and the folder is
// synced. Shared by the vector caches (faiss_vector_index.cpp, faiss_compact_index.cpp).

#include "semsearch/error.h"

#include <QString>

#include <functional>

namespace semsearch {

// `writeContent` writes the whole file to the descriptor it is given (open for writing, at
// offset 0, already carrying the permission bits `fileMode`); an Error it returns is passed on
// as it is. Any failure leaves the file at `path`, if any, as it was and removes "<path>.tmp";
// the helper's own errors are Io, naming `path`, what failed and what the system reported.
// `beforeRename`, if set, runs once the temporary file is complete and synced (crash tests stop
// the process there). Two saves to the same path must not overlap (they share the temporary
// file).
Result<void> saveAtomically(const QString& path, int fileMode,
                            const std::function<Result<void>(int fd)>& writeContent,
                            const std::function<void()>& beforeRename);

// The Io error of a failed save of `path`: "<path>: cannot save the vector index: <what>:
// <system error>".
Error saveError(const QString& path, const QString& what, int error);

} // namespace semsearch
