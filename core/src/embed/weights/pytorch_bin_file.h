#pragma once

// Reader for pytorch_model.bin as torch.save (torch >= 1.6) writes it: a ZIP archive of stored
// entries under one folder whose name varies (<archive>/ below):
//   <archive>/data.pkl    the state dict, pickle protocol 2 (read by state_dict_pickle.h, which
//                         refuses anything but tensors; nothing in the file is ever run)
//   <archive>/data/<key>  one record per storage: its raw little-endian elements; several
//                         tensors may view one storage at different offsets (tied weights)
//   <archive>/version, <archive>/byteorder ("little", newer torch; "big" is refused)
// The file is memory-mapped; tensors that are dense row-major views of their storage point into
// the mapping, others (transposed or otherwise strided) are copied into dense form once. Every
// offset, shape and stride is checked against its storage and every storage against the file, so
// a truncated or tampered file fails at open with one line naming the file and the problem. The
// legacy non-zip format of torch < 1.6 is refused (Unsupported).

#include "embed/weights/weights_file.h"

#include <cstdint>

namespace semsearch {

// NotFound, Io, Corrupt (truncation, damage, a pickle that fails its CRC-32, a storage missing
// from the archive or too small for its tensors, strided views whose dense copies would exceed
// the smaller of `maxCopiedBytes` and the file's size) or Unsupported (the legacy format,
// compressed entries, a refused pickle global or opcode, a tensor of more than kMaxTensorRank
// dimensions). The fingerprint covers the file size, the whole pickle and samples of the whole
// file (see sampledFingerprint).
//
// Memory: the views point into the mapping; only strided views are copied, and their copies
// together stay within that bound, which is checked before each copy is made. A real state
// dict's views cover its storages about once, so the file's size is a bound no real file
// reaches; a crafted one (thousands of transposed views of one storage) is refused at once.
Result<WeightsFile> readPytorchBin(const QString& path, std::uint64_t maxCopiedBytes = UINT64_MAX);

} // namespace semsearch
