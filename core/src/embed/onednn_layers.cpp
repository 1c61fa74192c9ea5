#include "embed/onednn_layers.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <QString>

#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace semsearch {

namespace {

using Memory = dnnl::memory;
using Dims = dnnl::memory::dims;
using Tag = dnnl::memory::format_tag;
using Type = dnnl::memory::data_type;

// The row count whose primitive picks the weight layout. Any would do: for every row count from
// 1 to 16384 and the bert-base shapes (K, N in 768, 2304, 3072) oneDNN 2.6 chose the same
// layout (BA16a64b for its brgemm kernel); later primitives are created with that layout fixed.
constexpr std::int64_t kLayoutRows = 1024;

// One matmul primitive per row count (batch x padded length), cached. Measured with bert-base
// shapes at 256-4096 rows on 2 threads: matmul with fixed rows (oneDNN's brgemm kernel) ran at
// 300-330 GFLOP/s, inner_product at 293-321, and one matmul with runtime rows
// (DNNL_RUNTIME_DIM_VAL, which gets the older gemm:jit kernel) at 260-335, slowest on the
// 768 -> 3072 layer. Creating a primitive for a new row count costs 0.1-0.3 ms, against ~150 ms
// for the 12 layers of even a small batch (32 texts of 8 tokens), so the cache only needs to
// stop unbounded growth: padded texts give up to batch size x max positions row counts.
constexpr std::size_t kMaxCachedPrimitives = 64;
constexpr std::size_t kMaxCachedShapes = 64; // the same for attention, by (batch, tokens)

const dnnl::engine& cpuEngine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

Error dnnlError(const char* what, const std::exception& e) {
    return makeError(ErrorCode::Internal,
                     QStringLiteral("oneDNN failed %1: %2")
                         .arg(QLatin1String(what), QString::fromUtf8(e.what())));
}

// oneDNN always has reference kernels, far slower than LibTorch's own path (Debian's OpenBLAS);
// on a CPU oneDNN has no optimised kernel for, the caller keeps that path.
bool isReference(const std::string& kernel) {
    return kernel.rfind("ref", 0) == 0;
}

Error referenceOnly(const std::string& kernel) {
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("oneDNN has only its reference kernel (%1) for this CPU")
                         .arg(QString::fromStdString(kernel)));
}

} // namespace

struct OneDnnLinear::Impl {
    std::int64_t in = 0;
    std::int64_t out = 0;
    dnnl::primitive_attr attributes;
    std::vector<float> biasData;
    Memory bias;   // [1, out], over biasData
    Memory weight; // [in, out] in the blocked layout, owned by oneDNN
    dnnl::stream stream;
    std::unordered_map<std::int64_t, dnnl::matmul> primitives; // by row count

    dnnl::matmul::primitive_desc describe(std::int64_t rows, const Memory::desc& weightDesc) const {
        const Memory::desc src({rows, in}, Type::f32, Tag::ab);
        const Memory::desc dst({rows, out}, Type::f32, Tag::ab);
        return dnnl::matmul::primitive_desc(
            dnnl::matmul::desc(src, weightDesc, bias.get_desc(), dst), attributes, cpuEngine());
    }
};

