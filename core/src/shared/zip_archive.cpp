#include "shared/zip_archive.h"

#include "shared/printable_name.h"

#include <QString>

#include <algorithm>
#include <array>

// Record layouts from PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.14-16, 4.5.3).

namespace semsearch {

namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

// Little-endian reads; callers check the bounds first.
std::uint16_t read16(const unsigned char* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t read32(const unsigned char* p) {
    return static_cast<std::uint32_t>(read16(p)) |
           (static_cast<std::uint32_t>(read16(p + 2)) << 16);
}
std::uint64_t read64(const unsigned char* p) {
    return static_cast<std::uint64_t>(read32(p)) |
           (static_cast<std::uint64_t>(read32(p + 4)) << 32);
}

// True when [offset, offset + length) lies within [0, limit), without overflow.
bool fits(std::uint64_t offset, std::uint64_t length, std::uint64_t limit) {
    return offset <= limit && length <= limit - offset;
}

Error corrupt(const QString& problem) {
    return makeError(ErrorCode::Corrupt, problem);
}

Error splitArchive() {
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("ZIP archives split over several disks are not supported"));
}

struct EndRecord {
    std::uint64_t entries = 0;
    std::uint64_t directoryOffset = 0;
    std::uint64_t directorySize = 0;
    std::uint64_t directoryLimit = 0; // the directory must end before this offset
};

// Finds the end-of-central-directory record (followed by a comment of up to 64 KiB) and, when
// present, the ZIP64 end record that supersedes its 16- and 32-bit fields.
Result<EndRecord> readEndRecord(const unsigned char* bytes, std::size_t size) {
    if (size < kEndSize)
        return corrupt(QStringLiteral("%1 bytes is too short for a ZIP archive").arg(size));
    std::size_t end = size - kEndSize;
    const std::size_t lowest = end > 0xffff ? end - 0xffff : 0;
    for (;; --end) {
        if (read32(bytes + end) == kEndSignature &&
            fits(end + kEndSize, read16(bytes + end + 20), size))
            break;
        if (end == lowest)
            return corrupt(QStringLiteral("no ZIP end-of-directory record; the file is truncated "
                                          "or not a ZIP archive"));
    }
    const unsigned char* record = bytes + end;
    if (read16(record + 4) != 0 || read16(record + 6) != 0)
        return splitArchive();
    EndRecord result;
    result.entries = read16(record + 10);
    result.directorySize = read32(record + 12);
    result.directoryOffset = read32(record + 16);
    result.directoryLimit = end;
    if (read16(record + 8) != result.entries)
        return corrupt(QStringLiteral("the ZIP end record's entry counts disagree"));

    const bool hasLocator = end >= kZip64LocatorSize &&
                            read32(bytes + end - kZip64LocatorSize) == kZip64LocatorSignature;
    if (!hasLocator) {
        if (result.entries == 0xffff || result.directorySize == 0xffffffff ||
            result.directoryOffset == 0xffffffff)
            return corrupt(QStringLiteral("the ZIP end record needs a ZIP64 record, which is "
                                          "missing"));
        return result;
    }
    const std::size_t locator = end - kZip64LocatorSize;
    const std::uint64_t zip64End = read64(bytes + locator + 8);
    if (!fits(zip64End, kZip64EndSize, locator) || read32(bytes + zip64End) != kZip64EndSignature)
        return corrupt(QStringLiteral("the ZIP64 end record is missing or out of place"));
    const unsigned char* record64 = bytes + zip64End;
    if (read32(record64 + 16) != 0 || read32(record64 + 20) != 0)
        return splitArchive();
    result.entries = read64(record64 + 32);
    result.directorySize = read64(record64 + 40);
    result.directoryOffset = read64(record64 + 48);
    result.directoryLimit = zip64End;
    if (read64(record64 + 24) != result.entries)
        return corrupt(QStringLiteral("the ZIP64 end record's entry counts disagree"));
    return result;
}

// Replaces the 32-bit fields saturated at 0xffffffff with their values from the ZIP64 extra
// field, which holds exactly those, in this order.
Result<void> applyZip64Extra(const unsigned char* extra, std::size_t length, std::uint64_t& size,
                             std::uint64_t& compressedSize, std::uint64_t& localOffset) {
    std::uint64_t* const fields[] = {&size, &compressedSize, &localOffset};
    const bool needed =
        size == 0xffffffff || compressedSize == 0xffffffff || localOffset == 0xffffffff;
    std::size_t pos = 0;
    while (needed && pos + 4 <= length) {
        const std::uint16_t id = read16(extra + pos);
        const std::size_t blockSize = read16(extra + pos + 2);
        pos += 4;
        if (blockSize > length - pos)
            return corrupt(QStringLiteral("a ZIP extra field runs past its entry"));
        if (id == kZip64ExtraId) {
            std::size_t at = pos;
            for (std::uint64_t* field : fields) {
                if (*field != 0xffffffff)
                    continue;
                if (at + 8 > pos + blockSize)
                    return corrupt(QStringLiteral("a ZIP64 extra field is too short"));
                *field = read64(extra + at);
                at += 8;
            }
            return {};
        }
        pos += blockSize;
    }
    if (needed)
        return corrupt(QStringLiteral("a ZIP entry needs a ZIP64 extra field, which is missing"));
    return {};
}

} // namespace

