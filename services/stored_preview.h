#pragma once

// The preview of a document whose file is not on this disk (indexed on another machine of a
// shared index, or deleted since): the passages the index holds, in their order in the
// document, each placed and ranked as preparePreview places passages in a file.

#include "document_preview.h"

namespace semsearch::services {

// The passages' texts in document order (by byte offset, then id), one blank line and a line
// holding only "…" between two, every passage a match (rank by score, best 0). The path is
// kept for reference only; nothing is read from disk.
DocumentPreview storedPassagesPreview(const QString& path, const std::vector<PassageHit>& passages);

} // namespace semsearch::services