OneDnnLinear::OneDnnLinear(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
OneDnnLinear::OneDnnLinear(OneDnnLinear&&) noexcept = default;
OneDnnLinear& OneDnnLinear::operator=(OneDnnLinear&&) noexcept = default;
OneDnnLinear::~OneDnnLinear() = default;

Result<OneDnnLinear> OneDnnLinear::create(const float* weight, const float* bias, std::int64_t out,
                                          std::int64_t in, PostOp postOp) {
    try {
        const dnnl::engine& engine = cpuEngine();
        auto impl = std::make_unique<Impl>();
        impl->in = in;
        impl->out = out;
        impl->stream = dnnl::stream(engine);
        impl->biasData.assign(bias, bias + out);
        impl->bias = Memory({{1, out}, Type::f32, Tag::ab}, engine, impl->biasData.data());

        dnnl::post_ops ops;
        if (postOp == PostOp::GeluErf)
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
        else if (postOp == PostOp::AddToOutput)
            ops.append_sum(1.0f);
        impl->attributes.set_post_ops(ops);

        const auto layout =
            impl->describe(kLayoutRows, Memory::desc({in, out}, Type::f32, Tag::any));
        if (const std::string kernel = layout.impl_info_str(); isReference(kernel))
            return referenceOnly(kernel);

        // W is [out, in] row-major, i.e. the [in, out] matrix oneDNN multiplies by, column-major.
        impl->weight = Memory(layout.weights_desc(), engine);
        Memory plain({{in, out}, Type::f32, Tag::ba}, engine, const_cast<float*>(weight));
        dnnl::reorder(plain, impl->weight).execute(impl->stream, plain, impl->weight);
        impl->stream.wait();
        return OneDnnLinear(std::move(impl));
    } catch (const std::exception& e) {
        return dnnlError("to prepare a dense layer", e);
    }
}

Result<void> OneDnnLinear::forward(const float* x, std::int64_t rows, float* y) {
    if (rows < 1)
        return {};
    Impl& d = *m_impl;
    try {
        auto primitive = d.primitives.find(rows);
        if (primitive == d.primitives.end()) {
            if (d.primitives.size() >= kMaxCachedPrimitives)
                d.primitives.clear();
            primitive =
                d.primitives.emplace(rows, dnnl::matmul(d.describe(rows, d.weight.get_desc())))
                    .first;
        }
        const dnnl::engine& engine = cpuEngine();
        Memory src({{rows, d.in}, Type::f32, Tag::ab}, engine, const_cast<float*>(x));
        Memory dst({{rows, d.out}, Type::f32, Tag::ab}, engine, y);
        primitive->second.execute(d.stream, {{DNNL_ARG_SRC, src},
                                             {DNNL_ARG_WEIGHTS, d.weight},
                                             {DNNL_ARG_BIAS, d.bias},
                                             {DNNL_ARG_DST, dst}});
        d.stream.wait();
        return {};
    } catch (const std::exception& e) {
        return dnnlError("in a dense layer", e);
    }
}

struct OneDnnAttention::Impl {
    std::int64_t heads = 0;
    std::int64_t headSize = 0;
    float sqrtHeadSize = 0.0f; // the scores are divided by it, exactly as in transformers
    dnnl::stream stream;

    // For one batch shape: Q K^T / sqrt(headSize) + mask, softmax, P V.
    struct Shape {
        Memory::desc query, keyTransposed, value, scores, mask, context;
        dnnl::matmul scoresProduct;
        dnnl::softmax_forward softmax;
        dnnl::matmul contextProduct;
        std::string referenceKernel; // the first of the three that is a reference kernel, if any
    };
    std::map<std::pair<std::int64_t, std::int64_t>, Shape> shapes; // by (batch, tokens)

    // Builds the primitives for one batch shape; throws dnnl::error.
    Shape describe(std::int64_t batch, std::int64_t tokens) const {
        const dnnl::engine& engine = cpuEngine();
        const std::int64_t hidden = heads * headSize;
        const std::int64_t qkvRow = 3 * hidden;
        Shape s;
        // Head h of token j of text i starts at qkv[(i * tokens + j) * qkvRow + h * headSize]
        // (+ hidden for the key, + 2 hidden for the value): [batch, heads, tokens, headSize]
        // with these strides. The key is read transposed by swapping its last two strides.
        s.query = Memory::desc({batch, heads, tokens, headSize}, Type::f32,
                               Dims{tokens * qkvRow, headSize, qkvRow, 1});
        s.keyTransposed = Memory::desc({batch, heads, headSize, tokens}, Type::f32,
                                       Dims{tokens * qkvRow, headSize, 1, qkvRow});
        s.value = s.query;
        s.scores = Memory::desc({batch, heads, tokens, tokens}, Type::f32, Tag::abcd);
        s.mask = Memory::desc({batch, 1, 1, tokens}, Type::f32, Tag::abcd);
        // The context in [batch, tokens, heads, headSize] order, i.e. [batch * tokens, hidden].
        s.context = Memory::desc({batch, heads, tokens, headSize}, Type::f32,
                                 Dims{tokens * hidden, headSize, hidden, 1});

        dnnl::post_ops ops;
        ops.append_binary(dnnl::algorithm::binary_div,
                          Memory::desc({1, 1, 1, 1}, Type::f32, Tag::abcd));
        ops.append_binary(dnnl::algorithm::binary_add, s.mask);
        dnnl::primitive_attr attributes;
        attributes.set_post_ops(ops);
        const dnnl::matmul::primitive_desc scoresDesc(
            dnnl::matmul::desc(s.query, s.keyTransposed, s.scores), attributes, engine);
        const dnnl::softmax_forward::primitive_desc softmaxDesc(
            dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, s.scores, 3), engine);
        const dnnl::matmul::primitive_desc contextDesc(
            dnnl::matmul::desc(s.scores, s.value, s.context), engine);
        for (const char* kernel : {scoresDesc.impl_info_str(), softmaxDesc.impl_info_str(),
                                   contextDesc.impl_info_str()}) {
            if (s.referenceKernel.empty() && isReference(kernel))
                s.referenceKernel = kernel;
        }
        s.scoresProduct = dnnl::matmul(scoresDesc);
        s.softmax = dnnl::softmax_forward(softmaxDesc);
        s.contextProduct = dnnl::matmul(contextDesc);
        return s;
    }
};

