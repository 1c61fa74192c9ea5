#pragma once

// What the preview pane shows for one document: its text and where its passages are in it.
// Reading and placing happen here, apart from any widget, so that they can move to a worker
// thread unchanged (plain values in, plain values out; reentrant).

#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/searcher.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace semsearch::services {

struct PreviewMatch {
    std::int64_t passageId = 0;
    float score = 0;
    int rank = 0;        // 0 for the best-scored passage given, 1 for the next, ...
    qsizetype start = 0; // [start, end) in DocumentPreview::text
    qsizetype end = 0;
    int page = 0;    // PassageHit::page: 1-based page of a PDF, 0 = none
    QString section; // PassageHit::section
};

struct DocumentPreview {
    QString path;
    // The document's text as a QPlainTextEdit holds it: every "\r\n" is one "\n" (QTextDocument
    // turns both into one block break), so positions here are the editor's positions. For
    // formats other than plain text it is the text DocumentReader extracts (Markdown without
    // its markup), with a marker line ("— page 2 —") where each page of a PDF begins.
    QString text;
    DocumentFormat format = DocumentFormat::PlainText;
    std::vector<PreviewMatch> matches; // in document order (by start)
    int passageCount = 0;              // passages given
    // Passages whose byte range no longer holds their text: the file changed since it was
    // indexed. Those whose text was found elsewhere in the file are still in `matches`, at the
    // occurrence nearest to where they were; the others (passageCount - matches.size()) are not.
    int changedPassages = 0;
    // The text is only the matching passages a shared index holds, joined by "…" lines
    // (stored_preview.h), not the whole document.
    bool excerptsOnly = false;
};

// Reads `path` with a DocumentReader (which caps the size at options.maxFileBytes and runs
// semsearch-extract for PDF, HTML, DOCX, ODT and EPUB) and places every passage by its byte
// range: the range must map to exactly PassageHit::text in the document's text, else the
// passage counts as changed (see DocumentPreview). Errors are DocumentReader::read's
// ("<path>: not found", "<path>: password-protected PDF", ...).
Result<DocumentPreview> preparePreview(const QString& path, const std::vector<PassageHit>& passages,
                                       const ReadOptions& options = {});

// "— page 2 —": the marker line the preview shows where a page begins.
QString pageMarker(int page);

} // namespace semsearch::services
