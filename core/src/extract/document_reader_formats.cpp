// DocumentReader: every format. Text and Markdown are decoded here; the other formats go to
// semsearch-extract through ExtractorClient, which is started at the first file that needs it.

#include "semsearch/extract.h"

#include "extract/extractor_client.h"
#include "extract/file_bytes.h"
#include "extract/markdown_reader.h"

#include <QCryptographicHash>
#include <QElapsedTimer>

#include <optional>

namespace semsearch {

struct DocumentReader::Impl {
    ReadOptions options;
    std::optional<ExtractorClient> extractor;
    double extractSeconds = 0;
};

DocumentReader::DocumentReader(ReadOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = std::move(options);
}

DocumentReader::~DocumentReader() = default;

double DocumentReader::extractSeconds() const {
    return m_impl->extractSeconds;
}

int DocumentReader::helperStarts() const {
    return m_impl->extractor ? m_impl->extractor->starts() : 0;
}

Result<DocumentText> DocumentReader::read(const QString& path) {
    auto file = readFileBytes(path, m_impl->options.maxFileBytes);
    if (!file)
        return file.error();
    const DocumentFormat format = detectFormat(path, file->bytes);
    if (format == DocumentFormat::PlainText)
        return decodeDocument(path, *file);
    if (format == DocumentFormat::Markdown) {
        auto decoded = decodeDocument(path, *file);
        if (!decoded)
            return decoded;
        return readMarkdown(std::move(*decoded));
    }

    if (!m_impl->extractor)
        m_impl->extractor.emplace(m_impl->options.extractor);
    QElapsedTimer clock;
    clock.start();
    ExtractReply reply = m_impl->extractor->extract(format, file->bytes);
    m_impl->extractSeconds += clock.nsecsElapsed() / 1e9;
    if (!reply.ok)
        return makeError(ErrorCode::Unsupported, path + QStringLiteral(": ") + reply.problem);

    DocumentText document;
    document.path = path;
    document.text = std::move(reply.text);
    document.encoding = TextEncoding::Utf8;
    document.format = format;
    document.places = std::move(reply.places);
    document.byteSize = file->bytes.size();
    document.modifiedMs = file->modifiedMs;
    document.changedMs = file->changedMs;
    document.contentHash = QCryptographicHash::hash(file->bytes, QCryptographicHash::Sha256);
    // Text made from a document has no bytes that are not characters: U+FFFD in it is real.
    return document;
}

} // namespace semsearch
