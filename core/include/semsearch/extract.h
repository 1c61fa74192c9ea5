#pragma once

// The extraction layer of the indexing pipeline:
//   walkPaths      files and folders -> the regular files to index (and what was skipped, why)
//   DocumentReader one file of any supported format -> its text, with size, mtime, content hash
//                  and where each piece came from (page, section)
//   readDocument   one plain-text file -> its decoded text (what DocumentReader uses for text)
//   splitPassages  decoded text -> sentence-based passages that each fit the model's input
//
// Formats (DocumentFormat): plain text and Markdown are read in this process, with the tested
// decoder below and byte offsets into the file. PDF, HTML, DOCX, ODT and EPUB go through
// third-party parsers (poppler, libxml2) that never run in this process: DocumentReader hands
// them, one file at a time, to the helper program semsearch-extract (app/extract/), which runs
// under memory and time limits, so that a parser that crashes, hangs or floods memory costs
// one skipped file and never the indexer (see ExtractorOptions).
//
// Adding a reader for a new type:
//   1. a DocumentFormat value, its formatName() and readerName(), and its magic bytes or
//      extension in detectFormat() (core/src/shared/document_format.cpp);
//   2. a format parsed by our own code over decoded text (like Markdown): a function in
//      core/src/extract/ called from DocumentReader::read; a format that needs a third-party
//      parser: a reader in core/src/extract/formats/ (readers.h there, one file per format)
//      listed in formats/readers.cpp's dispatch, and the parser's -dev package in
//      packaging/quickstart.sh (the .deb picks the library up through dpkg-shlibdeps);
//   3. tests made from real documents of that type (tests/core/test_extractor_readers.cpp).
//
// Positions: a "text position" is a UTF-16 code unit index into DocumentText::text (0 ..
// text.size()); ranges are half-open [start, end). A "byte offset" is a position in the file's
// raw bytes, byte-order mark included, so file.mid(byteStart, byteEnd - byteStart) decoded with
// the document's encoding gives back exactly the passage text.
//
// Thread-safety: every function here is reentrant and keeps no state between calls; distinct
// calls may run on any threads at once (splitPassages only calls const methods of the
// tokenizer, which are thread-safe).

#include "semsearch/error.h"
#include "semsearch/tokenizer.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace semsearch {

// ---------------------------------------------------------------------------------------------
// Walking

struct WalkOptions {
    // Files larger than this many bytes (by their size on disk) are skipped. <= 0: no limit.
    qint64 maxFileBytes = 20 * 1024 * 1024;
    // Take files and folders whose names start with "." found while walking. Version-control
    // folders (.git .hg .svn .bzr _darcs CVS) are skipped either way.
    bool includeHidden = false;
    // Wildcard globs (* ? [...]) matched against the NAME of every file and folder found while
    // walking, case-insensitively, e.g. "*.min.js", "node_modules". A match skips the entry, and
    // for a folder everything below it. A pattern cannot span folders ("a/b" never matches).
    QStringList excludePatterns;
};

// Path helpers for walkers; paths absolute and clean ('/' separators, no trailing '/' but
// for the root).
// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
QString joinPath(const QString& folder, const QString& name);
// True when `path` is `ancestor` or lies below it: "/a/b" is below "/a", "/ab" is not.
bool isSameOrBelow(const QString& path, const QString& ancestor);

// A file name or path given as the bytes the file system holds, for showing to people: valid
// UTF-8 decoded, every other byte written as \xHH (upper-case hex), e.g. "bad\xFF\xFEname.txt".
// walkPaths reports names that are not UTF-8 this way.
QString escapeInvalidUtf8(QByteArrayView bytes);

// The rules walkPaths applies to the NAME of every entry found below the paths it is given:
// version-control folders, hidden entries (unless includeHidden) and excludePatterns. Anything
// that follows the file tree the way indexing does (a folder watcher) applies the same rules
// through this class. The patterns are compiled once, here. Reentrant: build one per thread.
class WalkNameRules {
public:
    explicit WalkNameRules(const WalkOptions& options);

    // Why an entry called `name` (a folder when `isFolder`) is skipped: "version-control
    // folder", "hidden folder", "hidden file" or "excluded by pattern '*.log'"; an empty string
    // when it is taken.
    QString skipReason(const QString& name, bool isFolder) const;

private:
    struct Pattern {
        QString text;
        QRegularExpression regex; // invalid for a malformed glob: then the name must equal text
    };
    bool m_includeHidden = false;
    std::vector<Pattern> m_patterns;
};

