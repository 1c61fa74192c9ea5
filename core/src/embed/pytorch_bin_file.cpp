#include "embed/pytorch_bin_file.h"

#include "embed/state_dict_pickle.h"
#include "embed/zip_archive.h"

#include <cstring>
#include <list>

namespace semsearch {

namespace {

// What the views of a .bin point into: the mapping, plus dense copies of strided tensors.
struct BinOwner {
    std::shared_ptr<const MappedFile> file;
    std::list<std::vector<unsigned char>> copies; // a list: buffers never move once made
};

// The one "<archive>/data.pkl" entry; torch names the folder after the file it saved to.
const ZipEntry* findPickle(const ZipArchive& archive, std::size_t& count) {
    const ZipEntry* found = nullptr;
    count = 0;
    const std::string suffix = "/data.pkl";
    for (const ZipEntry& entry : archive.entries()) {
        const std::string& name = entry.name;
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
            name.find('/') == name.size() - suffix.size()) {
            found = &entry;
            ++count;
        }
    }
    return found;
}

bool isContiguous(const PickledTensor& tensor) {
    std::int64_t expected = 1;
    for (std::size_t i = tensor.shape.size(); i > 0; --i) {
        // A dimension of extent 1 never steps, so its stride does not matter (as in torch).
        if (tensor.shape[i - 1] != 1 && tensor.stride[i - 1] != expected)
            return false;
        expected *= tensor.shape[i - 1];
    }
    return true;
}

// Copies a strided view into dense row-major order. The caller has checked that every element
// lies inside the storage.
std::vector<unsigned char> gather(const unsigned char* storage, std::size_t elementSize,
                                  const PickledTensor& tensor, std::uint64_t elements) {
    std::vector<unsigned char> dense(static_cast<std::size_t>(elements) * elementSize);
    std::vector<std::int64_t> index(tensor.shape.size(), 0);
    for (std::uint64_t k = 0; k < elements; ++k) {
        std::int64_t source = tensor.offset;
        for (std::size_t d = 0; d < index.size(); ++d)
            source += index[d] * tensor.stride[d];
        std::memcpy(dense.data() + k * elementSize,
                    storage + static_cast<std::size_t>(source) * elementSize, elementSize);
        for (std::size_t d = index.size(); d > 0; --d) {
            if (++index[d - 1] < tensor.shape[d - 1])
                break;
            index[d - 1] = 0;
        }
    }
    return dense;
}

} // namespace

