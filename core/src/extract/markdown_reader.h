#pragma once

// Markdown as text: the decoded file with the markup that is not words left out, headings as
// sections, byte offsets kept exact through DocumentText::runs (see DocumentReader in
// semsearch/extract.h for what is left out). Our own line scanner, linear in the text's length:
// no third-party parser, so it runs in the indexer's process like plain text.

#include "semsearch/extract.h"

namespace semsearch {

// `decoded` is readDocument's result for a Markdown file; returns it with format Markdown, the
// markup left out of `text`, `runs` and `places` set, and invalidBytes moved to the new text.
DocumentText readMarkdown(DocumentText decoded);

} // namespace semsearch
