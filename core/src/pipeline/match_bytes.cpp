#include "pipeline/match_bytes.h"

namespace semsearch {

namespace {

// The length in the file of the first `characters` of a passage's text.
std::int64_t encodedLength(const QString& text, qsizetype characters, const QString& encoding) {
    if (encoding.startsWith(QLatin1String("utf-16")))
        return 2 * std::int64_t(characters);
    if (encoding == QLatin1String("latin-1"))
        return characters;
    return QStringView(text).left(characters).toUtf8().size();
}

// Whether the indexer may have read `record` as Markdown: by extension (a Markdown file whose
// content looked like another format was read as that format, and its encoding names it).
bool mayBeMarkdown(const DocumentRecord& record) {
    if (detectFormat(record.path, {}) != DocumentFormat::Markdown)
        return false;
    for (DocumentFormat other : {DocumentFormat::Pdf, DocumentFormat::Html, DocumentFormat::Docx,
                                 DocumentFormat::Odt, DocumentFormat::Epub})
        if (record.encoding == formatName(other))
            return false;
    return true;
}

} // namespace

MatchBytes::MatchBytes(const std::vector<DocumentRecord>& documents) {
    for (const DocumentRecord& document : documents)
        m_records.insert(document.id, document);
}

const DocumentText* MatchBytes::markdownOf(const PassageHit& passage) {
    auto cached = m_markdown.find(passage.documentId);
    if (cached == m_markdown.end()) {
        std::optional<DocumentText> document;
        const DocumentRecord record = m_records.value(passage.documentId);
        if (mayBeMarkdown(record)) {
            // Markdown is read in process: this reader never starts semsearch-extract.
            DocumentReader reader;
            auto read = reader.read(record.path);
            if (read && read->format == DocumentFormat::Markdown &&
                read->contentHash == record.contentHash)
                document = std::move(*read);
        }
        cached = m_markdown.insert(passage.documentId, std::move(document));
    }
    return cached->has_value() ? &**cached : nullptr;
}

KeywordMatch MatchBytes::place(const PassageHit& passage, const TextRange& range) {
    KeywordMatch match{range.start, range.end, passage.byteStart, passage.byteEnd};
    const DocumentRecord& record = m_records[passage.documentId];
    if (!mayBeMarkdown(record)) {
        match.byteStart =
            passage.byteStart + encodedLength(passage.text, range.start, record.encoding);
        match.byteEnd = passage.byteStart + encodedLength(passage.text, range.end, record.encoding);
        return match;
    }
    const DocumentText* document = markdownOf(passage);
    if (!document)
        return match;
    const qsizetype first = textPositions(*document, {passage.byteStart}).front();
    if (QStringView(document->text).mid(first, passage.text.size()) != passage.text)
        return match;
    const std::vector<qint64> bytes =
        byteOffsets(*document, {first + range.start, first + range.end});
    match.byteStart = bytes[0];
    match.byteEnd = bytes[1];
    return match;
}

} // namespace semsearch
