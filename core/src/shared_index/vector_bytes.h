#pragma once

// A passage's vector as the shared index stores it: dimension x float32, little-endian, in a
// bytea. Every machine reads the bytes back to the same bits (-0.0, denormals, NaN payloads
// included): the floats are copied as 32-bit patterns, never converted.

#include <QByteArray>
#include <QtEndian>

#include <cstdint>
#include <cstring>

namespace semsearch {

inline QByteArray vectorBytes(const float* vector, int dimension) {
    QByteArray bytes(qsizetype(dimension) * 4, Qt::Uninitialized);
    for (int i = 0; i < dimension; ++i) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, vector + i, 4);
        qToLittleEndian(bits, bytes.data() + 4 * qsizetype(i));
    }
    return bytes;
}

// False when `bytes` does not hold exactly `dimension` floats.
inline bool readVectorBytes(const QByteArray& bytes, int dimension, float* vector) {
    if (dimension <= 0 || bytes.size() != qsizetype(dimension) * 4)
        return false;
    for (int i = 0; i < dimension; ++i) {
        const auto bits = qFromLittleEndian<std::uint32_t>(bytes.constData() + 4 * qsizetype(i));
        std::memcpy(vector + i, &bits, 4);
    }
    return true;
}

} // namespace semsearch
