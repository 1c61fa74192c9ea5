#include "extract/formats/zip_document.h"

#include "extract/byte_size_text.h"
#include "extract/formats/readers.h"

#include <limits>

namespace semsearch::extractor {

Result<ZipDocument> ZipDocument::open(const QByteArray& bytes, const ExtractLimits& limits) {
    if (!bytes.startsWith("PK\x03\x04"))
        return makeError(ErrorCode::Unsupported, QStringLiteral("not a ZIP archive"));
    auto archive = ZipArchive::read(reinterpret_cast<const unsigned char*>(bytes.constData()),
                                    std::size_t(bytes.size()));
    if (!archive)
        return makeError(archive.error().code,
                         QStringLiteral("damaged ZIP archive: ") + archive.error().message);
    if (limits.maxEntries > 0 && archive->entries().size() > std::size_t(limits.maxEntries))
        return makeError(ErrorCode::Unsupported, QStringLiteral("more than %1 entries in the ZIP "
                                                                "archive (%2)")
                                                     .arg(limits.maxEntries)
                                                     .arg(archive->entries().size()));
    ZipDocument document(std::move(*archive),
                         limits.maxUnpackedBytes > 0 ? limits.maxUnpackedBytes : -1);
    document.m_maxBytes = limits.maxUnpackedBytes;
    return document;
}

Result<QByteArray> ZipDocument::read(std::string_view name) {
    const ZipEntry* entry = m_archive.find(name);
    if (!entry)
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("no %1 in the archive")
                             .arg(QString::fromUtf8(name.data(), qsizetype(name.size()))));
    const std::uint64_t allowed =
        m_budget < 0 ? std::uint64_t(std::numeric_limits<qint64>::max()) : std::uint64_t(m_budget);
    auto unpacked = m_archive.unpack(*entry, allowed);
    if (!unpacked) {
        // unpack's one Unsupported error for a readable entry is its size.
        const bool readable = !entry->encrypted && (entry->method == 0 || entry->method == 8);
        if (unpacked.error().code == ErrorCode::Unsupported && readable)
            return makeError(ErrorCode::Unsupported,
                             QStringLiteral("unpacks to more than %1 (a ZIP bomb?)")
                                 .arg(detail::byteSizeText(m_maxBytes)));
        return makeError(unpacked.error().code,
                         QStringLiteral("damaged ZIP archive: ") + unpacked.error().message);
    }
    if (m_budget >= 0)
        m_budget -= unpacked->size();
    return unpacked;
}

ExtractReply zipFailure(const Error& error) {
    return failure(error.message);
}

} // namespace semsearch::extractor
