#pragma once

// The file layout of a saved vector cache, checked before FAISS reads a byte of it.
//
// What faiss::write_index writes for an IndexIDMap2 over an IndexFlatIP (faiss 1.7.x, native
// byte order), as offsets into the file:
//     0  "IxM2", then a 33-byte header: int32 d, int64 ntotal, 2 x int64 unused,
//        uint8 is_trained, int32 metric (0 = inner product)
//    37  "IxFI", then the same 33-byte header for the flat index
//    74  uint64 n*d, then n*d float32 (the vectors, row-major)
//        uint64 n, then n int64 (the ids, in row order)
// FAISS trusts the counts it reads and allocates whatever they say before it notices that the
// file is shorter, so a damaged count could ask for terabytes. Checking every count against
// the file's size first means FAISS only ever reads a file whose layout is already known good.

#include "semsearch/error.h"

#include "index/file_descriptor.h"

#include <QString>

#include <cstdint>
#include <utility>

namespace semsearch {

constexpr qint64 kHeaderBytes = 4 + 33;
constexpr qint64 kVectorsCountOffset = 2 * kHeaderBytes;
constexpr qint64 kVectorsOffset = kVectorsCountOffset + 8;
constexpr qint64 kIndexType = 0;  // offset of the fourcc within a header
constexpr qint64 kDimension = 4;  // int32
constexpr qint64 kCount = 8;      // int64
constexpr qint64 kIsTrained = 32; // uint8
constexpr qint64 kMetric = 33;    // int32; faiss::METRIC_INNER_PRODUCT == 0

// Opens a saved index for reading; also gives its size. Refuses anything but a regular file.
Result<std::pair<FileDescriptor, qint64>> openSaved(const QString& path);

// Checks the file open at `fd` (of `fileSize` bytes) against the layout above for vectors of
// `dimension`: Corrupt naming what is wrong, Mismatch for another dimension, Io when it cannot
// be read. Every error message starts with "<path>: ".
Result<void> checkLayout(int fd, const QString& path, qint64 fileSize, int dimension);

// How many vectors the saved cache at `path` holds, of whatever dimension, from its header after
// the layout check (FaissVectorIndex::countIn).
Result<std::int64_t> countVectorsIn(const QString& path);

} // namespace semsearch
