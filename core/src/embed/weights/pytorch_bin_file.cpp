#include "embed/weights/pytorch_bin_file.h"

#include "embed/weights/state_dict_pickle.h"
#include "shared/zip_archive.h"

#include <algorithm>
#include <cstring>
#include <list>
#include <map>

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

// Where a view reaches in its storage: every element, offset + sum((extent - 1) * stride), must
// lie inside it. Checked step by step so that no product can overflow.
struct ViewExtent {
    std::uint64_t elements = 1;
    std::uint64_t last = 0; // the last element reached, when not `outside`
    bool outside = false;   // a step reaches past the end of the storage
    bool repeats = false;   // more elements than the storage: stride-0 views, refused
};

ViewExtent measure(const PickledTensor& tensor, std::uint64_t storageElements) {
    ViewExtent extent;
    std::uint64_t& last = extent.last;
    last = static_cast<std::uint64_t>(tensor.offset);
    extent.outside = last >= storageElements;
    for (std::size_t d = 0; d < tensor.shape.size(); ++d) {
        const std::uint64_t size = static_cast<std::uint64_t>(tensor.shape[d]);
        const std::uint64_t stride = static_cast<std::uint64_t>(tensor.stride[d]);
        if (size == 0) {
            extent.elements = 0;
            return extent;
        }
        if (extent.elements > storageElements / size)
            extent.repeats = true;
        else
            extent.elements *= size;
        if (size > 1 && stride > (storageElements - std::min(last, storageElements)) / (size - 1))
            extent.outside = true;
        else
            last += (size - 1) * stride;
    }
    return extent;
}

// Reads the tensors of one archive, after its pickle has been read.
class BinTensors {
public:
    BinTensors(const QString& path, const ZipArchive& archive, std::string folder,
               std::uint64_t maxCopiedBytes)
        : m_path(path), m_archive(archive), m_folder(std::move(folder)),
          m_maxCopiedBytes(maxCopiedBytes) {}

    Result<TensorView> read(const PickledTensor& tensor, BinOwner& owner);

private:
    Error error(ErrorCode code, const PickledTensor& tensor, const QString& problem) const {
        return makeError(
            code,
            m_path + QStringLiteral(": tensor '%1': %2").arg(printableName(tensor.name), problem));
    }

    const QString& m_path;
    const ZipArchive& m_archive;
    std::string m_folder;
    std::uint64_t m_maxCopiedBytes;
    std::uint64_t m_copiedBytes = 0;
    std::map<std::string, TensorDType> m_storageTypes;
};

Result<TensorView> BinTensors::read(const PickledTensor& tensor, BinOwner& owner) {
    const std::string storageName = m_folder + "data/" + tensor.storageKey;
    const QString storageText = printableName(storageName);
    const ZipEntry* storageEntry = m_archive.find(storageName);
    if (!storageEntry)
        return error(
            ErrorCode::Corrupt, tensor,
            QStringLiteral("its storage '%1' is missing from the archive").arg(storageText));
    const auto [type, added] = m_storageTypes.emplace(tensor.storageKey, tensor.dtype);
    if (!added && type->second != tensor.dtype)
        return error(
            ErrorCode::Corrupt, tensor,
            QStringLiteral("its storage '%1' is also read as another dtype").arg(storageText));
    auto storage = m_archive.contents(*storageEntry);
    if (!storage)
        return makeError(storage.error().code,
                         m_path + QStringLiteral(": ") + storage.error().message);
    const std::size_t elementSize = dtypeSize(tensor.dtype);
    const std::uint64_t storageElements = static_cast<std::uint64_t>(tensor.storageElements);
    if (storageElements > storageEntry->size / elementSize)
        return error(ErrorCode::Corrupt, tensor,
                     QStringLiteral("its storage '%1' holds %2 bytes, too few for %3 elements of "
                                    "%4; the file is truncated or damaged")
                         .arg(storageText)
                         .arg(storageEntry->size)
                         .arg(storageElements)
                         .arg(dtypeName(tensor.dtype)));
    const ViewExtent extent = measure(tensor, storageElements);
    if (extent.elements != 0 && extent.repeats && !extent.outside)
        return error(ErrorCode::Unsupported, tensor,
                     QStringLiteral("it has more elements than its storage '%1' (%2); views that "
                                    "repeat elements are not supported")
                         .arg(storageText)
                         .arg(storageElements));
    if (extent.elements != 0 && (extent.outside || extent.last >= storageElements))
        return error(ErrorCode::Corrupt, tensor,
                     QStringLiteral("its view reaches past the end of its storage '%1' (%2 "
                                    "elements); the file is damaged")
                         .arg(storageText)
                         .arg(storageElements));

    TensorView view;
    view.dtype = tensor.dtype;
    view.shape = tensor.shape;
    view.byteSize = static_cast<std::size_t>(extent.elements) * elementSize;
    if (extent.elements == 0) {
        view.data = *storage;
    } else if (isContiguous(tensor)) {
        view.data = *storage + static_cast<std::size_t>(tensor.offset) * elementSize;
    } else {
        // Checked before the copy is made: thousands of transposed views of one storage must
        // not fill the memory first.
        if (view.byteSize > m_maxCopiedBytes - m_copiedBytes)
            return error(ErrorCode::Corrupt, tensor,
                         QStringLiteral("its strided view would bring the dense copies of this "
                                        "file's views to more than %1 MB, more than the model "
                                        "needs; the file is damaged or crafted")
                             .arg(double(m_maxCopiedBytes) / 1e6, 0, 'f', 1));
        m_copiedBytes += view.byteSize;
        owner.copies.push_back(gather(*storage, elementSize, tensor, extent.elements));
        view.data = owner.copies.back().data();
    }
    return view;
}

} // namespace

Result<WeightsFile> readPytorchBin(const QString& path, std::uint64_t maxCopiedBytes) {
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
    BinTensors reader(path, *archive, folder, std::min<std::uint64_t>(maxCopiedBytes, file.size()));
    for (const PickledTensor& tensor : *pickled) {
        auto view = reader.read(tensor, *owner);
        if (!view)
            return view.error();
        tensors[tensor.name] = std::move(view).value();
    }

    QString fingerprint = sampledFingerprint(file, *pickle, pickleSize, 0);
    return WeightsFile(path, std::move(owner), std::move(tensors), std::move(fingerprint));
}

} // namespace semsearch
