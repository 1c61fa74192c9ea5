// data.pkl inside a pytorch_model.bin from an untrusted download: the restricted unpickler
// (readStateDictPickle), which must refuse everything but a state dict of tensors.

#include "fuzz_support.h"

#include "embed/weights/state_dict_pickle.h"

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto tensors = readStateDictPickle(data, size);
    if (!tensors)
        return 0;
    for (const PickledTensor& tensor : *tensors) {
        // One stride per dimension, and nothing that a pickle of this size could not describe.
        FUZZ_CHECK(tensor.shape.size() == tensor.stride.size());
        FUZZ_CHECK(tensor.name.size() <= size && tensor.storageKey.size() <= size);
    }
    return 0;
}
