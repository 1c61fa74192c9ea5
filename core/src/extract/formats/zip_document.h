#pragma once

// A DOCX, ODT or EPUB container: the project's ZIP reader under the extractor's limits (entry
// count, and all entries read together unpacked: a ZIP bomb costs its file, not the helper).

#include "shared/extract_protocol.h"
#include "shared/zip_archive.h"

#include <QByteArray>

#include <string_view>

namespace semsearch::extractor {

class ZipDocument {
public:
    // Unsupported "not a ZIP archive" / "more than N entries"; the ZIP reader's errors for a
    // damaged archive. `bytes` must outlive the document.
    static Result<ZipDocument> open(const QByteArray& bytes, const ExtractLimits& limits);

    bool contains(std::string_view name) const { return m_archive.find(name) != nullptr; }
    // The unpacked entry. NotFound when absent; Unsupported "unpacks to more than 256 MiB"
    // once the entries read so far pass maxUnpackedBytes together; the ZIP reader's errors.
    Result<QByteArray> read(std::string_view name);

private:
    explicit ZipDocument(ZipArchive archive, qint64 budget)
        : m_archive(std::move(archive)), m_budget(budget) {}

    ZipArchive m_archive;
    qint64 m_budget = 0;   // bytes that may still be unpacked; < 0: no limit
    qint64 m_maxBytes = 0; // the limit, for messages
};

// The reply for a failed ZipDocument call: its message as the problem.
ExtractReply zipFailure(const Error& error);

} // namespace semsearch::extractor
