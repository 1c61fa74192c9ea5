#pragma once

// The extraction layer of the indexing pipeline:
//   walkPaths      files and folders -> the regular files to index (and what was skipped, why)
//   readDocument   one file -> its decoded text, with size, mtime and content hash
//   splitPassages  decoded text -> sentence-based passages that each fit the model's input
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

struct DocumentText {
    QString path; // as passed to readDocument
    QString text; // the decoded content, byte-order mark removed
    TextEncoding encoding = TextEncoding::Utf8;
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
    // for every encoding, byte-order mark counted. (For a DocumentText built in memory: the
    // offset in `text` written with `encoding`.) O(index) for UTF-8, O(1) otherwise: for many
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
// Cutting into passages

struct PassageSpan {
    qsizetype start = 0; // [start, end) in DocumentText::text, trimmed of surrounding whitespace
    qsizetype end = 0;
    qint64 byteStart = 0; // the same range in the file's bytes
    qint64 byteEnd = 0;
    int line = 1;       // 1-based line of `start` (\n, \r\n and a lone \r each end a line)
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