OneDnnAttention::OneDnnAttention(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
OneDnnAttention::OneDnnAttention(OneDnnAttention&&) noexcept = default;
OneDnnAttention& OneDnnAttention::operator=(OneDnnAttention&&) noexcept = default;
OneDnnAttention::~OneDnnAttention() = default;

Result<OneDnnAttention> OneDnnAttention::create(std::int64_t heads, std::int64_t headSize) {
    auto impl = std::make_unique<Impl>();
    impl->heads = heads;
    impl->headSize = headSize;
    impl->sqrtHeadSize = static_cast<float>(std::sqrt(static_cast<double>(headSize)));
    try {
        impl->stream = dnnl::stream(cpuEngine());
        // A small shape shows which kernels oneDNN has for this CPU.
        if (const auto probe = impl->describe(2, 8); !probe.referenceKernel.empty())
            return referenceOnly(probe.referenceKernel);
        return OneDnnAttention(std::move(impl));
    } catch (const std::exception& e) {
        return dnnlError("to prepare attention", e);
    }
}

Result<void> OneDnnAttention::forward(const float* qkv, const float* maskBias, std::int64_t batch,
                                      std::int64_t tokens, float* scores, float* context) {
    if (batch < 1 || tokens < 1)
        return {};
    Impl& d = *m_impl;
    try {
        auto shape = d.shapes.find({batch, tokens});
        if (shape == d.shapes.end()) {
            if (d.shapes.size() >= kMaxCachedShapes)
                d.shapes.clear();
            shape =
                d.shapes.emplace(std::make_pair(batch, tokens), d.describe(batch, tokens)).first;
        }
        const Impl::Shape& s = shape->second;
        const dnnl::engine& engine = cpuEngine();
        const std::int64_t hidden = d.heads * d.headSize;
        float* input = const_cast<float*>(qkv);
        Memory query(s.query, engine, input);
        Memory key(s.keyTransposed, engine, input + hidden);
        Memory value(s.value, engine, input + 2 * hidden);
        Memory divisor({{1, 1, 1, 1}, Type::f32, Tag::abcd}, engine, &d.sqrtHeadSize);
        Memory mask(s.mask, engine, const_cast<float*>(maskBias));
        Memory probabilities(s.scores, engine, scores); // scores, then softmax in place
        Memory out(s.context, engine, context);
        s.scoresProduct.execute(d.stream,
                                {{DNNL_ARG_SRC, query},
                                 {DNNL_ARG_WEIGHTS, key},
                                 {DNNL_ARG_DST, probabilities},
                                 {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, divisor},
                                 {DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, mask}});
        s.softmax.execute(d.stream, {{DNNL_ARG_SRC, probabilities}, {DNNL_ARG_DST, probabilities}});
        s.contextProduct.execute(
            d.stream,
            {{DNNL_ARG_SRC, probabilities}, {DNNL_ARG_WEIGHTS, value}, {DNNL_ARG_DST, out}});
        d.stream.wait();
        return {};
    } catch (const std::exception& e) {
        return dnnlError("in attention", e);
    }
}

} // namespace semsearch
