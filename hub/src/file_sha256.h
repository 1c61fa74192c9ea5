#pragma once

// The SHA-256 of a file, computed on a pool thread so that the calling (GUI) thread never
// waits for hundreds of megabytes to be read.

#include <QByteArray>
#include <QFuture>
#include <QString>

namespace semsearch {

// Lower-case hex digest; an empty result when the file cannot be read.
QFuture<QByteArray> sha256OfFile(const QString& path);

} // namespace semsearch
