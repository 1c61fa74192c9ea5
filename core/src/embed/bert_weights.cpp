#include "embed/bert_weights.h"

#include <set>
#include <string_view>

namespace semsearch {

namespace {

// The layer number of a tensor named "[bert.]encoder.layer.<i>.<...>", or -1.
long layerOf(std::string_view name) {
    constexpr std::string_view kPrefix = "bert.";
    constexpr std::string_view kLayer = "encoder.layer.";
    if (name.substr(0, kPrefix.size()) == kPrefix)
        name.remove_prefix(kPrefix.size());
    if (name.substr(0, kLayer.size()) != kLayer)
        return -1;
    name.remove_prefix(kLayer.size());
    long layer = 0;
    std::size_t digits = 0;
    for (; digits < name.size() && digits < 6 && name[digits] >= '0' && name[digits] <= '9';
         ++digits)
        layer = layer * 10 + (name[digits] - '0');
    if (digits == 0 || digits >= name.size() || name[digits] != '.')
        return -1;
    return layer;
}

} // namespace

std::uint64_t bertWeightBytes(const BertConfig& c) {
    const std::uint64_t h = std::uint64_t(c.hiddenSize);
    const std::uint64_t inner = std::uint64_t(c.intermediateSize);
    const std::uint64_t embeddings = (std::uint64_t(c.vocabSize) + std::uint64_t(c.maxPositions) +
                                      std::uint64_t(c.typeVocabSize)) *
                                         h +
                                     2 * h;
    // query, key, value and the attention output (each h x h + h), the intermediate and output
    // dense layers, two LayerNorms.
    const std::uint64_t layer = 4 * (h * h + h) + (inner * h + inner) + (h * inner + h) + 4 * h;
    return (embeddings + std::uint64_t(c.numLayers) * layer) * sizeof(float);
}

Result<void> checkLayerCount(const ModelInfo& model, const WeightsFile& weights) {
    std::set<long> layers;
    for (const auto& [name, view] : weights.tensors()) {
        const long layer = layerOf(name);
        if (layer >= 0)
            layers.insert(layer);
    }
    long present = 0;
    while (layers.count(present))
        ++present;
    if (present >= model.bert.numLayers)
        return {};
    const QString held = present == 0
                             ? QStringLiteral("no encoder layer")
                             : QStringLiteral("encoder layers 0 to %1 only").arg(present - 1);
    return makeError(ErrorCode::Corrupt,
                     QStringLiteral("%1/config.json: num_hidden_layers is %2, but %3 holds %4")
                         .arg(model.folder)
                         .arg(model.bert.numLayers)
                         .arg(weights.path(), held));
}

} // namespace semsearch
