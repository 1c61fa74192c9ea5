// ZipArchive::unpack: stored and deflated entries into memory, under a cap. zlib is the one
// library here that has the deflate decoder; its headers stay in this file.

#include "shared/printable_name.h"
#include "shared/zip_archive.h"

#include <zlib.h>

#include <algorithm>

namespace semsearch {

namespace {

constexpr std::uint16_t kStored = 0;
constexpr std::uint16_t kDeflated = 8;
// Output grows by this much at a time, so an entry that lies about its size costs at most one
// step beyond the cap.
constexpr std::size_t kStep = 64 * 1024;

QString entryName(const ZipEntry& entry) {
    return QStringLiteral("ZIP entry '%1'").arg(printableName(entry.name));
}

Error tooLarge(const ZipEntry& entry, std::uint64_t maxBytes) {
    return makeError(
        ErrorCode::Unsupported,
        QStringLiteral("%1 unpacks to more than %2 bytes").arg(entryName(entry)).arg(maxBytes));
}

// Raw deflate (no zlib header, as ZIP stores it) of `size` bytes at `in`.
Result<QByteArray> inflateRaw(const ZipEntry& entry, const unsigned char* in, std::uint64_t size,
                              std::uint64_t maxBytes) {
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
        return makeError(ErrorCode::Internal, QStringLiteral("cannot start zlib's inflate"));
    QByteArray out;
    int status = Z_OK;
    std::uint64_t consumed = 0;
    while (status == Z_OK) {
        if (std::uint64_t(out.size()) > maxBytes) {
            inflateEnd(&stream);
            return tooLarge(entry, maxBytes);
        }
        const qsizetype before = out.size();
        out.resize(before + qsizetype(kStep));
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        stream.avail_out = uInt(kStep);
        if (stream.avail_in == 0 && consumed < size) {
            const std::uint64_t chunk = std::min<std::uint64_t>(size - consumed, 1u << 30);
            stream.next_in = const_cast<Bytef*>(in + consumed);
            stream.avail_in = uInt(chunk);
            consumed += chunk;
        }
        status = inflate(&stream, Z_NO_FLUSH);
        out.resize(before + qsizetype(kStep - stream.avail_out));
        if (status == Z_BUF_ERROR && (stream.avail_in > 0 || consumed < size))
            status = Z_OK; // room ran out, not input: go round again
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END)
        return makeError(
            ErrorCode::Corrupt,
            QStringLiteral("%1: the compressed data is damaged").arg(entryName(entry)));
    if (std::uint64_t(out.size()) > maxBytes)
        return tooLarge(entry, maxBytes);
    return out;
}

} // namespace

Result<QByteArray> ZipArchive::unpack(const ZipEntry& entry, std::uint64_t maxBytes) const {
    if (entry.encrypted)
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("%1 is encrypted").arg(entryName(entry)));
    if (entry.unpackedSize > maxBytes)
        return tooLarge(entry, maxBytes);
    const unsigned char* data = m_bytes + entry.dataOffset;
    QByteArray out;
    if (entry.method == kStored) {
        out = QByteArray(reinterpret_cast<const char*>(data), qsizetype(entry.size));
    } else if (entry.method == kDeflated) {
        auto inflated = inflateRaw(entry, data, entry.size, maxBytes);
        if (!inflated)
            return inflated.error();
        out = std::move(*inflated);
    } else {
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("%1 is compressed with method %2, which is not supported")
                             .arg(entryName(entry))
                             .arg(entry.method));
    }
    if (std::uint64_t(out.size()) != entry.unpackedSize ||
        zipCrc32(reinterpret_cast<const unsigned char*>(out.constData()),
                 std::size_t(out.size())) != entry.crc32)
        return makeError(ErrorCode::Corrupt,
                         QStringLiteral("%1 does not match its size or checksum; the file is "
                                        "damaged")
                             .arg(entryName(entry)));
    return out;
}

} // namespace semsearch
