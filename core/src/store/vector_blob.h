#pragma once

// How the store keeps a vector: dim float32 values, little-endian, dim * 4 bytes, no header.
// Fixed byte order keeps an index file portable; on little-endian machines (every platform
// semsearch ships for) encoding is a view of the caller's floats and decoding one memcpy.

#include <QtEndian>

#include <cstddef>
#include <vector>

namespace semsearch {

constexpr std::size_t kBytesPerComponent = sizeof(float);
static_assert(sizeof(float) == 4, "vectors are stored as IEEE float32");

// The bytes to store for `count` floats at `values`: `values` itself on a little-endian host,
// else a converted copy in `scratch`.
inline const void* vectorBlob(const float* values, std::size_t count, std::vector<float>& scratch) {
#if Q_BYTE_ORDER == Q_LITTLE_ENDIAN
    (void)count;
    (void)scratch;
    return values;
#else
    scratch.resize(count);
    qToLittleEndian<float>(values, qsizetype(count), scratch.data());
    return scratch.data();
#endif
}

// Decodes `count` floats from a stored blob (any alignment) into `out`.
inline void readVectorBlob(const void* bytes, std::size_t count, float* out) {
    qFromLittleEndian<float>(bytes, qsizetype(count), out);
}

} // namespace semsearch
