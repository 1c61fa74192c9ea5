#pragma once

// The preview of a document whose file is not on this disk (indexed on another machine of a
// shared index, or deleted since), made from what the index holds of it: its passages, which
// do not overlap and are in text order, so that together they are the document's text less
// the whitespace between them (the index does not keep it).

#include "document_preview.h"

#include "semsearch/store_records.h"

namespace semsearch::services {

// The whole document: `passages` (every passage, by ordinal) joined with what most likely
// stood between two (nothing where they touch, a space for one byte, a blank line for more), a
// page marker line where a PDF's page changes. The matches are `hits` (their rank by score,
// best 0); a hit the document no longer holds (it was indexed again since the search) counts
// as changed. The path is kept for reference only; nothing is read from disk.
DocumentPreview storedDocumentPreview(const QString& path,
                                      const std::vector<PassageRecord>& passages,
                                      const std::vector<PassageHit>& hits);

// Only the matching passages, when the whole document cannot be read (the server is out of
// reach): their texts in document order (by byte offset, then id), one blank line and a line
// holding only "…" between two, every passage a match. excerptsOnly is set.
DocumentPreview storedPassagesPreview(const QString& path, const std::vector<PassageHit>& passages);

} // namespace semsearch::services
