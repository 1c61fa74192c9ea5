#pragma once

// Builds pytorch_model.bin files byte by byte for tests: a pickle (protocol 2 opcodes as
// torch.save emits them, plus whatever a test wants to smuggle in) and a ZIP archive of stored
// entries, optionally with ZIP64 records. Written from the format descriptions (CPython's
// pickletools, PKWARE's APPNOTE), not from the reader under test.

#include "shared/zip_archive.h"

#include <QByteArray>

#include <cstdint>
#include <string>
#include <vector>

namespace semsearch::test {

class PickleBuilder {
public:
    PickleBuilder() { m_bytes.append("\x80\x02", 2); } // PROTO 2

    PickleBuilder& raw(const QByteArray& bytes) {
        m_bytes.append(bytes);
        return *this;
    }
    PickleBuilder& op(char opcode) {
        m_bytes.append(opcode);
        return *this;
    }
    PickleBuilder& global(const char* module, const char* name) {
        return op('c').raw(QByteArray(module) + '\n' + name + '\n');
    }
    PickleBuilder& string(const QByteArray& text) { // BINUNICODE
        return op('X').raw(le(std::uint32_t(text.size()), 4)).raw(text);
    }
    PickleBuilder& integer(std::int32_t value) { // BININT
        return op('J').raw(le(std::uint32_t(value), 4));
    }
    PickleBuilder& mark() { return op('('); }
    PickleBuilder& tuple() { return op('t'); }
    PickleBuilder& ints(const std::vector<std::int32_t>& values) { // a tuple of ints
        mark();
        for (std::int32_t v : values)
            integer(v);
        return tuple();
    }
    PickleBuilder& emptyOrderedDict() {
        return global("collections", "OrderedDict").op(')').op('R');
    }
    // One state dict entry's value, as torch's Tensor.__reduce_ex__ pickles it:
    // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()).
    PickleBuilder& tensor(const char* storageType, const QByteArray& key, std::int32_t numel,
                          std::int32_t offset, const std::vector<std::int32_t>& shape,
                          const std::vector<std::int32_t>& stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().string("storage").global("torch", storageType).string(key).string("cpu");
        integer(numel).tuple().op('Q');                      // BINPERSID
        integer(offset).ints(shape).ints(stride).op('\x89'); // NEWFALSE
        emptyOrderedDict();
        return tuple().op('R');
    }
    QByteArray finish() { return m_bytes + '.'; } // STOP

    static QByteArray le(std::uint64_t value, int bytes) {
        QByteArray out;
        for (int i = 0; i < bytes; ++i)
            out.append(char((value >> (8 * i)) & 0xff));
        return out;
    }

private:
    QByteArray m_bytes;
};

struct ZipWriteOptions {
    bool zip64 = false;       // saturate sizes and offsets, give them in ZIP64 records
    std::uint16_t method = 0; // 0 = stored; others only label the (uncompressed) bytes
};

// One entry as it is written: its stored bytes, compression method, CRC-32 and unpacked size
// as the archive states them (which a test may make lie).
struct ZipEntryBytes {
    std::string name;
    QByteArray stored;
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t unpackedSize = 0;
};

inline QByteArray writeZipEntries(const std::vector<ZipEntryBytes>& entries, bool zip64 = false) {
    auto le = PickleBuilder::le;
    QByteArray out, directory;
    for (const ZipEntryBytes& entry : entries) {
        const std::string& name = entry.name;
        const QByteArray& data = entry.stored;
        const std::uint64_t offset = std::uint64_t(out.size());
        const std::uint32_t crc = entry.crc;
        const std::uint32_t size32 = zip64 ? 0xffffffffu : std::uint32_t(data.size());
        const std::uint32_t unpacked32 = zip64 ? 0xffffffffu : std::uint32_t(entry.unpackedSize);
        out += le(0x04034b50, 4) + le(45, 2) + le(0, 2) + le(entry.method, 2) + le(0, 4) +
               le(crc, 4) + le(data.size(), 4) + le(entry.unpackedSize, 4) + le(name.size(), 2) +
               le(0, 2) + QByteArray::fromStdString(name) + data;
        const QByteArray extra = zip64 ? le(1, 2) + le(24, 2) + le(entry.unpackedSize, 8) +
                                             le(data.size(), 8) + le(offset, 8)
                                       : QByteArray();
        directory += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(entry.method, 2) +
                     le(0, 4) + le(crc, 4) + le(size32, 4) + le(unpacked32, 4) +
                     le(name.size(), 2) + le(extra.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                     le(0, 4) + le(zip64 ? 0xffffffffu : std::uint32_t(offset), 4) +
                     QByteArray::fromStdString(name) + extra;
    }
    const std::uint64_t directoryOffset = std::uint64_t(out.size());
    out += directory;
    const std::uint64_t count = entries.size();
    if (zip64) {
        const std::uint64_t zip64End = std::uint64_t(out.size());
        out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) +
               le(count, 8) + le(count, 8) + le(directory.size(), 8) + le(directoryOffset, 8);
        out += le(0x07064b50, 4) + le(0, 4) + le(zip64End, 8) + le(1, 4);
        out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xffff, 2) + le(0xffff, 2) +
               le(0xffffffffu, 4) + le(0xffffffffu, 4) + le(0, 2);
    } else {
        out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(count, 2) + le(count, 2) +
               le(directory.size(), 4) + le(directoryOffset, 4) + le(0, 2);
    }
    return out;
}

inline QByteArray writeZip(const std::vector<std::pair<std::string, QByteArray>>& entries,
                           const ZipWriteOptions& options = {}) {
    std::vector<ZipEntryBytes> written;
    for (const auto& [name, data] : entries)
        written.push_back({name, data, options.method,
                           zipCrc32(reinterpret_cast<const unsigned char*>(data.data()),
                                    std::size_t(data.size())),
                           std::uint64_t(data.size())});
    return writeZipEntries(written, options.zip64);
}

// Float32 values as little-endian bytes, a storage record's content.
inline QByteArray floatBytes(const std::vector<float>& values) {
    return QByteArray(reinterpret_cast<const char*>(values.data()),
                      qsizetype(values.size() * sizeof(float)));
}

// A pytorch_model.bin of `views` transposed views (`side` x `side`, float32) of one storage of
// side^2 floats: crafted, with `views` times the storage's size in dense copies to make.
inline QByteArray transposedViewsBin(int views, int side) {
    PickleBuilder p;
    p.emptyOrderedDict().mark();
    for (int i = 0; i < views; ++i)
        p.string("view." + QByteArray::number(i))
            .tensor("FloatStorage", "0", side * side, 0, {side, side}, {1, side});
    const std::vector<float> storage(std::size_t(side) * std::size_t(side), 0.25f);
    return writeZip({{"archive/data.pkl", p.op('u').finish()},
                     {"archive/data/0", floatBytes(storage)},
                     {"archive/byteorder", "little"}});
}

} // namespace semsearch::test
