#pragma once

// The table of contents of a ZIP archive held in memory: pytorch_model.bin as torch.save writes
// it, and the DOCX, ODT and EPUB documents the extractor helper reads. Entries are found through
// the central directory at the end of the file (ZIP64 records are read when the archive or an
// entry exceeds 4 GiB). Stored entries can be read in place (contents()); stored and deflated
// ones can be unpacked into memory under a size cap (unpack()). Everything is bounds-checked
// against the bytes given: a truncated or tampered archive gives an error, never a read outside
// them. Error messages describe the problem only; the caller prefixes the file's name.

#include "semsearch/error.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace semsearch {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0; // 0 = stored; anything else is compressed
    bool encrypted = false;
    std::uint32_t crc32 = 0;
    std::uint64_t dataOffset = 0;   // where the entry's bytes start in the archive
    std::uint64_t size = 0;         // stored bytes (compressed size)
    std::uint64_t unpackedSize = 0; // as the directory says; unpack() checks it
};

class ZipArchive {
public:
    // Reads the central directory and every entry's local header. `bytes` must outlive the
    // archive. Fails (Corrupt) on a missing or inconsistent end record or directory, an entry
    // whose data lies outside the bytes, two entries of one name; Unsupported for archives split
    // over several disks.
    static Result<ZipArchive> read(const unsigned char* bytes, std::size_t size);

    const std::vector<ZipEntry>& entries() const { return m_entries; }
    // nullptr when there is no entry of that name.
    const ZipEntry* find(std::string_view name) const;
    // The bytes of a stored, unencrypted entry. Unsupported for compressed or encrypted ones.
    Result<const unsigned char*> contents(const ZipEntry& entry) const;
    // The unpacked bytes of a stored (method 0) or deflated (method 8) entry, checked against
    // the directory's size and CRC-32 (Corrupt when they disagree or the deflate stream is
    // damaged). Unsupported for encrypted entries and other methods, and when the entry
    // unpacks (or claims to unpack) to more than `maxBytes`: the message then says "unpacks to
    // more than N", and no more than maxBytes + 64 KiB is ever held, whatever the entry claims.
    Result<QByteArray> unpack(const ZipEntry& entry, std::uint64_t maxBytes) const;

private:
    const unsigned char* m_bytes = nullptr;
    std::vector<ZipEntry> m_entries;
};

// CRC-32 as ZIP uses it (ISO-HDLC: polynomial 0xEDB88320 reflected, initial and final XOR ~0).
std::uint32_t zipCrc32(const unsigned char* bytes, std::size_t size);

} // namespace semsearch