struct SkippedFile {
    QString path;   // absolute and clean, like WalkResult::files
    QString reason; // short, one line, lower case. walkPaths gives "hidden file", "hidden
                    // folder", "version-control folder", "excluded by pattern '*.log'",
                    // "larger than 20 MiB (31.2 MiB)", "symbolic link loop", "broken symbolic
                    // link", "symbolic link of another user leads outside the indexed
                    // folders", "file name is not valid UTF-8", "folder name is not valid
                    // UTF-8", "permission denied", "cannot list the folder", "not found", "not
                    // a regular file" (a FIFO, socket or device) and "empty path"; later stages
                    // may record readDocument's problems ("binary file") the same way.
};

struct WalkResult {
    QStringList files;                // sorted (QString order), no duplicates
    std::vector<SkippedFile> skipped; // sorted by path
    bool cancelled = false;           // the cancel flag stopped the walk; the lists are partial
};

// Expands `paths` (files and folders, absolute or relative to the working directory) into the
// regular files to index, recursively.
//
// - Reported paths are absolute and clean (QFileInfo::absoluteFilePath): symbolic links are
//   followed to files and folders but NOT resolved in the reported path.
// - Each real file is reported once even when reachable by several paths (through links or
//   overlapping arguments). The path kept is the one through the fewest symbolic links, then
//   the smallest; a folder reached again through another link is not walked twice. (Hard links
//   are separate files here; identical content is the indexer's business, by content hash.)
// - Never loops: a link to a folder that encloses any folder on the path walked to the link
//   (its own folder, or one the walk came from through other links) is skipped as "symbolic
//   link loop", and so is a link whose chain of links goes round (a -> b -> a).
// - Links of other users: a symbolic link found below the arguments is followed when it leads
//   to a place at or below one of the arguments, or when every link on its way belongs to the
//   user running the walk or to root. Otherwise (someone else's link leading elsewhere, e.g.
//   planted in a shared folder and pointing at a private file of ours) it is skipped as
//   "symbolic link of another user leads outside the indexed folders".
// - Names that are not valid UTF-8 (which Qt cannot spell) are skipped as "file name is not
//   valid UTF-8" or "folder name is not valid UTF-8", reported with each such byte written as
//   \xHH ("/docs/bad\xFF.txt"), so that the user can find and rename them. An argument that
//   names such a file decoded with U+FFFD (as Qt decodes it) is reported the same way.
// - The paths given as arguments are always taken as named: the hidden, version-control and
//   exclude rules apply to what is found below them. The size limit applies to all files.
// - Anything not taken is recorded in `skipped` with its reason, and the walk goes on; the
//   contents of a skipped folder are not listed. A path that does not exist is skipped as
//   "not found" (it is not an error: callers that require existence check it first).
// - Binary content is not detected here (readDocument does that, having the bytes).
// - `cancel` (may be null) is polled between folder entries; once it is true the walk stops and
//   returns what it has, with `cancelled` set.
WalkResult walkPaths(const QStringList& paths, const WalkOptions& options,
                     const std::atomic<bool>* cancel = nullptr);

// ---------------------------------------------------------------------------------------------
// Reading

enum class TextEncoding {
    Utf8,        // UTF-8, no byte-order mark (plain ASCII too); see DocumentText::invalidBytes
    Utf8WithBom, // EF BB BF, then UTF-8
    Utf16LE,     // FF FE, then UTF-16 little-endian
    Utf16BE,     // FE FF, then UTF-16 big-endian
    Latin1,      // anything else: one byte per character, read as Windows-1252 (the superset of
                 // ISO 8859-1 that web browsers use for "latin1": bytes 0x80-0x9F are the
                 // typographic quotes, dashes and euro sign that such files really contain, not
                 // C1 control codes). Never fails, so no text file is lost to its encoding.
};

// ---------------------------------------------------------------------------------------------
// Document formats

enum class DocumentFormat {
    PlainText, // any text file not named below; decoded by readDocument
    Markdown,  // .md .markdown: text with its markup left out, offsets into the file
    Html,      // .html .htm .xhtml, or content starting with <!DOCTYPE html> or <html
    Pdf,       // content starting with %PDF-, or .pdf
    Docx,      // a ZIP holding word/document.xml, or .docx
    Odt,       // a ZIP whose mimetype is application/vnd.oasis.opendocument.text, or .odt
    Epub,      // a ZIP whose mimetype is application/epub+zip, or .epub
};

