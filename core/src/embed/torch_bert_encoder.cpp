#include "embed/torch_bert_encoder.h"

#include "embed/onednn_layers.h"
#include "embed/pause_point.h"

#include <QStringList>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

namespace semsearch {

namespace {

// `slot` resized to `shape`, allocated on first use as `type`. Its storage only grows: reused
// across calls, the encoder's large intermediate buffers touch fresh memory only when a batch
// outgrows all before it (a fresh page costs a fault, expensive on virtual machines: see
// OneDnnScratchpad).
at::Tensor& reuse(at::Tensor& slot, at::IntArrayRef shape, at::ScalarType type = at::kFloat) {
    if (!slot.defined())
        slot = at::empty(shape, at::TensorOptions().dtype(type));
    else
        slot.resize_(shape);
    return slot;
}

// A dense layer y = x W^T + b followed by its post-op. Measured on the 2-core AVX-512 machines
// this project targets, oneDNN runs BERT-sized fp32 matrix products at ~300-330 GFLOP/s where
// Debian's OpenBLAS, which does not recognise the CPU and falls back to a generic kernel, manages
// ~60. Called directly (OneDnnLinear) it reaches that rate on our dense tensors; through
// at::mkldnn_linear, which converts x and y into and out of oneDNN's tensor type on every call,
// it reached 185-285. bench_embed end to end: 50-53 sentences/s before, 66-68 with OneDnnLinear
// and OneDnnAttention. Fusing GELU and the residual sum into the product measured 64-66 against
// 64-65 unfused, within the noise; it stays because it saves a pass and a buffer per layer.
struct Linear {
    using PostOp = OneDnnLinear::PostOp;

    at::Tensor weight; // [out, in]
    at::Tensor bias;   // [out]
    PostOp postOp = PostOp::None;
    // bf16: whether x comes in and y goes out in bfloat16 (onednn_layers.h, Activations).
    Activations input = Activations::Fp32, output = Activations::Fp32;
    std::optional<OneDnnLinear> dnnl; // the weight lives here then, `weight` is dropped
    // The fallback when OneDnnLinear is unavailable: for at::mkldnn_linear when LibTorch has
    // oneDNN, else `weight` for at::linear.
    at::Tensor packedWeight;

    // `x` is [rows, in]. With PostOp::AddToOutput, `residual` ([rows, out]) is added and may be
    // overwritten: the result is returned, not necessarily in `residual`. Otherwise the result
    // may be written into `buffer` (resized to fit), which the caller keeps across calls.
    Result<at::Tensor> operator()(const at::Tensor& x, const at::Tensor& residual,
                                  at::Tensor& buffer) {
        if (dnnl) {
            const at::Tensor input = x.contiguous();
            const std::int64_t rows = input.size(0);
            // The residual is summed in place: it is the encoder's running state, read by nothing
            // else once this layer runs.
            const at::ScalarType type = output == Activations::Bf16 ? at::kBFloat16 : at::kFloat;
            at::Tensor y = postOp == PostOp::AddToOutput
                               ? residual.contiguous()
                               : reuse(buffer, {rows, bias.size(0)}, type);
            if (auto done = dnnl->forward(input.data_ptr(), rows, y.data_ptr()); !done)
                return done.error();
            return y;
        }
        at::Tensor y = packedWeight.defined()
                           ? at::mkldnn_linear(x.to_mkldnn(), packedWeight, bias).to_dense()
                           : at::linear(x, weight, bias);
        if (postOp == PostOp::GeluErf)
            return at::gelu(y); // exact erf GELU
        if (postOp == PostOp::AddToOutput)
            return y.add_(residual);
        return y;
    }
};

struct LayerNorm {
    at::Tensor weight;
    at::Tensor bias;
};

struct EncoderLayer {
    Linear qkv; // query, key and value fused into one [3H, H] product: one large GEMM beats three
    Linear attentionOutput;
    LayerNorm attentionNorm;
    Linear intermediate;
    Linear output;
    LayerNorm outputNorm;
};

Error torchError(const char* what, const std::exception& e) {
    // c10::Error messages carry a multi-line C++ backtrace; keep the first line.
    std::string message = e.what();
    if (const auto newline = message.find('\n'); newline != std::string::npos)
        message.resize(newline);
    // LibTorch's CPU allocator reports a refused allocation as a c10::Error with this text; the
    // system refused memory, nothing in semsearch broke.
    const bool noMemory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr ||
                          message.find("not enough memory") != std::string::npos;
    return makeError(noMemory ? ErrorCode::Io : ErrorCode::Internal,
                     QStringLiteral("LibTorch failed %1: %2")
                         .arg(QLatin1String(what), QString::fromStdString(message)));
}

} // namespace

struct TorchBertEncoder::Weights {
    ModelInfo model;
    std::optional<WeightsFile> file; // keeps the mapping alive for tensors used in place
    at::Tensor wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings;
    LayerNorm embeddingNorm;
    std::vector<EncoderLayer> layers;
    std::optional<OneDnnAttention> attention; // shared by all layers; else LibTorch's
    // Shared by every oneDNN layer: the encoder runs them one after the other on one thread.
    std::shared_ptr<OneDnnScratchpad> scratchpad = std::make_shared<OneDnnScratchpad>();
    // The intermediate results of a layer, reused by every layer and batch (reuse()).
    at::Tensor qkvBuffer, scoresBuffer, contextBuffer, innerBuffer;

