#pragma once

// Reader for the safetensors weight format (https://github.com/huggingface/safetensors):
//   8 bytes   little-endian u64 N, the header length
//   N bytes   JSON object: name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an
//             optional "__metadata__" object; offsets are relative to the end of the header
//   rest      raw little-endian tensor data
// The file is memory-mapped, not copied. Every structural fact is checked at open, so a
// truncated or tampered file fails there with a message naming the file and the problem.

#include "embed/weights/weights_file.h"

namespace semsearch {

// NotFound, Io, or Corrupt (a truncated file, a header that is not JSON, an unknown dtype, a
// shape or offsets that disagree with the data). The fingerprint covers the size, the whole
// header and samples of the data (see sampledFingerprint).
Result<WeightsFile> readSafetensors(const QString& path);

} // namespace semsearch