// "text", "markdown", "html", "pdf", "docx", "odt", "epub": what DocumentRecord::encoding holds
// for formats other than text (whose encoding is the text encoding's name).
QString formatName(DocumentFormat format);
// "the PDF reader", "the HTML reader", ...: for skip reasons ("the PDF reader crashed").
QString readerName(DocumentFormat format);
// Which reader takes a file: by content first (the first bytes of `bytes`, the file's content:
// "%PDF-"; a ZIP archive's layout; an HTML doctype or <html> tag after an optional byte-order
// mark and whitespace), then by the extension of `path`, ignoring case (so a ZIP of another
// kind named .txt is PlainText, which readDocument skips as a binary file). Never fails.
DocumentFormat detectFormat(const QString& path, QByteArrayView bytes);

// Where a stretch of a document's text came from: from text position `start` up to the next
// place's start (or the end of the text) the text lies on `page` (PDF pages, 1-based; 0 =
// the format has no pages) in the section headed `section` (the text of the nearest heading
// before it: Markdown, HTML, DOCX, ODT and EPUB headings; empty = before the first heading).
struct DocumentPlace {
    qsizetype start = 0;
    int page = 0;
    QString section;
};

// A stretch of a Markdown document's text copied verbatim from the file: text positions from
// `start` up to the next run's start came from the file's bytes from `byteStart` on. A position
// where a run begins maps to that run's first byte, so a range that ends where markup was left
// out ("**bold**" -> "bold") ends after that markup in the file: [byteStart, byteEnd) holds the
// text's characters in order, with only left-out markup between and after them.
struct TextRun {
    qsizetype start = 0;
    qint64 byteStart = 0;
};

struct DocumentText {
    QString path; // as passed to readDocument
    QString text; // the decoded content, byte-order mark removed
    TextEncoding encoding = TextEncoding::Utf8;
    DocumentFormat format = DocumentFormat::PlainText;
    // Sorted by start, the first at 0 when not empty; empty for plain text.
    std::vector<DocumentPlace> places;
    // Markdown only: the text is the file's text with markup left out, and these runs (sorted,
    // the first at 0) say where each kept stretch lies in the file, so that byte offsets stay
    // offsets into the file. Empty otherwise: then the text is the whole file (plain text) or,
    // for formats read by semsearch-extract, text made by the reader, and byte offsets are
    // offsets into that text written as UTF-8.
    std::vector<TextRun> runs;
    qint64 byteSize = 0;    // bytes read = the file's size
    qint64 modifiedMs = 0;  // last modification, ms since the Unix epoch
    qint64 changedMs = 0;   // last status change (ctime: any write, chmod, rename), likewise
    QByteArray contentHash; // SHA-256 of the raw bytes (32 bytes)
    // UTF-8 text with a few bytes that are not UTF-8 (a stray byte, a file cut inside a
    // character): each such byte is one U+FFFD in `text`, and these are their text positions,
    // ascending. Empty for valid text and for every other encoding. A U+FFFD not listed here
    // is a real one in the file (3 bytes).
    std::vector<qsizetype> invalidBytes;

    // The byte offset in the FILE of text position `index` (clamped to 0 .. text.size()); exact
    // for every encoding, byte-order mark counted, and for Markdown through `runs`. (For a
    // DocumentText built in memory or by semsearch-extract: the offset in `text` written with
    // `encoding`.) O(index) for UTF-8, O(1) otherwise: for many
    // positions use byteOffsets().
    qint64 byteOffset(qsizetype index) const;
};

// Reads and decodes one file. Detection, in order: a byte-order mark (UTF-16 LE/BE); a NUL byte
// in the first 8 KiB makes it binary (unless UTF-16 with a byte-order mark); valid UTF-8 (with
// or without its mark); mostly UTF-8: at least as many valid multi-byte sequences (the mark
// counts as one) as bytes that are not UTF-8, which then become U+FFFD one each (see
// DocumentText::invalidBytes); otherwise Latin1 (see TextEncoding), so no text file is ever
// refused for its bytes. (Latin-1 text almost never holds a valid multi-byte sequence, while a
// UTF-8 file with a stray byte holds many: "Café résumé" with one bad byte stays UTF-8, an
// ASCII file with one byte 0x92 reads as Windows-1252's apostrophe.)
// Line endings are kept as they are (\n, \r\n, \r); nothing is normalised, so text positions
// map exactly to byte offsets. (The one byte not in the text: the odd last byte of a UTF-16
// file with an odd size, which is no character.)
//
// Errors, each message "<path>: <problem>" on one line:
//   NotFound     the file does not exist
//   Unsupported  "binary file"; "larger than 20 MiB (31.2 MiB)" when over maxBytes (<= 0: no
//                limit); "not a regular file" (folder, FIFO, device); "UTF-32 text"
//   Io           the system refused to open or read it ("cannot read: Permission denied")
Result<DocumentText> readDocument(const QString& path, qint64 maxBytes = 20 * 1024 * 1024);