    at::Tensor layerNorm(const at::Tensor& x, const LayerNorm& norm) const {
        return at::layer_norm(x, {model.bert.hiddenSize}, norm.weight, norm.bias,
                              model.bert.layerNormEps);
    }
};

namespace {

// Finds `name` (or "bert." + name) in the file, checks its shape and returns it as a float32
// tensor. F32 data that is 4-byte aligned is used in place, without a copy.
Result<at::Tensor> loadTensor(const WeightsFile& file, const std::string& name,
                              std::vector<std::int64_t> shape) {
    const TensorView* view = file.find(name);
    if (!view)
        view = file.find("bert." + name);
    const QString qname = QString::fromStdString(name);
    if (!view)
        return makeError(ErrorCode::Corrupt,
                         file.path() + QStringLiteral(": tensor '%1' is missing").arg(qname));
    auto shapeText = [](const std::vector<std::int64_t>& s) {
        QStringList parts;
        for (std::int64_t d : s)
            parts << QString::number(d);
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    };
    if (view->shape != shape)
        return makeError(ErrorCode::Corrupt,
                         file.path() + QStringLiteral(": tensor '%1' has shape %2, expected %3 "
                                                      "from config.json")
                                           .arg(qname, shapeText(view->shape), shapeText(shape)));
    at::ScalarType type;
    switch (view->dtype) {
    case TensorDType::F32:
        type = at::kFloat;
        break;
    case TensorDType::F16:
        type = at::kHalf;
        break;
    case TensorDType::BF16:
        type = at::kBFloat16;
        break;
    default:
        return makeError(ErrorCode::Unsupported,
                         file.path() + QStringLiteral(": tensor '%1' has dtype %2; expected a "
                                                      "float type")
                                           .arg(qname, dtypeName(view->dtype)));
    }
    // The data stays owned by the mapping; from_blob never frees it.
    void* data = const_cast<unsigned char*>(view->data);
    const bool aligned = reinterpret_cast<std::uintptr_t>(data) % alignof(float) == 0;
    at::Tensor tensor = at::from_blob(data, shape, at::TensorOptions().dtype(type));
    if (type != at::kFloat || !aligned)
        tensor = tensor.to(at::kFloat, /*non_blocking=*/false, /*copy=*/true);
    return tensor;
}

// Attention on oneDNN for `model`, its products in bf16 when `bf16` and this CPU has the kernel,
// else in fp32; left empty when oneDNN has no fast kernel at all (the encoder then runs
// LibTorch's). True when the products run in bf16.
// LibTorch's attention goes through Debian's OpenBLAS one head at a time plus permute copies:
// 4.1 ms per bert-base layer at 32 x 24 tokens and 76 ms at 32 x 128, against 0.8-1.2 and
// 12-13.5 ms with OneDnnAttention (measured). bf16 runs attention's two products in bf16 too
// (onednn_layers.h has the figures). int8 keeps them in fp32: with them in bf16, bench_embed's
// int8 CPU time on one thread was 7.18 s against 7.25 s (2026-12-06, load 3.5-6), within the
// noise.
bool prepareAttention(const ModelInfo& model, bool bf16,
                      const std::shared_ptr<OneDnnScratchpad>& scratchpad,
                      std::optional<OneDnnAttention>& attention) {
    const std::int64_t heads = model.bert.numHeads;
    const std::int64_t headSize = model.bert.hiddenSize / heads;
    auto made = OneDnnAttention::create(heads, headSize, scratchpad,
                                        bf16 ? Precision::Bf16 : Precision::Fp32);
    const bool inBf16 = bf16 && made.ok();
    if (!made && bf16) // no bf16 kernel: fp32's
        made = OneDnnAttention::create(heads, headSize, scratchpad);
    if (made)
        attention = std::move(*made);
    return inBf16;
}

} // namespace

TorchBertEncoder::TorchBertEncoder(std::unique_ptr<Weights> weights)
    : m_weights(std::move(weights)) {}

TorchBertEncoder::~TorchBertEncoder() = default;

Result<std::unique_ptr<TorchBertEncoder>> TorchBertEncoder::load(const ModelInfo& model,
                                                                 const WeightsFile& file,
                                                                 int threads, Precision precision) {
    const bool useOneDnn = !libTorchEncoderForced();
    if (precision == Precision::Auto)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the encoder needs a resolved precision, not auto"));
    if (precision != Precision::Fp32 && !useOneDnn)
        return makeError(ErrorCode::Unsupported,
                         QStringLiteral("%1 runs on oneDNN only, and SEMSEARCH_ENCODER=libtorch "
                                        "asks for the LibTorch encoder")
                             .arg(precisionName(precision)));
    try {
        at::set_num_threads(std::max(1, threads));
        c10::InferenceMode inference;
        auto weights = std::make_unique<Weights>();
        weights->model = model;
        weights->file = file;
        const std::int64_t h = model.bert.hiddenSize;
        const std::int64_t inner = model.bert.intermediateSize;
        const bool packWeights = at::hasMKLDNN();

        std::optional<Error> failure;
        auto tensor = [&](const std::string& name, std::vector<std::int64_t> shape) {
            if (failure)
                return at::Tensor();
            auto loaded = loadTensor(file, name, std::move(shape));
            if (!loaded) {
                failure = loaded.error();
                return at::Tensor();
            }
            return *loaded;
        };
        auto linear = [&](const std::string& prefix, std::int64_t out, std::int64_t in) {
            Linear layer;
            layer.weight = tensor(prefix + ".weight", {out, in});
            layer.bias = tensor(prefix + ".bias", {out});
            return layer;
        };
        auto norm = [&](const std::string& prefix) {
            return LayerNorm{tensor(prefix + ".weight", {h}), tensor(prefix + ".bias", {h})};
        };
        auto pack = [&](Linear& layer, Linear::PostOp postOp, Activations input = Activations::Fp32,
                        Activations output = Activations::Fp32) {
            layer.postOp = postOp;
            layer.input = input;
            layer.output = output;
            if (failure)
                return;
            const at::Tensor weight = layer.weight.contiguous();
            const at::Tensor bias = layer.bias.contiguous();
            auto dnnl = useOneDnn
                            ? OneDnnLinear::create(weight.data_ptr<float>(), bias.data_ptr<float>(),
                                                   weight.size(0), weight.size(1), postOp,
                                                   precision, weights->scratchpad, input, output)
                            : Result<OneDnnLinear>(makeError(ErrorCode::Unsupported, {}));
            if (!dnnl && precision != Precision::Fp32) {
                // A fast precision has no fallback: LibTorch's path is fp32.
                failure = makeError(ErrorCode::Unsupported,
                                    QStringLiteral("%1 cannot run here: %2")
                                        .arg(precisionName(precision), dnnl.error().message));
            } else if (dnnl) {
                layer.dnnl = std::move(*dnnl);
                layer.weight = at::Tensor(); // oneDNN's packed copy replaces it
            } else if (packWeights) {
                layer.packedWeight = layer.weight.to_mkldnn();
                layer.weight = at::Tensor(); // the packed copy replaces it
            }
        };

        const bool bf16 = precision == Precision::Bf16;
        const bool bf16Attention =
            useOneDnn && prepareAttention(model, bf16, weights->scratchpad, weights->attention);
        // In bf16 the products hand each other bfloat16 wherever no fp32 step comes between:
        // the projection to attention in bf16 and back, the intermediate layer to the output.
        const Activations toAttention = bf16Attention ? Activations::Bf16 : Activations::Fp32;
        const Activations toOutput = bf16 ? Activations::Bf16 : Activations::Fp32;
        weights->wordEmbeddings =
            tensor("embeddings.word_embeddings.weight", {model.bert.vocabSize, h});
        weights->positionEmbeddings =
            tensor("embeddings.position_embeddings.weight", {model.bert.maxPositions, h});
        weights->tokenTypeEmbeddings =
            tensor("embeddings.token_type_embeddings.weight", {model.bert.typeVocabSize, h});
        weights->embeddingNorm = norm("embeddings.LayerNorm");
        for (int i = 0; i < model.bert.numLayers && !failure; ++i) {
            const std::string p = "encoder.layer." + std::to_string(i);
            EncoderLayer layer;
            const Linear q = linear(p + ".attention.self.query", h, h);
            const Linear k = linear(p + ".attention.self.key", h, h);
            const Linear v = linear(p + ".attention.self.value", h, h);
            if (!failure) {
                layer.qkv.weight = at::cat({q.weight, k.weight, v.weight});
                layer.qkv.bias = at::cat({q.bias, k.bias, v.bias});
            }
            layer.attentionOutput = linear(p + ".attention.output.dense", h, h);
            layer.attentionNorm = norm(p + ".attention.output.LayerNorm");
            layer.intermediate = linear(p + ".intermediate.dense", inner, h);
            layer.output = linear(p + ".output.dense", h, inner);
            layer.outputNorm = norm(p + ".output.LayerNorm");
            pack(layer.qkv, Linear::PostOp::None, Activations::Fp32, toAttention);
            pack(layer.attentionOutput, Linear::PostOp::AddToOutput, toAttention);
            pack(layer.intermediate, Linear::PostOp::GeluErf, Activations::Fp32, toOutput);
            pack(layer.output, Linear::PostOp::AddToOutput, toOutput);
            weights->layers.push_back(std::move(layer));
        }
        if (failure)
            return *failure;
        return std::unique_ptr<TorchBertEncoder>(new TorchBertEncoder(std::move(weights)));
    } catch (const std::exception& e) {
        return torchError("while loading the model weights", e);
    }
}

namespace {

// One vector per text from its tokens' last hidden states [b, t, h] and the attention mask
// [b, t], as the model's pooling and normalisation say; contiguous.
at::Tensor poolTokens(const at::Tensor& tokens, const at::Tensor& mask, const ModelInfo& model) {
    const at::Tensor expandedMask = mask.unsqueeze(-1); // [b, t, 1]
    at::Tensor pooled;
    switch (model.pooling) {
    case Pooling::Max:
        // sentence-transformers' recipe: padding set to -1e9, then the max over tokens.
        pooled = std::get<0>(tokens.masked_fill(expandedMask == 0, -1e9).max(1));
        break;
    case Pooling::Mean:
        pooled = (tokens * expandedMask).sum(1) / expandedMask.sum(1).clamp_min(1e-9);
        break;
    case Pooling::Cls:
        pooled = tokens.select(1, 0);
        break;
    }
    if (model.normalize) // torch.nn.functional.normalize(p=2, dim=1, eps=1e-12)
        pooled = pooled / pooled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
    return pooled.contiguous();
}

} // namespace

Result<void> TorchBertEncoder::encode(const std::vector<const std::vector<TokenId>*>& batch,
                                      const std::vector<float*>& out) {
    if (batch.empty())
        return {};
    Weights& w = *m_weights;
    const ModelInfo& model = w.model;
    const std::int64_t b = static_cast<std::int64_t>(batch.size());
    std::int64_t t = 0;
    for (const auto* ids : batch)
        t = std::max<std::int64_t>(t, static_cast<std::int64_t>(ids->size()));
    if (t < 1 || t > model.bert.maxPositions)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("a text has %1 tokens; the model takes 1 to %2")
                             .arg(t)
                             .arg(model.bert.maxPositions));
    try {
        // oneDNN runs on this thread's OpenMP thread count; LibTorch sets it from
        // at::set_num_threads on a thread's first parallel operation, so do that first.
        at::internal::lazy_init_num_threads();
        c10::InferenceMode inference;
        const std::int64_t h = model.bert.hiddenSize;
        const std::int64_t heads = model.bert.numHeads;
        const std::int64_t headSize = h / heads;

        // Padded ids and the attention mask. The mask comes from the lengths, never from
        // id == [PAD]: a literal "[PAD]" in the text is a real token with mask 1.
        at::Tensor ids = at::zeros({b, t}, at::kLong);
        at::Tensor mask = at::zeros({b, t}, at::kFloat);
        auto idsAccess = ids.accessor<std::int64_t, 2>();
        auto maskAccess = mask.accessor<float, 2>();
        for (std::int64_t i = 0; i < b; ++i) {
            const std::vector<TokenId>& row = *batch[static_cast<std::size_t>(i)];
            for (std::size_t j = 0; j < row.size(); ++j) {
                if (row[j] < 0 || row[j] >= model.bert.vocabSize)
                    return makeError(
                        ErrorCode::InvalidArgument,
                        QStringLiteral("token id %1 is outside the vocabulary").arg(row[j]));
                idsAccess[i][static_cast<std::int64_t>(j)] = row[j];
                maskAccess[i][static_cast<std::int64_t>(j)] = 1.0f;
            }
        }

        // Embeddings: word + position + token type 0, then LayerNorm.
        at::Tensor x = w.wordEmbeddings.index_select(0, ids.reshape({-1})).view({b, t, h});
        x = x + w.positionEmbeddings.narrow(0, 0, t).unsqueeze(0) + w.tokenTypeEmbeddings[0];
        x = w.layerNorm(x, w.embeddingNorm).reshape({b * t, h});

        // Additive attention mask as in transformers: 0 for real keys, the lowest float for
        // padding, so padded keys get exactly zero weight after softmax.
        const at::Tensor attentionBias =
            ((1.0f - mask) * std::numeric_limits<float>::lowest()).view({b, 1, 1, t});
        const double scale = std::sqrt(static_cast<double>(headSize));

        for (EncoderLayer& layer : w.layers) {
            // Here the call holds nothing of the shared buffers (the layer's intermediates in
            // w.*Buffer, the oneDNN scratchpad): `x` is its own tensor. So the pause point may
            // run another call on this encoder (pause_point.h).
            embeddingPausePoint();
            auto qkvOut = layer.qkv(x, {}, w.qkvBuffer);
            if (!qkvOut)
                return qkvOut.error();
            at::Tensor context;
            if (w.attention) {
                const at::Tensor qkv = qkvOut->contiguous();
                const at::Tensor scores = reuse(w.scoresBuffer, {b, heads, t, t});
                context = reuse(w.contextBuffer, {b * t, h}, qkv.scalar_type());
                if (auto done =
                        w.attention->forward(qkv.data_ptr(), attentionBias.data_ptr<float>(), b, t,
                                             scores.data_ptr<float>(), context.data_ptr());
                    !done)
                    return done.error();
            } else {
                const at::Tensor qkv = qkvOut->view({b, t, 3, heads, headSize})
                                           .permute({2, 0, 3, 1, 4}); // [3, b, heads, t, headSize]
                const at::Tensor scores =
                    at::matmul(qkv[0], qkv[1].transpose(-1, -2)).div_(scale).add_(attentionBias);
                const at::Tensor probabilities = at::softmax(scores, -1);
                context =
                    at::matmul(probabilities, qkv[2]).permute({0, 2, 1, 3}).reshape({b * t, h});
            }
            at::Tensor unused;
            auto attended = layer.attentionOutput(context, x, unused);
            if (!attended)
                return attended.error();
            x = w.layerNorm(*attended, layer.attentionNorm);
            auto inner = layer.intermediate(x, {}, w.innerBuffer);
            if (!inner)
                return inner.error();
            auto output = layer.output(*inner, x, unused);
            if (!output)
                return output.error();
            x = w.layerNorm(*output, layer.outputNorm);
        }

        const at::Tensor pooled = poolTokens(x.view({b, t, h}), mask, model);
        const float* result = pooled.data_ptr<float>();
        for (std::int64_t i = 0; i < b; ++i)
            std::memcpy(out[static_cast<std::size_t>(i)], result + i * h,
                        static_cast<std::size_t>(h) * sizeof(float));
        return {};
    } catch (const std::exception& e) {
        return torchError("while running the model", e);
    }
}

} // namespace semsearch
