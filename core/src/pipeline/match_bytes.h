#pragma once

// Where a passage's keyword matches lie in the bytes its start and end count in
// (KeywordMatch::byteStart/byteEnd, PassageRecord::byteStart): the file's bytes for text and
// Markdown, the extracted text as UTF-8 for the formats semsearch-extract reads.
//
// Text and extracted text hold the passage verbatim, so a match's bytes are the passage's first
// byte plus the length of the text before it in the document's encoding. A Markdown passage
// leaves markup out ("[basil](https://...)" -> "basil"), so the bytes before a match in the file
// are more than those of the text before it: the file is read again (once per document per
// search) and the match mapped through its text runs (DocumentText::runs). When the file no
// longer holds what was indexed (changed or gone: its SHA-256 differs), each match gets its
// whole passage's range, which still holds it, rather than a guess.

#include "semsearch/extract.h"
#include "semsearch/searcher.h"
#include "semsearch/store_keywords.h"
#include "semsearch/store_records.h"

#include <QHash>

#include <optional>
#include <vector>

namespace semsearch {

class MatchBytes {
public:
    explicit MatchBytes(const std::vector<DocumentRecord>& documents);

    // The match of `range` (positions in passage.text) with its bytes.
    KeywordMatch place(const PassageHit& passage, const TextRange& range);

private:
    // The Markdown document of `passage` as read now, or nothing when it is not Markdown, cannot
    // be read, or changed since it was indexed.
    const DocumentText* markdownOf(const PassageHit& passage);

    QHash<std::int64_t, DocumentRecord> m_records;
    QHash<std::int64_t, std::optional<DocumentText>> m_markdown;
};

} // namespace semsearch