// Maps text positions to file byte offsets (as DocumentText::byteOffset) in one pass over the
// text when `sortedPositions` is non-decreasing; unsorted input is still answered correctly,
// only slower. Positions are clamped to 0 .. text.size(). A position inside a surrogate pair
// maps to the start of its code point.
std::vector<qint64> byteOffsets(const DocumentText& document,
                                const std::vector<qsizetype>& sortedPositions);

// The inverse of byteOffsets: maps file byte offsets to text positions, in one pass over the
// text when `sortedByteOffsets` is non-decreasing (unsorted input is answered correctly, only
// slower). An offset inside the byte-order mark maps to 0, one past the end to text.size(). An
// offset inside a character (within a multi-byte UTF-8 sequence, within a UTF-16 code unit, or
// between the halves of a surrogate pair) maps to the start of that character, so
// textPositions(byteOffsets(p)) == p for every p that is not inside a surrogate pair.
std::vector<qsizetype> textPositions(const DocumentText& document,
                                     const std::vector<qint64>& sortedByteOffsets);

// ---------------------------------------------------------------------------------------------
// Reading every format

// Caps on what one document may cost; each exceeded cap skips the file with its reason.
struct ExtractLimits {
    // Text a reader may produce, as UTF-8: "more than 10 MiB of text".
    qint64 maxTextBytes = 10 * 1024 * 1024;
    // PDF pages: "more than 5000 pages (7200)".
    int maxPages = 5000;
    // DOCX, ODT, EPUB: all entries read from the ZIP together, unpacked ("unpacks to more than
    // 256 MiB"), and the number of entries in the archive ("more than 10000 entries").
    qint64 maxUnpackedBytes = 256 * 1024 * 1024;
    int maxEntries = 10000;
};

// How the helper program semsearch-extract is run. One helper reads one file at a time; it is
// started at the first file that needs it and ended with its DocumentReader. When it crashes,
// is killed, overruns a limit or stops answering, it costs that one file (skipped with the
// reason) and a fresh helper reads the next.
struct ExtractorOptions {
    // The program. Empty: semsearch-extract in the folder of the running program (the
    // package installs it beside semsearch and semsearch-cli).
    QString helperPath;
    // Wall-clock time for one file, from sending it to the whole answer: "took longer than
    // 30 s". The helper also stops itself after this much processor time plus 10 s, should it
    // outlive its reader. <= 0: no limit.
    int timeoutMs = 30000;
    // The helper's address space (RLIMIT_AS): a reader that needs more fails its file with
    // "needs more than 1 GiB of memory". <= 0: no limit.
    qint64 memoryLimitBytes = qint64(1) << 30;
    ExtractLimits limits;
};

struct ReadOptions {
    // As readDocument's maxBytes, for files of every format. <= 0: no limit.
    qint64 maxFileBytes = 20 * 1024 * 1024;
    ExtractorOptions extractor;
};

// Reads files of every DocumentFormat into DocumentText (see detectFormat for which is which):
//  - PlainText through readDocument;
//  - Markdown through readDocument, then with the markup that is not words left out: heading
//    marks (their text becomes the section), emphasis and code marks, link and image targets
//    and reference definitions, table pipes and rules, block-quote and list marks, HTML tags and
//    comments, backslashes of escapes. Line breaks all stay, so PassageSpan::line is the file's
//    line, and `runs` keep byte offsets exact;
//  - PDF (text in reading order, words hyphenated at line ends joined, a place per page), HTML
//    (the <title> as the first line, then the body without tags, scripts, styles or hidden
//    elements; headings and blocks end paragraphs), DOCX and ODT (paragraphs, headings, tables
//    and lists in document order, each footnote after its paragraph) and EPUB (the chapters in
//    reading order, read as HTML) through semsearch-extract. Their text uses "\n\n" between
//    paragraphs and pages (no passage spans two pages) and encoding Utf8 (byte offsets are
//    offsets into the extracted text).
// byteSize, modifiedMs and contentHash always describe the file's own bytes.
//
// Not thread-safe: one DocumentReader per thread. The helper is a child process of the calling
// process; a reader must be destroyed (which ends it) before the process forks for other ends.
//
// Errors, each "<path>: <problem>" on one line: readDocument's for every format (NotFound, Io,
// Unsupported "larger than ..."), and Unsupported for a document that cannot be read, e.g.
// "password-protected PDF", "no text layer: scanned pages?", "damaged PDF", "not a ZIP
// archive", "unpacks to more than 256 MiB", "more than 10 MiB of text", "empty document",
// "the PDF reader crashed (signal 11)", "the PDF reader took longer than 30 s", "the PDF reader
// needs more than 1 GiB of memory", "cannot start semsearch-extract (PATH): not found or not
// executable".
class DocumentReader {
public:
    explicit DocumentReader(ReadOptions options = {});
    ~DocumentReader();
    DocumentReader(const DocumentReader&) = delete;
    DocumentReader& operator=(const DocumentReader&) = delete;

