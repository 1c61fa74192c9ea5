#pragma once

// A restricted reader for the pickle inside a pytorch_model.bin (data.pkl): the state dict that
// torch.save writes with pickle protocol 2, mapping tensor names to tensors whose bytes live in
// separate storage records of the archive. It understands exactly what such a pickle needs and
// refuses everything else; nothing in the pickle is ever executed or imported.
//
// Accepted:
//   opcodes   PROTO (<= 2), STOP, MARK, the int, float, bool, None and string opcodes of
//             protocols 0-2 in binary form, tuples, EMPTY_LIST/LIST/APPEND(S),
//             EMPTY_DICT/DICT/SETITEM(S), BINPUT/LONG_BINPUT/BINGET/LONG_BINGET, GLOBAL, REDUCE,
//             BUILD and BINPERSID
//   globals   collections.OrderedDict (called with no arguments; BUILD on it is ignored, it only
//             restores the state dict's _metadata attribute), torch._utils._rebuild_tensor_v2
//             (storage, offset, size, stride, requires_grad, empty backward hooks[, empty
//             metadata]), and the storage types torch.{Float, Half, BFloat16, Double, Long, Int,
//             Short, Char, Byte, Bool}Storage, which may only appear in persistent ids
//   persistent ids   ('storage', <storage type>, key, location, element count)
// Any other global (os.system, builtins.eval, ...) or opcode is refused with an error naming it,
// and so is a tensor of more than kMaxTensorRank dimensions. Every read is bounds-checked; memory
// use is bounded by the pickle's size (each opcode makes at most one value or stack entry, and no
// tensor copies more than kMaxTensorRank sizes and strides, however often its tuples are reused).

#include "embed/weights/weights_file.h"
#include "semsearch/error.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace semsearch {

// One entry of the state dict: a strided view of a storage, as torch describes it. Nothing is
// checked against the storages here; the caller does that.
struct PickledTensor {
    std::string name;
    std::string storageKey; // the storage record is <archive>/data/<storageKey>
    TensorDType dtype = TensorDType::F32;
    std::int64_t storageElements = 0; // the storage's length as pickled, in elements
    std::int64_t offset = 0;          // the first element, in elements
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> stride; // in elements, one per dimension
};

// Reads the state dict, entries in pickle order (a name given twice keeps its last tensor, as a
// Python dict would). Errors (Corrupt for damage, Unsupported for well-formed but refused
// content) say where in the pickle and what; the caller adds the file's name.
Result<std::vector<PickledTensor>> readStateDictPickle(const unsigned char* bytes,
                                                       std::size_t size);

} // namespace semsearch