Result<ZipArchive> ZipArchive::read(const unsigned char* bytes, std::size_t size) {
    auto end = readEndRecord(bytes, size);
    if (!end)
        return end.error();
    if (!fits(end->directoryOffset, end->directorySize, end->directoryLimit))
        return corrupt(QStringLiteral("the ZIP central directory lies outside the file; the file "
                                      "is truncated"));
    if (end->entries > end->directorySize / kCentralHeaderSize)
        return corrupt(QStringLiteral("the ZIP central directory is too small for %1 entries")
                           .arg(end->entries));

    ZipArchive archive;
    archive.m_bytes = bytes;
    archive.m_entries.reserve(static_cast<std::size_t>(end->entries));
    std::uint64_t pos = end->directoryOffset;
    const std::uint64_t directoryEnd = end->directoryOffset + end->directorySize;
    for (std::uint64_t i = 0; i < end->entries; ++i) {
        if (!fits(pos, kCentralHeaderSize, directoryEnd) ||
            read32(bytes + pos) != kCentralHeaderSignature)
            return corrupt(QStringLiteral("ZIP directory entry %1 is damaged").arg(i));
        const unsigned char* header = bytes + pos;
        const std::size_t nameLength = read16(header + 28);
        const std::size_t extraLength = read16(header + 30);
        const std::size_t commentLength = read16(header + 32);
        if (!fits(pos + kCentralHeaderSize, nameLength + extraLength + commentLength, directoryEnd))
            return corrupt(QStringLiteral("ZIP directory entry %1 runs past the directory").arg(i));
        ZipEntry entry;
        entry.encrypted = (read16(header + 8) & 1) != 0;
        entry.method = read16(header + 10);
        entry.crc32 = read32(header + 16);
        std::uint64_t compressedSize = read32(header + 20);
        std::uint64_t uncompressedSize = read32(header + 24);
        std::uint64_t localOffset = read32(header + 42);
        entry.name.assign(reinterpret_cast<const char*>(header + kCentralHeaderSize), nameLength);
        if (auto done = applyZip64Extra(header + kCentralHeaderSize + nameLength, extraLength,
                                        uncompressedSize, compressedSize, localOffset);
            !done)
            return makeError(done.error().code, printableName(entry.name) + QStringLiteral(": ") +
                                                    done.error().message);
        pos += kCentralHeaderSize + nameLength + extraLength + commentLength;

        // The data follows the local header, whose name and extra field may differ in length
        // from the directory's copy (torch pads the local extra field to align the data).
        auto damaged = [&](const char* problem) {
            return corrupt(QStringLiteral("ZIP entry '%1': %2")
                               .arg(printableName(entry.name), QLatin1String(problem)));
        };
        if (!fits(localOffset, kLocalHeaderSize, size) ||
            read32(bytes + localOffset) != kLocalHeaderSignature)
            return damaged("local header is missing; the file is truncated or damaged");
        const unsigned char* local = bytes + localOffset;
        const std::size_t localNameLength = read16(local + 26);
        const std::size_t localExtraLength = read16(local + 28);
        if (!fits(localOffset + kLocalHeaderSize, localNameLength + localExtraLength, size) ||
            std::string_view(reinterpret_cast<const char*>(local + kLocalHeaderSize),
                             localNameLength) != entry.name)
            return damaged("local header does not match the directory");
        entry.dataOffset = localOffset + kLocalHeaderSize + localNameLength + localExtraLength;
        entry.size = compressedSize;
        entry.unpackedSize = uncompressedSize;
        if (!fits(entry.dataOffset, entry.size, size))
            return damaged("data runs past the end of the file; the file is truncated");
        if (entry.method == 0 && uncompressedSize != compressedSize)
            return damaged("stored sizes disagree");
        archive.m_entries.push_back(std::move(entry));
    }

    std::sort(archive.m_entries.begin(), archive.m_entries.end(),
              [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });
    const auto duplicate =
        std::adjacent_find(archive.m_entries.begin(), archive.m_entries.end(),
                           [](const ZipEntry& a, const ZipEntry& b) { return a.name == b.name; });
    if (duplicate != archive.m_entries.end())
        return corrupt(
            QStringLiteral("the ZIP archive holds '%1' twice").arg(printableName(duplicate->name)));
    return archive;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
    const auto it = std::lower_bound(
        m_entries.begin(), m_entries.end(), name,
        [](const ZipEntry& entry, std::string_view key) { return entry.name < key; });
    return it != m_entries.end() && it->name == name ? &*it : nullptr;
}

Result<const unsigned char*> ZipArchive::contents(const ZipEntry& entry) const {
    if (entry.encrypted || entry.method != 0)
        return makeError(
            ErrorCode::Unsupported,
            QStringLiteral("ZIP entry '%1' is %2; only stored entries can be read")
                .arg(printableName(entry.name),
                     entry.encrypted ? QStringLiteral("encrypted")
                                     : QStringLiteral("compressed (method %1)").arg(entry.method)));
    return m_bytes + entry.dataOffset;
}

std::uint32_t zipCrc32(const unsigned char* bytes, std::size_t size) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xffffffffu;
    for (std::size_t i = 0; i < size; ++i)
        crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}

} // namespace semsearch