    Result<DocumentText> read(const QString& path);

    // Wall-clock seconds spent waiting for semsearch-extract so far (starting it included).
    double extractSeconds() const;
    // How many times a helper was started (1 + restarts after failures); for tests.
    int helperStarts() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// ---------------------------------------------------------------------------------------------
// Cutting into passages

struct PassageSpan {
    qsizetype start = 0; // [start, end) in DocumentText::text, trimmed of surrounding whitespace
    qsizetype end = 0;
    qint64 byteStart = 0; // the same range in the file's bytes
    qint64 byteEnd = 0;
    int line = 1;       // 1-based line of `start` (\n, \r\n and a lone \r each end a line)
    int page = 0;       // DocumentText::places in effect at `start`: the page (0 = none) and
    QString section;    // the section heading (empty = none)
    int tokenCount = 0; // tokenizer.encode(text, 0).size(): word pieces plus [CLS] and [SEP]
    QString text;       // DocumentText::text.mid(start, end - start)
};

// Cuts a document into passages for embedding. A passage is one or more consecutive whole
// sentences whose encoding (with [CLS] and [SEP]) is at most `maxTokens` long.
//
// - Sentences are found with Unicode's rules (QTextBoundaryFinder::Sentence), on a view of the
//   text where a single line break inside a paragraph counts as a space: hard-wrapped prose
//   (a sentence running over several lines) stays one sentence. Positions stay exact.
// - Paragraphs: a blank line (one holding only whitespace), a form feed or U+2029 ends a
//   paragraph, and no passage crosses it; so a heading or list item followed by a blank line is
//   a passage of its own.
// - A sentence too long for maxTokens is cut into pieces that each fit: at line breaks first
//   (keeps code and lists line by line), a line still too long at word boundaries
//   (QTextBoundaryFinder::Word), and a single "word" still too long between characters
//   (grapheme clusters). Pieces of one long sentence are packed together, never with other
//   sentences.
// - Nothing is dropped: every non-whitespace character of the text lies in exactly one passage,
//   passages are in text order and do not overlap. Whitespace-only stretches give no passage.
// - tokenCount <= maxTokens always holds, except for a single character (grapheme cluster) that
//   does not fit even alone, which still gets a passage of its own: in real text only for
//   maxTokens below about 6 (Devanagari "\u0928\u093F" is 2 pieces), but a cluster of many
//   spacing marks can be longer than any limit.
//   Values of maxTokens below 3 count as 3. A passage holding only characters BERT ignores
//   (control or format characters such as U+200B) has tokenCount 2; callers may skip those.
//
// Deterministic. Linear in the text's length in practice: each sentence is tokenized once, and
// each passage of several pieces once more to check its count.
std::vector<PassageSpan> splitPassages(const DocumentText& document,
                                       const WordPieceTokenizer& tokenizer, std::size_t maxTokens);

// A sentence of a text: [start, end) in text positions, trimmed of surrounding whitespace.
struct SentenceSpan {
    qsizetype start = 0;
    qsizetype end = 0;
};

// The sentences of `text` exactly as splitPassages finds them (Unicode's sentence rules, a
// single line break inside a paragraph counted as a space, no sentence crossing a paragraph
// end), in text order; whitespace-only stretches give none. Applied to a passage's text it gives
// the sentences the passage was packed from (a sentence too long for one passage was cut into
// pieces; such a piece holds one sentence or part of one). Deterministic; linear in practice.
std::vector<SentenceSpan> splitSentences(const QString& text);

} // namespace semsearch
