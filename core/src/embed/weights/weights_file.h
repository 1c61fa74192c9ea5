#pragma once

// The named tensors of a model's weights file, whatever its format. A model folder holds its
// weights in one of two formats, tried in this order:
//   model.safetensors   Hugging Face's safetensors (safetensors_file.h)
//   pytorch_model.bin   torch.save's zip archive with a pickled state dict (pytorch_bin_file.h)
// Each reader checks every structural fact at open and returns a WeightsFile: views of the
// tensors, pointing into the memory-mapped file (or into copies the WeightsFile owns), valid while
// any copy of the WeightsFile lives. Nothing here depends on LibTorch.

#include "semsearch/error.h"
#include "shared/printable_name.h"

#include <QString>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace semsearch {

// The most dimensions a tensor may have (BERT's have one or two; torch allows more, but no
// weights semsearch reads need them). The readers refuse more before copying a shape, so that
// a crafted file cannot make them build millions of dimensions per tensor.
constexpr std::size_t kMaxTensorRank = 8;

enum class TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };

QString dtypeName(TensorDType dtype); // as safetensors spells it: "F32", "BF16", ...
std::optional<TensorDType> dtypeFromName(const QString& name);
std::size_t dtypeSize(TensorDType dtype);

// A dense, row-major (C-contiguous) tensor.
struct TensorView {
    TensorDType dtype = TensorDType::F32;
    std::vector<std::int64_t> shape;
    const unsigned char* data = nullptr; // little-endian, not necessarily aligned beyond 1 byte
    std::size_t byteSize = 0;            // elementCount() * dtypeSize(dtype)

    std::int64_t elementCount() const;
};

class WeightsFile {
public:
    static constexpr const char* kSafetensorsName = "model.safetensors";
    static constexpr const char* kPytorchBinName = "pytorch_model.bin";

    // Opens the weights of the model in `folder`: model.safetensors when it exists, else
    // pytorch_model.bin. NotFound naming both files when neither exists; otherwise the reader's
    // errors (NotFound, Io, Corrupt, Unsupported), each naming the file. `maxCopiedBytes` bounds
    // the memory a reader may fill with dense copies of strided tensors (readPytorchBin); the
    // embedder passes what the model's config needs (bertWeightBytes).
    static Result<WeightsFile> openInFolder(const QString& folder,
                                            std::uint64_t maxCopiedBytes = UINT64_MAX);

    // For the readers: `owner` keeps whatever the views point into alive.
    WeightsFile(QString path, std::shared_ptr<const void> owner,
                std::map<std::string, TensorView> tensors, QString fingerprint);

    const QString& path() const { return m_path; }
    const std::map<std::string, TensorView>& tensors() const { return m_tensors; }
    // nullptr when there is no tensor of that name.
    const TensorView* find(const std::string& name) const;
    // A SHA-256 (hex) that tells two weight files apart in milliseconds (see
    // sampledFingerprint). It identifies the file, not the numbers: the same weights as
    // safetensors and as pytorch_model.bin have different fingerprints.
    const QString& fingerprint() const { return m_fingerprint; }

private:
    QString m_path;
    std::shared_ptr<const void> m_owner;
    std::map<std::string, TensorView> m_tensors;
    QString m_fingerprint;
};

// A read-only memory map of a whole file. An empty file maps to no bytes (data() == nullptr).
class MappedFile {
public:
    // NotFound when the file does not exist, Io when it cannot be opened or mapped.
    static Result<std::shared_ptr<const MappedFile>> open(const QString& path);
    ~MappedFile();

    const unsigned char* data() const { return m_data; }
    std::size_t size() const { return m_size; }

private:
    MappedFile() = default;
    struct Handle;
    std::unique_ptr<Handle> m_handle;
    const unsigned char* m_data = nullptr;
    std::size_t m_size = 0;
};

// SHA-256 (hex) over the file size as decimal text, `header` (the format's own index of the
// tensors: the safetensors header, the pickle of a .bin), and 16 spread-out 64 KiB samples of the
// bytes from `dataStart` to the end of the file: hashing 440 MB would take seconds at every start.
// An index records it (ModelInfo::weightsFingerprint), so it must never change for a given file.
QString sampledFingerprint(const MappedFile& file, const unsigned char* header,
                           std::size_t headerSize, std::size_t dataStart);

} // namespace semsearch
