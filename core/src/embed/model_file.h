#pragma once

// Reading a model folder's small files (config.json, modules.json, vocab.txt, ...) with a size
// cap, so that a huge or endless file (a 400 MB modules.json, a link to /dev/zero) is refused
// instead of read into memory.

#include "semsearch/error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace semsearch {

// The whole of the file at `path`, which must be a regular file (a symbolic link to one is
// followed) of at most `maxBytes` bytes. NotFound when it does not exist, Io when it cannot be
// read, Corrupt when it is not a regular file or holds more than `maxBytes` (then no more than
// `maxBytes` + 1 bytes are ever read).
Result<QByteArray> readModelFile(const QString& path, qint64 maxBytes);

// readModelFile() with kMaxModelJsonBytes, parsed as one JSON object. Corrupt for invalid JSON
// (naming the offset, never quoting the bytes) or another JSON value.
Result<QJsonObject> readModelJsonObject(const QString& path);

} // namespace semsearch
