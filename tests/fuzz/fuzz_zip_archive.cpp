// The ZIP archive of a pytorch_model.bin from an untrusted download: the end records, ZIP64
// records, the central directory and the local headers (ZipArchive::read), then every stored
// entry's bytes.

#include "fuzz_support.h"

#include "shared/zip_archive.h"

using namespace semsearch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto archive = ZipArchive::read(data, size);
    if (!archive)
        return 0;
    for (const ZipEntry& entry : archive->entries()) {
        // Every entry's bytes lie inside the archive, and its name finds it.
        FUZZ_CHECK(entry.dataOffset <= size && entry.size <= size - entry.dataOffset);
        FUZZ_CHECK(archive->find(entry.name) == &entry);
        auto contents = archive->contents(entry);
        if (!contents)
            continue;
        FUZZ_CHECK(*contents == data + entry.dataOffset);
        // Reads every byte: ASan reports a read past the input.
        (void)zipCrc32(*contents, std::size_t(entry.size));
    }
    return 0;
}
