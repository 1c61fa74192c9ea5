// model.safetensors from an untrusted download: the 8-byte header length, the JSON header and
// the tensors' offsets into the data after it (readSafetensors).

#include "fuzz_support.h"

#include "embed/weights/safetensors_file.h"

#include <algorithm>

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QString path = fuzz::writeScratchFile(QStringLiteral("model.safetensors"), data, size);
    auto weights = readSafetensors(path);
    if (!weights)
        return 0;
    for (const auto& [name, view] : weights->tensors()) {
        // Each view holds exactly its shape's bytes, all inside the file. (The count saturates
        // far above any file, so that a product that wrapped around in the reader shows here.)
        const unsigned __int128 saturated = static_cast<unsigned __int128>(1) << 100;
        unsigned __int128 elements = 1;
        for (std::int64_t extent : view.shape) {
            FUZZ_CHECK(extent >= 0);
            elements = std::min(elements * std::uint64_t(extent), saturated);
        }
        FUZZ_CHECK(elements * dtypeSize(view.dtype) == view.byteSize);
        FUZZ_CHECK(view.byteSize <= size);
        unsigned sum = 0; // touches every byte: a view past the mapping faults here
        for (std::size_t i = 0; i < view.byteSize; ++i)
            sum += view.data[i];
        (void)sum;
    }
    return 0;
}