Result<WeightsFile> readPytorchBin(const QString& path) {
    auto corrupt = [&](const QString& problem) {
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": ") + problem);
    };
    auto withPath = [&](const Error& error, const QString& where = {}) {
        return makeError(error.code, path + QStringLiteral(": ") + where + error.message);
    };
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const MappedFile& file = **mapped;
    const unsigned char* bytes = file.data();
    if (file.size() >= 2 && bytes[0] == 0x80 && bytes[1] <= 5)
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": written in torch's legacy format (torch older "
                                               "than 1.6), which semsearch does not read; use "
                                               "the model's model.safetensors instead"));
    if (file.size() < 4 || std::memcmp(bytes, "PK\x03\x04", 4) != 0)
        return corrupt(QStringLiteral("not a torch zip archive (no ZIP header at the start)"));

    auto archive = ZipArchive::read(bytes, file.size());
    if (!archive)
        return withPath(archive.error());
    std::size_t pickles = 0;
    const ZipEntry* pickleEntry = findPickle(*archive, pickles);
    if (pickles != 1)
        return corrupt(pickles == 0 ? QStringLiteral("the archive has no data.pkl; it is not a "
                                                     "torch checkpoint")
                                    : QStringLiteral("the archive has several data.pkl"));
    const std::string folder = pickleEntry->name.substr(0, pickleEntry->name.find('/') + 1);

    if (const ZipEntry* order = archive->find(folder + "byteorder")) {
        auto contents = archive->contents(*order);
        if (!contents)
            return withPath(contents.error());
        const std::string value(reinterpret_cast<const char*>(*contents),
                                static_cast<std::size_t>(order->size));
        if (value != "little")
            return makeError(ErrorCode::Unsupported,
                             path + QStringLiteral(": byte order '%1' is not supported (only "
                                                   "little-endian)")
                                        .arg(printableName(value.substr(0, 16))));
    }

    auto pickle = archive->contents(*pickleEntry);
    if (!pickle)
        return withPath(pickle.error());
    const std::size_t pickleSize = static_cast<std::size_t>(pickleEntry->size);
    const QString pickleName = printableName(pickleEntry->name);
    if (zipCrc32(*pickle, pickleSize) != pickleEntry->crc32)
        return corrupt(pickleName + QStringLiteral(" fails its CRC-32 check; the file is damaged"));
    auto pickled = readStateDictPickle(*pickle, pickleSize);
    if (!pickled)
        return withPath(pickled.error(), pickleName + QStringLiteral(", "));

    auto owner = std::make_shared<BinOwner>();
    owner->file = *mapped;
    std::map<std::string, TensorView> tensors;
    std::map<std::string, TensorDType> storageTypes;
    for (const PickledTensor& tensor : *pickled) {
        auto bad = [&](const QString& problem) {
            return corrupt(
                QStringLiteral("tensor '%1': %2").arg(printableName(tensor.name), problem));
        };
        auto refused = [&](const QString& problem) {
            return makeError(
                ErrorCode::Unsupported,
                path +
                    QStringLiteral(": tensor '%1': %2").arg(printableName(tensor.name), problem));
        };
        const std::string storageName = folder + "data/" + tensor.storageKey;
        const ZipEntry* storageEntry = archive->find(storageName);
        if (!storageEntry)
            return bad(QStringLiteral("its storage '%1' is missing from the archive")
                           .arg(printableName(storageName)));
        const auto [type, added] = storageTypes.emplace(tensor.storageKey, tensor.dtype);
        if (!added && type->second != tensor.dtype)
            return bad(QStringLiteral("its storage '%1' is also read as another dtype")
                           .arg(printableName(storageName)));
        auto storage = archive->contents(*storageEntry);
        if (!storage)
            return withPath(storage.error());
        const std::size_t elementSize = dtypeSize(tensor.dtype);
        const std::uint64_t storageElements = static_cast<std::uint64_t>(tensor.storageElements);
        if (storageElements > storageEntry->size / elementSize)
            return bad(QStringLiteral("its storage '%1' holds %2 bytes, too few for %3 "
                                      "elements of %4; the file is truncated or damaged")
                           .arg(printableName(storageName))
                           .arg(storageEntry->size)
                           .arg(storageElements)
                           .arg(dtypeName(tensor.dtype)));

        // Every element the view reaches, offset + sum((extent - 1) * stride), must lie inside
        // the storage; checked step by step so that no product can overflow.
        std::uint64_t elements = 1;
        std::uint64_t last = static_cast<std::uint64_t>(tensor.offset);
        bool outside = last >= storageElements;
        bool repeats = false; // more elements than the storage: stride-0 views, refused
        for (std::size_t d = 0; d < tensor.shape.size(); ++d) {
            const std::uint64_t extent = static_cast<std::uint64_t>(tensor.shape[d]);
            const std::uint64_t stride = static_cast<std::uint64_t>(tensor.stride[d]);
            if (extent == 0) {
                elements = 0;
                break;
            }
            if (elements > storageElements / extent)
                repeats = true;
            else
                elements *= extent;
            if (extent > 1 &&
                stride > (storageElements - std::min(last, storageElements)) / (extent - 1))
                outside = true;
            else
                last += (extent - 1) * stride;
        }
        if (elements != 0 && repeats && !outside)
            return refused(QStringLiteral("it has more elements than its storage '%1' (%2); views "
                                          "that repeat elements are not supported")
                               .arg(printableName(storageName))
                               .arg(storageElements));
        if (elements != 0 && (outside || last >= storageElements))
            return bad(QStringLiteral("its view reaches past the end of its storage '%1' (%2 "
                                      "elements); the file is damaged")
                           .arg(printableName(storageName))
                           .arg(storageElements));

        TensorView view;
        view.dtype = tensor.dtype;
        view.shape = tensor.shape;
        view.byteSize = static_cast<std::size_t>(elements) * elementSize;
        if (elements == 0) {
            view.data = *storage;
        } else if (isContiguous(tensor)) {
            view.data = *storage + static_cast<std::size_t>(tensor.offset) * elementSize;
        } else {
            owner->copies.push_back(gather(*storage, elementSize, tensor, elements));
            view.data = owner->copies.back().data();
        }
        tensors[tensor.name] = std::move(view);
    }

    QString fingerprint = sampledFingerprint(file, *pickle, pickleSize, 0);
    return WeightsFile(path, std::move(owner), std::move(tensors), std::move(fingerprint));
}

} // namespace semsearch
