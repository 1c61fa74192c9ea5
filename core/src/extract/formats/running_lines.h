#pragma once

// Running headers and footers of paged documents (PDF): lines that come back at the top or the
// bottom of most pages (a title, a chapter name, "Page 3 of 12", "- 3 -") are page layout, not
// content. Kept, they would become passages that match every query about the title, and they
// would cut a sentence that runs on over a page break in two.

#include <QString>

#include <vector>

namespace semsearch::extractor {

// Removes the running headers and footers from `pages` (the text of each page, lines separated
// by "\n"). A line is taken for one when, compared with its runs of digits made alike (so that
// page numbers match) and its spaces simplified, it is among the first (for a header) or the
// last (for a footer) kEdgeLines non-blank lines of at least half of the pages, and of at least
// kMinRepeats (a line repeated on two pages says too little). Besides, the first or last
// non-blank line of a page that is nothing but that page's own number ("2", "- 2 -", "[2]")
// goes on any document, however short. Everything else, blank lines included, stays in place.
void dropRunningLines(std::vector<QString>& pages);

constexpr int kEdgeLines = 3;
constexpr std::size_t kMinRepeats = 3;

} // namespace semsearch::extractor
