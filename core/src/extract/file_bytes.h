#pragma once

// readDocument in its two halves, for DocumentReader, which reads a file's bytes once and then
// decodes them as text or hands them to semsearch-extract.

#include "semsearch/extract.h"

namespace semsearch {

struct FileBytes {
    QByteArray bytes;
    qint64 modifiedMs = 0; // as DocumentText::modifiedMs
    qint64 changedMs = 0;  // as DocumentText::changedMs
};

// The file's bytes, with readDocument's errors for a file that is missing, not regular, too
// large or unreadable.
Result<FileBytes> readFileBytes(const QString& path, qint64 maxBytes);
// The bytes decoded as text (path, size, time and hash filled in), with readDocument's errors
// for binary files and UTF-32.
Result<DocumentText> decodeDocument(const QString& path, const FileBytes& file);

} // namespace semsearch
