#pragma once

// Reader for the safetensors weight format (https://github.com/huggingface/safetensors):
//   8 bytes   little-endian u64 N, the header length
//   N bytes   JSON object: name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an
//             optional "__metadata__" object; offsets are relative to the end of the header
//   rest      raw little-endian tensor data
// The file is memory-mapped, not copied: tensor views point into the mapping and stay valid
// while any copy of the SafetensorsFile lives. Every structural fact is checked at open, so a
// truncated or tampered file fails there with a message naming the file and the problem.

#include "semsearch/error.h"

#include <QString>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace semsearch {

enum class TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };

struct TensorView {
    TensorDType dtype = TensorDType::F32;
    std::vector<std::int64_t> shape;
    const unsigned char* data = nullptr; // little-endian, not necessarily aligned beyond 1 byte
    std::size_t byteSize = 0;

    std::int64_t elementCount() const;
};

QString dtypeName(TensorDType dtype);

class SafetensorsFile {
public:
    static Result<SafetensorsFile> open(const QString& path);

    const QString& path() const { return m_path; }
    const std::map<std::string, TensorView>& tensors() const { return m_tensors; }
    // nullptr when there is no tensor of that name.
    const TensorView* find(const std::string& name) const;
    // A SHA-256 (hex) over the file size, the whole header and 16 spread-out 64 KiB samples of
    // the data: tells two weight files apart in milliseconds, where hashing 440 MB would take
    // seconds at every start.
    QString fingerprint() const;

private:
    struct Mapping;
    QString m_path;
    std::shared_ptr<Mapping> m_mapping;
    std::map<std::string, TensorView> m_tensors;
};

} // namespace semsearch
